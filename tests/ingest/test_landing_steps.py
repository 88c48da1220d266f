"""Landing as parallel Dagster steps (issue 18): `landed_events` plans, lands its shares in steps of
their own (here Dagster's multiprocess executor, two processes at once) and publishes; the ledger's
promises hold when two steps land at once, including two copies of the same bytes dealt to
different steps. The lake is on the real S3 server, as it would be for steps on several machines."""

import hashlib
import importlib
import json
import os

import dagster as dg
import duckdb
import pytest

from pipelines.ingest import Lake
from pipelines.ingest.assets import deal
from pipelines.orchestration.partitions import range_tags
from pipelines.settings import LAKE_ENV, LANDING_STEPS_ENV, Settings


def test_deal_gives_each_share_about_equal_bytes():
    # 500, 500, 400, 400, 10 into 2: a 500 each, then each 400 to the lighter (a tie: the first), 10 to share 0
    assert deal({"a": 500, "b": 500, "c": 400, "d": 400, "e": 10}, 2) == [["a", "c", "e"], ["b", "d"]]
    assert deal({"a": 1, "b": 2}, 8) == [["b"], ["a"]]   # never more shares than files
    assert deal({}, 4) == [[]]                            # one empty share: the publishing step still runs


def record(ts: str, status: int, service: str = "web") -> str:
    return json.dumps({"timestamp": ts, "service": service, "status_code": status}) + "\n"


@pytest.fixture(scope="module")
def landed(s3_server, tmp_path_factory):
    root = tmp_path_factory.mktemp("steps")
    landing = root / "landing"
    (landing / "a").mkdir(parents=True)
    (landing / "b").mkdir()
    dup = "".join(record(f"2026-10-01T10:{m:02d}:00Z", 200 if m % 5 else 503) for m in range(10))
    (landing / "a" / "dup.jsonl").write_text(dup)   # the same bytes twice, dealt to different steps
    (landing / "b" / "dup.jsonl").write_text(dup)
    (landing / "a" / "x.jsonl").write_text("".join(record(f"2026-10-02T0{h}:00:00Z", 200, "api") for h in range(8))
                                           + "broken\n")
    (landing / "b" / "y.jsonl").write_text("".join(record(f"2026-10-02T1{h}:00:00Z", 500, "api") for h in range(9)))
    s3_server.create_bucket(Bucket="steps-lake")
    settings = Settings.resolve(root / "home", str(landing), root / "catalog")
    env = {"SLM_HOME": str(settings.home), "SLM_LANDING": str(landing), LAKE_ENV: "s3://steps-lake/lake",
           LANDING_STEPS_ENV: "2"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        from pipelines import definitions
        from pipelines.cli.runner import instance_for

        instance = instance_for(settings)
        result = dg.execute_job(dg.reconstructable(definitions.landing_job_of_defs), instance=instance,
                                tags=range_tags(*[__import__("datetime").date(2026, 10, d) for d in (1, 2)]))
        yield settings, result, instance, landing, s3_server
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)


def test_each_share_lands_in_a_process_of_its_own(landed):
    settings, result, instance, _, _ = landed
    assert result.success
    starts = {e.step_key: e.pid for e in result.all_events if e.event_type_value == "STEP_START"}
    assert set(starts) == {"landed_events.plan_landing", "landed_events.land_share[share_0]",
                           "landed_events.land_share[share_1]", "landed_events.publish_days",
                           "landed_events_checks"}
    assert len(set(starts.values())) == 5  # the multiprocess executor: one process per step
    meta = result.asset_materializations_for_node("landed_events")
    assert meta and meta[-1].metadata["landing_steps"].value == 2


def test_the_ledger_keeps_its_promises_when_steps_land_at_once(landed):
    settings, result, _, landing, s3 = landed
    lake = Lake(settings.lake)
    entries = lake.ledger()
    # the duplicated bytes have one ledger entry; the three contents, one each
    contents = {hashlib.sha256(p.read_bytes()).hexdigest() for p in landing.rglob("*.jsonl")}
    assert sorted(e.file_sha256 for e in entries) == sorted(contents)
    for e in entries:
        assert e.rows_read == e.rows_landed + e.rows_quarantined
    assert {e.path.split("/")[1]: (e.rows_read, e.rows_landed, e.rows_quarantined) for e in entries
            if "dup" not in e.path} == {"x.jsonl": (9, 8, 1), "y.jsonl": (9, 9, 0)}
    meta = result.asset_materializations_for_node("landed_events")[-1].metadata
    assert (meta["files_landed"].value, meta["files_already_landed"].value) == (3, 1)
    assert meta["events_by_day"].value == {"2026-10-01": 10, "2026-10-02": 17}
    with duckdb.connect() as con:
        assert con.execute("select count(*), count(*) filter (where status_code >= 500) from read_parquet(?)",
                           [str(lake.partition_path("2026-10-01"))]).fetchone() == (10, 2)
    # every fingerprint is remembered, so the next run reads nothing
    assert len(lake.fingerprints()) == 4
    # and all of it is on the lake of record
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="steps-lake", Prefix="lake/")["Contents"]}
    assert {f"lake/ledger/{c}.json" for c in contents} <= keys
    assert {"lake/events/day=2026-10-01/events.parquet", "lake/events/day=2026-10-02/events.parquet",
            "lake/fingerprints.json"} <= keys


def test_of_two_writers_landing_the_same_bytes_the_first_entry_stands(tmp_path):
    """What keeps the ledger whole when two steps (or runs) land one content at once."""
    from pipelines.ingest.land import land_file

    path = tmp_path / "in.jsonl"
    path.write_text(record("2026-10-01T00:00:00Z", 200) + record("2026-10-01T00:01:00Z", 503))
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    lake = Lake(tmp_path / "lake")
    first = land_file(lake, path, "a/in.jsonl", sha, None)
    assert (first.rows_read, first.rows_landed) == (2, 2)
    assert land_file(lake, path, "b/in.jsonl", sha, None) is None
    assert [(e.path, e.landed_at) for e in lake.ledger()] == [("a/in.jsonl", first.landed_at)]
    assert not list((lake.root / "ledger").glob(".*"))  # no temporary left beside it


def test_a_file_another_writer_landed_meanwhile_counts_as_landed_before(tmp_path, monkeypatch):
    """The race of two steps, made certain: between this call's look at the ledger and its own
    entry, another writer lands the same bytes."""
    land_module = importlib.import_module("pipelines.ingest.land")  # the module (the package exports the function)

    landing = tmp_path / "landing"
    (landing / "web").mkdir(parents=True)
    (landing / "web" / "in.jsonl").write_text(record("2026-10-01T00:00:00Z", 200))
    lake = Lake(tmp_path / "lake")
    real = land_module.land_file

    def raced(lake_, path, rel, sha, *args):
        assert real(lake_, path, "other/in.jsonl", sha, None) is not None  # the other writer, first
        return real(lake_, path, rel, sha, *args)

    monkeypatch.setattr(land_module, "land_file", raced)
    report = land_module.land(lake, str(landing), workers=1)
    assert (report.landed, report.already_landed) == ([], 1)
    assert [e.path for e in lake.ledger()] == ["other/in.jsonl"]
    # its fingerprint is remembered all the same: the next call reads nothing
    assert list(lake.fingerprints().values()) == [hashlib.sha256((landing / "web" / "in.jsonl").read_bytes()).hexdigest()]
    monkeypatch.setattr(land_module, "land_file", real)
    again = land_module.land(lake, str(landing), workers=1)
    assert (again.landed, again.already_landed) == ([], 1)
