import datetime as dt
import textwrap

from pipelines.catalog import load_catalog
from pipelines.demo import write_catalog

SERVICE = """
apiVersion: openslo/v1
kind: Service
metadata: {name: web}
spec: {description: Storefront}
"""

SLO = """
apiVersion: openslo/v1
kind: SLO
metadata: {name: web-availability}
spec:
  service: web
  indicator:
    metadata: {name: web-ok}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: warehouse, spec: {filter: "status_code < 500"}}}
        total: {metricSource: {type: warehouse, spec: {filter: "not is_probe"}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.995}]
"""


def write(tmp_path, *docs, name="catalog.yaml"):
    path = tmp_path / name
    path.write_text("---\n".join(textwrap.dedent(d) for d in docs))
    return tmp_path


def test_demo_catalog_is_valid_and_resolves_every_kind(tmp_path):
    write_catalog(tmp_path)
    cat = load_catalog(tmp_path)
    assert cat.problems == []
    assert {s["slo_name"] for s in cat.slos} == {
        "checkout-availability", "payments-availability", "payments-latency",
        "search-availability", "search-uptime", "catalog-availability", "auth-availability",
    }
    assert cat.notes == [] and all(s["computed"] for s in cat.slos)
    uptime = next(s for s in cat.slos if s["slo_name"] == "search-uptime")
    assert (uptime["budgeting_method"], uptime["time_slice_minutes"], uptime["time_slice_target"]) == (
        "Timeslices", 1, 0.95)
    assert [(c["slo_document"], c["condition_name"]) for c in cat.alert_conditions] == [
        ("checkout-availability", "fast-burn")]
    tables = (cat.services, cat.slos, cat.contracts, cat.exclusions, cat.dependencies)
    assert all(len(row["definition_hash"]) == 64 for rows in tables for row in rows)
    latency = next(s for s in cat.slos if s["slo_name"] == "payments-latency")
    assert latency["good_filter_sql"].endswith("and (latency_ms <= 300)")
    windows = {s["slo_name"]: (s["window_kind"], s["window_days"], s["calendar_unit"]) for s in cat.slos}
    assert windows["checkout-availability"] == ("rolling", 28, None)
    assert windows["payments-availability"] == ("calendar", None, "month")
    assert [c["contract_name"] for c in cat.contracts] == ["acme-checkout", "globex-payments"]
    assert {(e["exclusion_name"], e["kind"]) for e in cat.exclusions} == {
        ("oct-db-upgrade", "maintenance"), ("nov-card-network-outage", "third_party")}


def test_indicator_reference_and_bad_form_compile_to_good_within_total(tmp_path):
    write_catalog(tmp_path)
    slos = {s["slo_name"]: s for s in load_catalog(tmp_path).slos}
    # good = total AND good: a good event outside the total population is never counted
    assert slos["checkout-availability"]["good_filter_sql"] == (
        "(not (coalesce(is_probe, false))) and (((status_code < 500) and (not (coalesce(is_probe, false)))))")
    # the bad/total form: good = total AND NOT bad (a null status is not bad)
    assert slos["auth-availability"]["good_filter_sql"] == (
        "(not (coalesce(is_probe, false))) and (not coalesce((status_code >= 500), false))")


def test_every_problem_is_reported_with_file_document_kind_name_and_field(tmp_path):
    write(tmp_path, SERVICE, SLO, SLO.replace("target: 0.995", "target: 1.5").replace("service: web", "service: nope"),
          """
          apiVersion: slm/v1
          kind: Exclusion
          metadata: {name: backwards}
          spec: {services: [web], kind: maintenance, start: "2026-10-20T04:00:00Z", end: "2026-10-20T02:00:00Z"}
          """,
          """
          apiVersion: slm/v1
          kind: Contract
          metadata: {name: acme}
          spec:
            slo: missing-slo
            timeZone: Mars/Olympus
            fee: {amount: 100, currency: usd}
            creditTiers: [{below: 99.9, creditPercent: 10}, {below: 99.9, creditPercent: 20}]
          """)
    cat = load_catalog(tmp_path)
    found = {(p.file, p.doc, p.kind, p.name, p.path) for p in cat.problems}
    assert ("catalog.yaml", 3, "SLO", "web-availability", "metadata.name") in found  # duplicate name
    assert ("catalog.yaml", 4, "Exclusion", "backwards", "spec.end") in found
    assert ("catalog.yaml", 5, "Contract", "acme", "spec.slo") in found
    assert ("catalog.yaml", 5, "Contract", "acme", "spec.timeZone") in found
    assert ("catalog.yaml", 5, "Contract", "acme", "spec.fee.currency") in found
    assert ("catalog.yaml", 5, "Contract", "acme", "spec.creditTiers") in found
    # every problem is where it was written: file, line and column (issue 17)
    lines = (tmp_path / "catalog.yaml").read_text().splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if "timeZone: Mars/Olympus" in text)
    column = lines[line - 1].index("Mars/Olympus") + 1
    assert str(next(p for p in cat.problems if p.path == "spec.timeZone")) == (
        f"catalog.yaml:{line}:{column} doc 5 Contract acme: spec.timeZone: unknown time zone 'Mars/Olympus'")
    # a duplicate name does not hide the rest of its document
    assert {("catalog.yaml", 3, "SLO", "web-availability", "spec.objectives[0].target"),
            ("catalog.yaml", 3, "SLO", "web-availability", "spec.service")} <= found


