"""SLO definitions are versioned: a change mid-month leaves the days before it computed with the
definition that was valid on them (issue 3, item 4)."""

import datetime as dt
import json
import textwrap

import duckdb
import pytest

from pipelines.catalog.export import update_versions
from pipelines.settings import Settings

D = dt.date


def slo(hash_, valid_from=None, name="web-availability"):
    return {"slo_name": name, "definition_hash": hash_, "valid_from_annotation": valid_from}


def test_history_opens_closes_and_never_rewrites():
    today = D(2026, 10, 20)
    v1, problems = update_versions([], [slo("h1")], today)
    assert problems == [] and [(r["definition_hash"], r["valid_from"], r["valid_to"]) for r in v1] == [("h1", None, None)]
    same, _ = update_versions(v1, [slo("h1")], today)
    assert same == v1
    v2, _ = update_versions(v1, [slo("h2", D(2026, 10, 11))], today)
    assert [(r["definition_hash"], r["valid_from"], r["valid_to"]) for r in v2] == [
        ("h1", None, D(2026, 10, 11)), ("h2", D(2026, 10, 11), None)]
    # without an annotation a change takes effect on the day it is first exported
    v3, _ = update_versions(v2, [slo("h3")], today)
    assert [(r["valid_from"], r["valid_to"]) for r in v3][-2:] == [(D(2026, 10, 11), today), (today, None)]
    # an effective day not after the version in force is refused, nothing changes
    refused, problems = update_versions(v2, [slo("h4", D(2026, 10, 11))], today)
    assert "must take effect after 2026-10-11" in problems[0]
    # an SLO removed from the catalog stops being in force today
    removed, _ = update_versions(v2, [], today)
    assert removed[-1]["valid_to"] == today


CATALOG = """
apiVersion: openslo/v1
kind: Service
metadata: {{name: web}}
spec: {{}}
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: web-availability
  annotations: {annotations}
spec:
  service: web
  indicator:
    metadata: {{name: web-ok}}
    spec:
      ratioMetric:
        counter: true
        good: {{metricSource: {{type: warehouse, spec: {{filter: "{good}"}}}}}}
        total: {{metricSource: {{type: warehouse, spec: {{filter: "not is_probe"}}}}}}
  timeWindow: [{{duration: 28d, isRolling: true}}]
  budgetingMethod: Occurrences
  objectives: [{{target: {target}}}]
"""


@pytest.fixture(scope="module")
def changed_midmonth(tmp_path_factory):
    from pipelines.cli.runner import run_pipeline

    root = tmp_path_factory.mktemp("versioning")
    (root / "landing").mkdir()
    lines = []
    for day in range(1, 21):  # 2026-10-01 .. 10-20: per day 98 x 200, one 404, one 503
        for i in range(100):
            status = 404 if i == 10 else 503 if i == 20 else 200
            ts = dt.datetime(2026, 10, day, 8) + dt.timedelta(minutes=i)
            lines.append(json.dumps({"timestamp": ts.isoformat() + "Z", "service": "web", "status_code": status}))
    (root / "landing" / "web.jsonl").write_text("\n".join(lines) + "\n")
    catalog = root / "catalog"
    catalog.mkdir()
    settings = Settings.resolve(root / "home", str(root / "landing"), catalog)
    (catalog / "c.yaml").write_text(textwrap.dedent(CATALOG.format(
        annotations="{}", good="status_code < 500 and not is_probe", target=0.999)))
    first = run_pipeline(settings, out=lambda _line: None)
    # mid-month the team tightens the definition (4xx now count against it) and relaxes the target
    (catalog / "c.yaml").write_text(textwrap.dedent(CATALOG.format(
        annotations='{"slm/valid-from": "2026-10-11"}', good="status_code < 400 and not is_probe", target=0.99)))
    second = run_pipeline(settings, out=lambda _line: None)
    assert first.success and second.success
    return settings


def query(settings, sql):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_both_versions_are_kept_with_their_days(changed_midmonth):
    rows = query(changed_midmonth, "select target, valid_from, valid_to, is_current from marts.dim_slos order by target desc")
    assert rows == [(0.999, None, D(2026, 10, 11), False), (0.99, D(2026, 10, 11), None, True)]


def test_each_half_is_computed_with_its_own_definition(changed_midmonth):
    rows = dict((day, (target, sli)) for day, target, sli in query(
        changed_midmonth, "select day, target, sli from marts.fct_sli_daily where day in ('2026-10-05', '2026-10-15')"))
    # before: only the 503 is bad (99/100) at 99.9 %; after: the 404 is bad too (98/100) at 99 %
    assert rows == {D(2026, 10, 5): (0.999, 0.99), D(2026, 10, 15): (0.99, 0.98)}


def test_a_budget_spanning_the_change_counts_each_day_at_its_target(changed_midmonth):
    rows = query(changed_midmonth, """select as_of, target, allowed_bad, actual_bad from marts.fct_error_budget
                                      where as_of in ('2026-10-10', '2026-10-20') order by as_of""")
    # to 10-10: 10 days x 100 events x 0.1 % = 1 allowed, 10 bad (one 503 a day)
    # to 10-20: that + 10 days x 100 x 1 % = 11 allowed; 10 + 10 x 2 = 30 bad
    assert rows == [(D(2026, 10, 10), 0.999, 1.0, 10.0), (D(2026, 10, 20), 0.99, 11.0, 30.0)]


def test_the_minute_base_holds_each_day_under_the_version_in_force_only(changed_midmonth):
    rows = query(changed_midmonth, """select event_date, count(distinct definition_hash), sum(total_events), min(definition_hash)
                                      from intermediate.int_slo_minutes where event_date in ('2026-10-10', '2026-10-11')
                                      group by event_date order by event_date""")
    # 10-10 is the first version's last day, 10-11 (its valid_to) the second's first: 100 events each, once
    assert [r[:3] for r in rows] == [(D(2026, 10, 10), 1, 100.0), (D(2026, 10, 11), 1, 100.0)]
    assert rows[0][3] != rows[1][3]
