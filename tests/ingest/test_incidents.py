"""Incident and deploy timelines landed like telemetry (issue 19): each shape recognised by its
fields, every broken record quarantined with its field named, rows read = landed + quarantined, an
incident updated later superseding its earlier version, a deploy delivered twice counted once."""

import json

import duckdb
import pytest

from pipelines.ingest import Lake, detect_format, land
from pipelines.ingest.incidents import publish_incidents
from pipelines.settings import parse_formats


def incident(**fields) -> str:
    base = {"id": "INC-1", "title": "checkout errors", "services": ["checkout"], "severity": "sev1",
            "started_at": "2026-10-05T10:00:00Z", "detected_at": None, "mitigated_at": None,
            "resolved_at": "2026-10-05T11:00:00+01:00", "url": None}
    return json.dumps({**base, **fields})


@pytest.mark.parametrize("name, text, fmt", [
    ("a.jsonl", incident() + "\n", "incidents_jsonl"),
    ("a.json", json.dumps({"page": {"id": "p"}, "incidents": []}), "statuspage"),
    ("a.csv", "id,title,services,severity,started_at,resolved_at\nI,t,web,sev1,2026-10-01T00:00:00Z,\n", "incidents_csv"),
    ("w.csv", "incident_id,downtime_start,downtime_end,duration_minutes,source,title,impact\n", "downtime_csv"),
    ("d.jsonl", json.dumps({"service": "api", "version": "a2", "started_at": "2026-10-01T08:03:00Z"}) + "\n", "deploys_jsonl"),
    ("d.csv", "service,version,started_at,finished_at,outcome,who\napi,a2,2026-10-01T08:03:00Z,,,\n", "deploys_csv"),
    # telemetry keeps its own shapes
    ("e.jsonl", json.dumps({"timestamp": "2026-10-01T00:00:00Z", "service": "web", "status_code": 200}) + "\n", "jsonl"),
    ("e.csv", "timestamp,service,status_code\n2026-10-01T00:00:00Z,web,200\n", "csv"),
])
def test_each_shape_is_recognised_by_its_fields(tmp_path, name, text, fmt):
    (tmp_path / name).write_text(text)
    assert detect_format(tmp_path / name) == fmt
    assert parse_formats("status/=statuspage") == {"status/": "statuspage"}


def test_broken_records_are_quarantined_with_the_field_named(tmp_path):
    landing = tmp_path / "landing"
    (landing / "inc").mkdir(parents=True)
    lines = [
        incident(),                                                          # 1: good (resolved 10:00Z)
        incident(id=None),                                                   # 2
        incident(id="INC-3", started_at=None),                               # 3
        incident(id="INC-4", started_at="yesterday"),                        # 4
        incident(id="INC-5", started_at="2026-10-05T10:00:00"),              # 5: no zone
        incident(id="INC-6", resolved_at="2026-10-05T09:59:59Z"),            # 6: before it started
        incident(id="INC-7", services="checkout"),                           # 7: not a list
        "{not json",                                                         # 8
        "",                                                                  # 9: blank, not a record
        incident(id="INC-10", detected_at="2026-10-05T10:05:00Z", mitigated_at="2026-10-05T10:30:00Z"),  # 10: good
    ]
    (landing / "inc" / "i.jsonl").write_text("\n".join(lines) + "\n")
    lake = Lake(tmp_path / "lake")
    entry = land(lake, str(landing)).landed[0]
    assert (entry.format, entry.rows_read, entry.rows_landed, entry.rows_quarantined) == ("incidents_jsonl", 9, 2, 7)
    assert entry.days == ["2026-10-05"]
    with duckdb.connect() as con:
        reasons = con.execute("select line, reason from read_parquet(?) order by line",
                              [str(lake.quarantine / f"{entry.file_sha256}.parquet")]).fetchall()
    assert [(n, r.split(":")[0]) for n, r in reasons] == [
        (2, "id"), (3, "started_at"), (4, "started_at"), (5, "started_at"), (6, "resolved_at"), (7, "services"), (8, "not JSON")]
    assert "has no time zone" in reasons[3][1] and "is before started_at" in reasons[4][1]
    assert publish_incidents(lake) == 2
    with duckdb.connect() as con:
        got = con.execute("select incident_id, started_at, resolved_at, services from read_parquet(?) order by 1",
                          [str(lake.incidents)]).fetchall()
    assert [(g[0], str(g[1]), str(g[2]), g[3]) for g in got] == [
        ("INC-1", "2026-10-05 10:00:00", "2026-10-05 10:00:00", ["checkout"]),  # +01:00 kept as UTC
        ("INC-10", "2026-10-05 10:00:00", "2026-10-05 10:00:00", ["checkout"])]