def test_target_outside_zero_one_and_dangling_service_are_errors(tmp_path):
    write(tmp_path, SERVICE, SLO.replace("target: 0.995", "target: 1.5").replace("service: web", "service: nope"))
    problems = {(p.path, p.message.split(" (")[0]) for p in load_catalog(tmp_path).problems}
    assert ("spec.service", "no Service named 'nope' in the catalog") in problems
    assert ("spec.objectives[0].target", "must be in [0, 1) in OpenSLO v1, got 1.5") in problems


def test_unsafe_filter_in_catalog_is_a_problem_not_sql(tmp_path):
    write(tmp_path, SERVICE, SLO.replace('filter: "status_code < 500"', 'filter: "status_code < 500; drop table x"'))
    [problem] = load_catalog(tmp_path).problems
    assert problem.path == "spec.indicator.spec.ratioMetric.good.metricSource.spec.filter"
    assert "unexpected character ';'" in problem.message


def test_names_must_be_rfc1123_labels(tmp_path):
    write(tmp_path, SERVICE.replace("name: web", "name: \"web'; drop\""))
    [problem] = load_catalog(tmp_path).problems
    assert problem.path == "metadata.name"


def test_yaml_syntax_error_names_the_line(tmp_path):
    (tmp_path / "broken.yaml").write_text("apiVersion: openslo/v1\nkind: Service\nmetadata: {name: [\n")
    [problem] = load_catalog(tmp_path).problems
    assert problem.file == "broken.yaml" and "not valid YAML" in problem.message


def test_external_metric_sources_are_listed_not_computed_and_not_an_error(tmp_path):
    write(tmp_path, SERVICE, SLO.replace("type: warehouse, spec: {filter: \"status_code < 500\"}",
                                         "type: prometheus, spec: {query: 'sum(rate(x[5m]))'}"))
    cat = load_catalog(tmp_path)
    assert cat.problems == []
    [note] = cat.notes
    assert note.path == "spec.objectives[0]" and "a metric source is external" in note.message
    [slo] = cat.slos
    assert (slo["computed"], slo["good_filter_sql"]) == (False, None)


THRESHOLD_SLO = """
apiVersion: openslo/v1
kind: SLO
metadata: {name: web-latency, displayName: Web latency}
spec:
  service: web
  indicator:
    metadata: {name: web-latency}
    spec:
      thresholdMetric:
        metricSource: {type: warehouse, spec: {filter: "not is_probe and status_code < 500", field: latency_ms}}
  timeWindow: [{duration: 7d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives:
    - {displayName: fast, op: lte, value: 300, target: 0.9}
    - {displayName: not-slow, op: lt, value: 1000, targetPercent: 99.5}
"""


def test_threshold_objectives_become_one_slo_each_with_their_own_good_filter(tmp_path):
    write(tmp_path, SERVICE, THRESHOLD_SLO)
    cat = load_catalog(tmp_path)
    assert cat.problems == [] and cat.notes == []
    by_name = {s["slo_name"]: s for s in cat.slos}
    assert set(by_name) == {"web-latency.fast", "web-latency.not-slow"}
    total = "((not (coalesce(is_probe, false))) and (status_code < 500))"
    assert by_name["web-latency.fast"]["good_filter_sql"] == f"({total}) and (latency_ms <= 300)"
    assert by_name["web-latency.not-slow"]["good_filter_sql"] == f"({total}) and (latency_ms < 1000)"
    assert (by_name["web-latency.fast"]["target"], by_name["web-latency.not-slow"]["target"]) == (0.9, 0.995)
    assert by_name["web-latency.fast"]["window_days"] == 7


def test_threshold_objective_needs_op_and_a_numeric_field(tmp_path):
    bad = THRESHOLD_SLO.replace("field: latency_ms", "field: service").replace("op: lt,", "op: below,")
    write(tmp_path, SERVICE, bad)
    paths = {p.path for p in load_catalog(tmp_path).problems}
    assert paths == {"spec.indicator.spec.thresholdMetric.metricSource.spec.field", "spec.objectives[1].op"}
    write(tmp_path, SERVICE, THRESHOLD_SLO.replace("op: lt,", "op: below,"))
    assert {p.path for p in load_catalog(tmp_path).problems} == {"spec.objectives[1].op"}


