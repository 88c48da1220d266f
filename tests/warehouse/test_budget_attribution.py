"""Where the budget went (issue 19): each bad event of a day counted once, by the stated precedence
(excluded, incident, deploy, unattributed), on a day worked out by hand, with incidents landed
from a canonical JSONL file, a Statuspage document and the real GitHub status history as it is."""

import csv
import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

GITHUB = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "github-status-incidents" / "downtime_windows.csv"
DAY = dt.datetime(2026, 10, 1)

# besides web's availability SLO (conftest's availability_catalog, web named "Web Frontend" on the status page)
MORE = """
---
apiVersion: openslo/v1
kind: Service
metadata:
  name: actions
  annotations: {slm/components: "Actions; Codespaces"}
spec: {}
---
apiVersion: slm/v1
kind: Exclusion
metadata: {name: maint-1}
spec:
  services: [web]
  kind: maintenance
  start: "2026-10-01T02:00:00Z"
  end: "2026-10-01T02:30:00Z"
"""


def minutes(start_h: int, start_m: int, n: int, status: int, version: str, service: str = "web") -> list[str]:
    return [json.dumps({"timestamp": (DAY + dt.timedelta(hours=start_h, minutes=start_m + i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "service": service, "status_code": status, "version": version}) for i in range(n)]


def write_landing(landing: Path) -> None:
    (landing / "web").mkdir(parents=True)
    events = (minutes(0, 0, 60, 200, "v1")      # the first version: there before, not a deploy
              + minutes(1, 0, 10, 500, "v1")    # 10 bad, nothing covers them: unattributed
              + minutes(2, 0, 30, 503, "v1")    # 30 bad in maint-1 [02:00, 02:30), inside INC-7 too: excluded
              + minutes(2, 30, 30, 500, "v1")   # 30 bad in INC-7 [02:00, 03:00): incident
              + minutes(3, 0, 5, 500, "v1")     # 5 bad from 03:00, INC-7 resolved: unattributed
              + minutes(4, 0, 16, 200, "v2")    # v2 first serves at 04:00: a deploy, its window [04:00, 05:00)
              + minutes(4, 16, 4, 500, "v2")    # 4 bad: the deploy's
              + minutes(5, 30, 3, 500, "v2")    # 3 bad after the window: unattributed
              + minutes(6, 0, 10, 500, "v2")    # 10 bad in SP-1 [06:00, 06:10), named by its component
              + minutes(7, 0, 5, 200, "v1"))    # v1 serves again, v2 never does: v2 rolled back at 06:10
    (landing / "web" / "2026-10-01.jsonl").write_text("\n".join(events) + "\n")
    # api's deploys are delivered: they, not its version field, say when it deployed
    (landing / "api").mkdir()
    (landing / "api" / "2026-10-01.jsonl").write_text("\n".join(
        minutes(8, 0, 5, 200, "a2", "api") + minutes(8, 5, 2, 500, "a2", "api") + minutes(8, 7, 3, 200, "a2", "api")) + "\n")
    (landing / "deploys").mkdir()
    (landing / "deploys" / "deploys.jsonl").write_text("\n".join(json.dumps(d) for d in (
        {"service": "api", "version": "a2", "started_at": "2026-10-01T08:03:00Z", "finished_at": "2026-10-01T08:04:00Z",
         "outcome": "success", "who": "ci-bot"},
        {"service": "api", "version": "a3", "started_at": "2026-10-01T08:30:00Z", "finished_at": None,
         "outcome": "failed", "who": "ci-bot"},
        {"service": "api", "version": "a2", "started_at": "2026-10-01T08:40:00Z", "finished_at": "2026-10-01T08:41:00Z",
         "outcome": "success", "who": "oncall"},   # a2 again: a rollback
        {"service": "api", "version": "a4", "started_at": "2026-10-01T09:00:00Z", "finished_at": "2026-10-01T08:00:00Z"},
    )) + "\n")
    (landing / "incidents").mkdir()
    (landing / "incidents" / "ours.jsonl").write_text(json.dumps(
        {"id": "INC-7", "title": "web 5xx", "services": ["web"], "severity": "sev2",
         "started_at": "2026-10-01T02:00:00Z", "detected_at": "2026-10-01T02:05:00Z",
         "mitigated_at": "2026-10-01T02:50:00Z", "resolved_at": "2026-10-01T03:00:00Z", "url": "https://inc/7"}) + "\n")
    (landing / "incidents" / "statuspage.json").write_text(json.dumps({
        "page": {"id": "p1", "name": "Acme", "url": "https://status.acme.test"},
        "incidents": [{"id": "SP-1", "name": "Elevated errors", "status": "resolved", "impact": "major",
                       "created_at": "2026-10-01T06:02:00Z", "started_at": "2026-10-01T06:00:00Z",
                       "monitoring_at": "2026-10-01T06:08:00Z", "resolved_at": "2026-10-01T06:10:00Z",
                       "updated_at": "2026-10-01T06:10:00Z", "shortlink": "https://stspg.io/sp1",
                       "components": [{"id": "c1", "name": "Web Frontend"}]}]}, indent=1))
    (landing / "incidents" / "github-status.csv").write_bytes(GITHUB.read_bytes())  # the real one, as it is


ANNOTATION = ["annotate", "--slo", "web-availability", "--from", "2026-10-01T02:00:00Z", "--to", "2026-10-01T03:00:00+00:00",
              "--text", "failover drill went wrong", "--by", "sre-oncall"]


@pytest.fixture(scope="module")
def built(run_scenario, catalog_of, tmp_path_factory):
    from click.testing import CliRunner

    from pipelines.cli.app import main

    root = tmp_path_factory.mktemp("attribution")
    done = CliRunner().invoke(main, ANNOTATION + ["--home", str(root / "home")])  # before the run: it picks it up
    assert done.exit_code == 0, done.output
    catalog = catalog_of("web", "api", components={"web": "Web Frontend"}) + MORE
    return run_scenario(root, write_landing, catalog)


def rows(settings, sql):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_each_bad_event_goes_to_the_first_cause_that_covers_it(built):
    got = rows(built, "select cause_kind, cause_id, bad_events from marts.fct_budget_attribution "
                      "where slo_name = 'web-availability' and day = '2026-10-01' order by 1, 2")
    assert got == [("deploy", "web@v2 2026-10-01 04:00:00", 4.0), ("excluded", "maint-1", 30.0),
                   ("incident", "INC-7", 30.0), ("incident", "SP-1", 10.0), ("unattributed", "", 10.0 + 5 + 3)]
    # api's 2 bad (08:05, 08:06) fall in its delivered deploy of a2 at 08:03; by its version field
    # alone a2 would be its first version and they would be unattributed
    assert rows(built, "select cause_kind, cause_id, bad_events from marts.fct_budget_attribution "
                       "where slo_name = 'api-availability' and bad_events > 0") == [
        ("deploy", "api@a2 2026-10-01 08:03:00", 2.0)]


def test_the_parts_add_up_to_each_days_bad_events(built):
    # on every SLO and day, against fct_sli_daily's total - good
    mismatched = rows(built, """
        select d.slo_name, d.day, d.total_events - d.good_events, coalesce(sum(a.bad_events), 0)
        from marts.fct_sli_daily as d
        left join marts.fct_budget_attribution as a on a.slo_name = d.slo_name and a.day = d.day
        group by all
        having abs(d.total_events - d.good_events - coalesce(sum(a.bad_events), 0)) > 1e-9""")
    assert mismatched == []
    assert rows(built, "select sum(total_events - good_events) from marts.fct_sli_daily") == [(92.0 + 2,)]


def test_incidents_of_the_real_status_history_reach_the_services_their_titles_name(built):
    with open(GITHUB, newline="") as f:
        history = list(csv.DictReader(f))
    named = {r["incident_id"] for r in history if "actions" in r["title"].lower() or "codespaces" in r["title"].lower()}
    assert len(history) == 819 and len(named) > 100
    got = {r[0] for r in rows(built, "select incident_id from intermediate.int_incident_services where service = 'actions'")}
    assert got == named
    # every line landed: rows read = landed + quarantined, nothing refused
    from pipelines.ingest import Lake
    entry = next(e for e in Lake(built.lake).ledger() if e.path == "incidents/github-status.csv")
    assert (entry.format, entry.rows_read, entry.rows_landed, entry.rows_quarantined) == ("downtime_csv", 819, 819, 0)


def test_each_incidents_impact_on_the_slo_it_touched(built):
    got = rows(built, """select incident_id, bad_events, budget_share, detected_by, minutes_to_detect,
                                minutes_to_mitigate, minutes_to_resolve, alerts_fired, missed
                         from marts.fct_incident_impact where slo_name = 'web-availability' order by incident_id""")
    # the budget of 2026-10-01 (a 28-day window holding one day): 1 % of the 173 - 30 excluded events
    allowed = 0.01 * (173 - 30)
    assert rows(built, "select allowed_bad from marts.fct_error_budget where slo_name = 'web-availability' "
                       "and as_of = '2026-10-01'") == [(pytest.approx(allowed),)]
    # detection: the first page alert of the SLO that started within the incident, else the declared time
    pages = rows(built, "select started_at from marts.fct_alert_episodes where slo_name = 'web-availability' "
                        "and severity = 'page' order by started_at")

    def detection(start, end, declared):
        first = next((p[0] for p in pages if start <= p[0] < end), None)
        return ("page_alert", int((first - start).total_seconds() // 60)) if first else ("declared", declared)

    inc7 = detection(dt.datetime(2026, 10, 1, 2), dt.datetime(2026, 10, 1, 3), 5)
    sp1 = detection(dt.datetime(2026, 10, 1, 6), dt.datetime(2026, 10, 1, 6, 10), 2)
    episodes = rows(built, "select started_at, ended_at from marts.fct_alert_episodes where slo_name = 'web-availability'")
    fired = [any(s < end and e > start for s, e in episodes)
             for start, end in ((dt.datetime(2026, 10, 1, 2), dt.datetime(2026, 10, 1, 3)),
                                (dt.datetime(2026, 10, 1, 6), dt.datetime(2026, 10, 1, 6, 10)))]
    assert got == [("INC-7", 30.0, pytest.approx(30 / allowed), *inc7, 50, 60, fired[0], not fired[0]),
                   ("SP-1", 10.0, pytest.approx(10 / allowed), *sp1, 8, 10, fired[1], not fired[1])]
    assert fired[0]  # 30 minutes of errors at 100 % burn a 99 % budget fast enough to page


def test_a_deploys_sli_before_and_after_and_its_verdict(built):
    got = rows(built, "select version, cast(deployed_at as varchar), is_rollback, deploy_source, who, sli_before, "
                      "sli_after, canary_delta, verdict from marts.fct_deploy_impact order by service desc, deployed_at")

    def canary(version):
        found = rows(built, f"select sli_delta from marts.fct_sli_by_version where version = '{version}' and day = '2026-10-01'")
        return found[0][0] if found else None

    assert got == [
        # web, derived from its version field. v2 at 04:00: the hour before held 5 requests, all bad
        # (03:00-03:04); its window [04:00, 05:00), 16 good of 20
        ("v2", "2026-10-01 04:00:00", False, "derived", None, 0.0, 0.8, canary("v2"), "improvement"),
        # v2 last served at 06:09 and v1 served again at 07:00: back to v1 at 06:10. The hour before
        # held 05:30-05:32 and 06:00-06:09, 13 bad; [06:10, 07:10) the 5 good of 07:00
        ("v1", "2026-10-01 06:10:00", True, "derived", None, 0.0, 1.0, canary("v1"), "improvement"),
        # api, delivered (the a4 record ends before it starts: quarantined). a2 at 08:03: before it,
        # 08:00-08:02, 3 good; until a3 at 08:30, 08:03-08:09: 2 good, 2 bad, 3 good
        ("a2", "2026-10-01 08:03:00", False, "delivered", "ci-bot", 1.0, 5 / 7, None, "regression"),
        # a3 and the rollback to a2: the hour before each held all ten requests (8 good), none after
        ("a3", "2026-10-01 08:30:00", False, "delivered", "ci-bot", 0.8, None, None, "unknown"),
        ("a2", "2026-10-01 08:40:00", True, "delivered", "oncall", 0.8, None, None, "unknown"),
    ]
    from pipelines.ingest import Lake
    entry = next(e for e in Lake(built.lake).ledger() if e.path == "deploys/deploys.jsonl")
    assert (entry.format, entry.rows_read, entry.rows_landed, entry.rows_quarantined) == ("deploys_jsonl", 4, 3, 1)


def test_annotations_written_and_generated(built):
    got = rows(built, "select annotation_source, slo_name, service, cast(from_ts as varchar), cast(to_ts as varchar), "
                      "note, who, annotated_at is not null from marts.fct_annotations where annotation_source = 'user'")
    assert got == [("user", "web-availability", None, "2026-10-01 02:00:00", "2026-10-01 03:00:00",
                    "failover drill went wrong", "sre-oncall", True)]
    counts = dict(rows(built, "select annotation_source, count(*) from marts.fct_annotations group by 1"))
    with open(GITHUB, newline="") as f:
        github = sum("actions" in r["title"].lower() or "codespaces" in r["title"].lower() for r in csv.DictReader(f))
    episodes = rows(built, "select count(*) from marts.fct_alert_episodes")[0][0]
    gaps = rows(built, "select count(*) from marts.fct_telemetry_gaps")[0][0]
    assert counts == {"user": 1, "exclusion": 1, "incident": 2 + github, "deploy": 3, "rollback": 2, "definition": 2,
                      **({"alert": episodes} if episodes else {}), **({"gap": gaps} if gaps else {})}
    assert episodes > 0
    assert rows(built, "select note from marts.fct_annotations where annotation_source = 'rollback' order by from_ts") == [
        ("rollback to v1",), ("rollback to a2",)]


def test_the_incident_report_shows_what_each_incident_cost(built, tmp_path):
    """`slm report --kind incidents` (issue 19, item 7), on the day worked out above."""
    import re

    from click.testing import CliRunner

    from pipelines.cli.app import main

    done = CliRunner().invoke(main, ["report", "--kind", "incidents", "--period", "2026-10", "--out", str(tmp_path),
                                     "--home", str(built.home)])
    assert done.exit_code == 0, done.output
    table = list(csv.DictReader((tmp_path / "incident-report-2026-10.csv").open()))
    # the two incidents of October that touched an SLO (the GitHub history's are older): INC-7 and
    # SP-1 on web-availability, with the bad events attributed to each above, mitigated after 50
    # and 8 minutes (02:50, monitoring from 06:08) and resolved after 60 and 10; their detection
    # and alerting equal fct_incident_impact's (worked out above)
    assert [(r["incident_id"], r["slo_name"], float(r["bad_events"]), r["minutes_to_mitigate"], r["minutes_to_resolve"])
            for r in table] == [("INC-7", "web-availability", 30.0, "50", "60"), ("SP-1", "web-availability", 10.0, "8", "10")]
    mart = rows(built, "select minutes_to_detect, missed from marts.fct_incident_impact "
                       "where slo_name = 'web-availability' order by incident_id")
    assert [(int(r["minutes_to_detect"]), r["missed"] == "True") for r in table] == mart
    page = (tmp_path / "incident-report-2026-10.html").read_text()
    # the summary: means over the incidents, (50 + 8) / 2 = 29 and (60 + 10) / 2 = 35
    detect = (mart[0][0] + mart[1][0]) / 2
    assert (f"2 incident(s) started in 2026-10, 0 missed by every alert; mean minutes to detect {detect:,.0f}, "
            "to mitigate 29, to resolve 35.") in page
    # where web-availability's budget went on 10-01, stacked: 30 excluded, 10 + 30 incident, 4 deploy,
    # 10 + 5 + 3 unattributed, as fct_budget_attribution split it above
    bars = re.findall(r'<rect class="cause-(\w+)" data-day="2026-10-01" data-bad="([\d.]+)"', page)
    assert bars == [("excluded", "30"), ("incident", "40"), ("deploy", "4"), ("unattributed", "18")]
    # the annotations on the SLO's time are numbered on its chart, the user's among them
    markers = re.findall(r'<g class="annotation" data-number="(\d+)">', page)
    assert markers and markers == [str(i + 1) for i in range(len(markers))]
    assert "failover drill went wrong" in page and "sre-oncall" in page
    wrong = CliRunner().invoke(main, ["report", "--kind", "outages", "--period", "2026-10", "--home", str(built.home)])
    assert wrong.exit_code == 2 and "'outages' is not one of 'sla', 'incidents'" in wrong.output


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_incident_report_pdf_says_where_the_budget_went(built, tmp_path):
    from pipelines.reports.incidents import write_report

    [path] = write_report(built.warehouse, "2026-10", ["pdf"], tmp_path)
    pdf = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    # 30 + 40 + 4 + 18 = 92, the day's bad events (see the split above)
    assert "92 bad events: excluded 30 (32.6 %), incident 40 (43.5 %), deploy 4 (4.3 %), unattributed 18 (19.6 %)." in pdf
    assert "INC-7" in pdf and "SP-1" in pdf and "failover drill went wrong" in pdf


@pytest.mark.parametrize("change, message", [
    (["--service", "web"], "give exactly one of --slo and --service"),
    (["--to", "2026-10-01T01:00:00Z"], "--to: 2026-10-01T01:00:00Z is not after --from"),
    (["--from", "yesterday"], "--from: not an RFC 3339 time: 'yesterday'"),
    (["--from", "2026-10-01T00:00:00"], "has no time zone"),
    (["--text", "  "], "--text: empty"),
])
def test_a_refused_annotation_is_one_line_and_writes_nothing(tmp_path, change, message):
    from click.testing import CliRunner

    from pipelines.cli.app import main

    args = list(ANNOTATION)
    for i in range(0, len(change), 2):
        if change[i] in args:
            args[args.index(change[i]) + 1] = change[i + 1]
        else:
            args += change[i:i + 2]
    done = CliRunner().invoke(main, args + ["--home", str(tmp_path / "home")])
    assert done.exit_code == 2 and message in done.output, done.output
    assert not (tmp_path / "home" / "annotations" / "annotations.jsonl").exists()