def test_an_incident_updated_later_supersedes_its_earlier_version(tmp_path):
    landing = tmp_path / "landing"
    (landing / "inc").mkdir(parents=True)
    (landing / "inc" / "a.jsonl").write_text(incident(resolved_at=None, updated_at="2026-10-05T10:10:00Z") + "\n")
    lake = Lake(tmp_path / "lake")
    land(lake, str(landing))
    publish_incidents(lake)

    def published():
        with duckdb.connect() as con:
            return con.execute("select incident_id, cast(resolved_at as varchar), title from read_parquet(?)",
                               [str(lake.incidents)]).fetchall()

    assert published() == [("INC-1", None, "checkout errors")]
    # a later delivery of the same incident, resolved: it supersedes
    (landing / "inc" / "b.jsonl").write_text(incident(resolved_at="2026-10-05T11:00:00Z", updated_at="2026-10-05T11:05:00Z") + "\n")
    land(lake, str(landing))
    publish_incidents(lake)
    assert published() == [("INC-1", "2026-10-05 11:00:00", "checkout errors")]
    # a stale copy delivered after it (an older updated_at) does not
    (landing / "inc" / "c.jsonl").write_text(incident(title="stale", resolved_at=None, updated_at="2026-10-05T10:20:00Z") + "\n")
    land(lake, str(landing))
    publish_incidents(lake)
    assert published() == [("INC-1", "2026-10-05 11:00:00", "checkout errors")]
    # the same file corrected (new bytes, same path): the ledger's correction, and its content counts
    (landing / "inc" / "b.jsonl").write_text(incident(title="checkout 5xx", resolved_at="2026-10-05T11:00:00Z",
                                                      updated_at="2026-10-05T12:00:00Z") + "\n")
    report = land(lake, str(landing))
    assert len(report.corrections) == 1
    publish_incidents(lake)
    assert published() == [("INC-1", "2026-10-05 11:00:00", "checkout 5xx")]
    # and nothing of it reaches the telemetry's day partitions
    assert not lake.events.exists()


def test_a_statuspage_document_maps_its_fields_and_numbers_its_incidents(tmp_path):
    landing = tmp_path / "landing"
    (landing / "status").mkdir(parents=True)
    (landing / "status" / "incidents.json").write_text(json.dumps({"page": {"id": "p"}, "incidents": [
        {"id": "a1", "name": "Pages down", "impact": "critical", "created_at": "2026-10-02T08:03:00.000Z",
         "started_at": "2026-10-02T08:00:00.000Z", "monitoring_at": "2026-10-02T08:30:00.000Z",
         "resolved_at": "2026-10-02T09:00:00.000Z", "updated_at": "2026-10-02T09:00:00.000Z",
         "shortlink": "https://stspg.io/a1", "components": [{"name": "Pages"}, {"name": "API"}]},
        {"id": "a2", "name": "no start", "created_at": None, "components": []},
    ]}))
    lake = Lake(tmp_path / "lake")
    entry = land(lake, str(landing)).landed[0]
    assert (entry.format, entry.rows_read, entry.rows_landed, entry.rows_quarantined) == ("statuspage", 2, 1, 1)
    publish_incidents(lake)
    with duckdb.connect() as con:
        row = con.execute("select incident_id, title, severity, cast(detected_at as varchar), "
                          "cast(mitigated_at as varchar), url, components from read_parquet(?)", [str(lake.incidents)]).fetchone()
        names = con.execute("select name_kind, name from read_parquet(?) order by 2",
                            [str(lake.incidents.with_name("incident_names.parquet"))]).fetchall()
        bad = con.execute("select line, reason from read_parquet(?)",
                          [str(lake.quarantine / f"{entry.file_sha256}.parquet")]).fetchall()
    assert row == ("a1", "Pages down", "critical", "2026-10-02 08:03:00", "2026-10-02 08:30:00", "https://stspg.io/a1",
                   ["Pages", "API"])
    assert names == [("component", "API"), ("component", "Pages")]
    assert bad == [(2, "started_at: missing")]


def test_deploy_events_land_with_their_rules_and_count_once(tmp_path):
    from pipelines.ingest.deploys import publish_deploys

    landing = tmp_path / "landing"
    (landing / "deploys").mkdir(parents=True)
    (landing / "deploys" / "a.csv").write_text(
        "service,version,started_at,finished_at,outcome,who\n"
        "api,a2,2026-10-01T08:03:00Z,2026-10-01T08:04:00Z,success,ci-bot\n"    # 2
        ",a3,2026-10-01T09:00:00Z,,,\n"                                           # 3: no service
        "api,,2026-10-01T09:00:00Z,,,\n"                                          # 4: no version
        "api,a4,2026-10-01T10:00:00Z,2026-10-01T09:00:00Z,,\n"                  # 5: finished before it started
        "api,a5,soon,,,\n"                                                        # 6
        "api,a6,2026-10-01T11:00:00+02:00,,rollback,oncall\n")                   # 7: 09:00Z
    (landing / "deploys" / "b.jsonl").write_text(json.dumps(
        {"service": "api", "version": "a2", "started_at": "2026-10-01T08:03:00Z", "who": "again"}) + "\n")
    lake = Lake(tmp_path / "lake")
    entries = {e.path: e for e in land(lake, str(landing)).landed}
    a = entries["deploys/a.csv"]
    assert (a.format, a.rows_read, a.rows_landed, a.rows_quarantined) == ("deploys_csv", 6, 2, 4)
    with duckdb.connect() as con:
        reasons = con.execute("select line, reason from read_parquet(?) order by line",
                              [str(lake.quarantine / f"{a.file_sha256}.parquet")]).fetchall()
    assert [(n, r.split(":")[0]) for n, r in reasons] == [(3, "service"), (4, "version"), (5, "finished_at"),
                                                          (6, "started_at")]
    # the same deploy delivered twice is one deploy (the later delivery's copy); nothing reaches events
    assert publish_deploys(lake) == 2
    with duckdb.connect() as con:
        got = con.execute("select service, version, cast(started_at as varchar), outcome, who from read_parquet(?)",
                          [str(lake.deploys)]).fetchall()
    assert got == [("api", "a2", "2026-10-01 08:03:00", None, "again"), ("api", "a6", "2026-10-01 09:00:00", "rollback", "oncall")]
    assert not lake.events.exists()