def test_timeslices_need_a_slice_length_that_divides_a_day(tmp_path):
    timeslices = SLO.replace("budgetingMethod: Occurrences", "budgetingMethod: Timeslices").replace(
        "objectives: [{target: 0.995}]", "objectives: [{target: 0.995, timeSliceTarget: 0.95, timeSliceWindow: 5m}]")
    write(tmp_path, SERVICE, timeslices)
    cat = load_catalog(tmp_path)
    assert cat.problems == []
    [slo] = cat.slos
    assert (slo["time_slice_target"], slo["time_slice_minutes"], slo["computed"]) == (0.95, 5, True)
    for bad in ("90s", "7m", "2d"):  # slices are whole minutes that divide a day
        write(tmp_path, SERVICE, timeslices.replace("timeSliceWindow: 5m", f"timeSliceWindow: {bad}"))
        [problem] = load_catalog(tmp_path).problems
        assert problem.path == "spec.objectives[0].timeSliceWindow"


def test_throughput_objectives_count_events_per_slice_under_timeslices(tmp_path):
    throughput = SLO.replace("budgetingMethod: Occurrences", "budgetingMethod: Timeslices").replace(
        """      ratioMetric:
        counter: true
        good: {metricSource: {type: warehouse, spec: {filter: "status_code < 500"}}}
        total: {metricSource: {type: warehouse, spec: {filter: "not is_probe"}}}""",
        """      thresholdMetric:
        metricSource: {type: warehouse, spec: {measure: count, filter: "not is_probe"}}""").replace(
        "objectives: [{target: 0.995}]", "objectives: [{target: 0.99, op: gte, value: 100, timeSliceWindow: 1m}]")
    write(tmp_path, SERVICE, throughput)
    cat = load_catalog(tmp_path)
    assert cat.problems == []
    [slo] = cat.slos
    assert (slo["indicator_kind"], slo["slice_count_op"], slo["slice_count_value"]) == ("throughput", ">=", 100.0)
    assert slo["good_filter_sql"] == slo["total_filter_sql"] == "not (coalesce(is_probe, false))"
    assert slo["time_slice_target"] is None and slo["time_slice_minutes"] == 1
    for old, new, field in (
        ("budgetingMethod: Timeslices", "budgetingMethod: Occurrences", "spec.budgetingMethod"),
        ("value: 100", "value: -1", "spec.objectives[0].value"),
        ("op: gte,", "op: atleast,", "spec.objectives[0].op"),
        ("measure: count", "measure: sum", "spec.indicator.spec.thresholdMetric.metricSource.spec.measure"),
    ):
        write(tmp_path, SERVICE, throughput.replace(old, new))
        assert [p.path for p in load_catalog(tmp_path).problems] == [field], old


ALERTING = """
apiVersion: openslo/v1
kind: AlertCondition
metadata: {name: fast-burn}
spec:
  severity: page
  condition: {kind: burnrate, op: gte, threshold: 14.4, lookbackWindow: 1h, alertAfter: 5m}
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata: {name: on-call}
spec: {target: pagerduty}
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: web-paging}
spec:
  alertWhenBreaching: true
  alertWhenResolved: false
  alertWhenNoData: false
  conditions: [{conditionRef: fast-burn}]
  notificationTargets: [{targetRef: on-call}]
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: web-ticket}
spec:
  alertWhenBreaching: true
  alertWhenResolved: false
  alertWhenNoData: false
  conditions:
    - kind: AlertCondition
      metadata: {name: slow-burn}
      spec:
        severity: ticket
        condition: {kind: burnrate, op: gte, threshold: 1, lookbackWindow: 3d, alertAfter: 6h}
  notificationTargets: [{kind: AlertNotificationTarget, metadata: {name: mail}, spec: {target: email}}]
"""
# An SLO's alertPolicies in each form the spec shows: a name, an alertPolicyRef, and a policy inline
# whose condition is referenced.
POLICIES = """  alertPolicies:
    - web-paging
    - alertPolicyRef: web-ticket
    - kind: AlertPolicy
      metadata: {name: web-inline}
      spec:
        alertWhenBreaching: true
        alertWhenResolved: true
        alertWhenNoData: false
        conditions: [{conditionRef: fast-burn}]
        notificationTargets: [{targetRef: on-call}]
"""


def test_alert_policies_in_every_form_resolve_to_burn_rate_conditions_per_slo(tmp_path):
    write(tmp_path, SERVICE, ALERTING, SLO.replace("  service: web\n", "  service: web\n" + POLICIES))
    cat = load_catalog(tmp_path)
    assert cat.problems == []
    assert sorted((c["slo_document"], c["alert_policy"], c["condition_name"], c["severity"], c["threshold"],
                   c["lookback_minutes"], c["alert_after_minutes"]) for c in cat.alert_conditions) == [
        ("web-availability", "web-inline", "fast-burn", "page", 14.4, 60, 5),
        ("web-availability", "web-paging", "fast-burn", "page", 14.4, 60, 5),
        ("web-availability", "web-ticket", "slow-burn", "ticket", 1.0, 3 * 24 * 60, 6 * 60)]
    # a name, a reference or a target to nothing is an error, in whichever form it is written
    broken = (ALERTING.replace("conditionRef: fast-burn", "conditionRef: nope").replace("targetRef: on-call", "targetRef: nobody"),
              SLO.replace("  service: web\n", "  service: web\n" + POLICIES.replace("- web-paging", "- paging-typo")
                          .replace("alertPolicyRef: web-ticket", "alertPolicyRef: ticket-typo")))
    write(tmp_path, SERVICE, *broken)
    assert sorted((p.kind, p.path) for p in load_catalog(tmp_path).problems) == [
        ("AlertPolicy", "spec.conditions[0].conditionRef"), ("AlertPolicy", "spec.notificationTargets[0].targetRef"),
        ("SLO", "spec.alertPolicies[0]"), ("SLO", "spec.alertPolicies[1].alertPolicyRef")]


def test_catalog_hash_ignores_file_layout_and_order(tmp_path):
    (tmp_path / "a").mkdir()
    write(tmp_path / "a", SERVICE, SLO)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "1.yaml").write_text(textwrap.dedent(SLO))
    (tmp_path / "b" / "2.yaml").write_text(textwrap.dedent(SERVICE))
    assert load_catalog(tmp_path / "a").content_hash == load_catalog(tmp_path / "b").content_hash
    (tmp_path / "b" / "1.yaml").write_text(textwrap.dedent(SLO).replace("0.995", "0.99"))
    assert load_catalog(tmp_path / "a").content_hash != load_catalog(tmp_path / "b").content_hash


def test_openslo_style_examples_are_accepted(tmp_path):
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "fixtures" / "openslo"
    cat = load_catalog(folder)
    assert cat.problems == []
    listed = {s["slo_name"]: s["not_computed_reason"] for s in cat.slos if not s["computed"]}
    assert listed == {
        "search-latency.painful": "the metric source is external",
        "search-latency.acceptable": "the metric source is external",
        "cloud-availability": "a metric source is external",
        "precomputed-ratio": "a raw (pre-computed) ratio comes from an external source",
    }
    assert len(cat.notes) == 4
    # calendar windows in a catalog time zone are computed (in local days)
    search = next(s for s in cat.slos if s["slo_name"] == "search-availability")
    assert (search["computed"], search["time_zone"], search["calendar_unit"], search["calendar_count"],
            search["calendar_anchor"]) == (True, "America/New_York", "month", 1, dt.date(2022, 1, 1))


def test_the_documented_complete_example_validates(tmp_path):
    """docs/catalog.md's "complete example" is what a new user copies first."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "catalog.md").read_text()
    example = text[text.index("## A complete example"):]
    (tmp_path / "catalog.yaml").write_text(re.search(r"```yaml\n(.*?)```", example, re.S).group(1))
    cat = load_catalog(tmp_path)
    assert cat.problems == [] and {s["slo_name"] for s in cat.slos} >= {"checkout-availability"}


def test_a_services_status_page_components_map_incidents_to_it(tmp_path):
    """`slm/components` (issue 19): `;`-separated names, each naming one Service only."""
    def service(name, components):
        return f"""
apiVersion: openslo/v1
kind: Service
metadata:
  name: {name}
  annotations: {{slm/components: {components}}}
spec: {{}}
"""
    cat = load_catalog(write(tmp_path, service("web", '"Web Frontend; CDN ;"'), service("api", '"API"')))
    assert cat.ok, cat.problems
    assert cat.service_components == [{"component": "Web Frontend", "service_name": "web"},
                                      {"component": "CDN", "service_name": "web"},
                                      {"component": "API", "service_name": "api"}]
    bad = load_catalog(write(tmp_path / "bad" if (tmp_path / "bad").mkdir() is None else None,
                             service("web", '"Web Frontend"'), service("cdn", '"web frontend"'), service("api", "' ; '")))
    assert [(p.name, p.path, p.message) for p in bad.problems] == [
        ("cdn", "metadata.annotations.slm/components", "component 'web frontend' already names Service 'web'"),
        ("api", "metadata.annotations.slm/components", "must be component names separated by ';', got ' ; '")]
