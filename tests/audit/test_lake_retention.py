"""Lake retention and legal holds (issue 7): landed files past retention are deleted, except
those a retained (or legally held) snapshot's lineage still needs; nothing else is lost."""

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.ingest import Lake, land
from pipelines.audit.retention import apply_prune, plan_prune
from pipelines.audit.stores import LocalSnapshotStore, SnapshotError
from pipelines.audit.snapshot import create_snapshot


@pytest.fixture
def home(scenario_copy):
    return scenario_copy


def by_service(entries):
    return sorted({e.path.split("/")[0] for e in entries})


def test_retention_prunes_old_files_unless_a_retained_snapshot_needs_them(home, monkeypatch):
    monkeypatch.setenv("SLM_SNAPSHOT_RETENTION_DAYS", "30")
    lake = Lake(home.lake)
    ledger_before = {e.file_sha256 for e in lake.ledger()}
    # as of 2026-10-25, keeping 10 days: web (10-01) and api (10-02) are past retention, the
    # catalog service's files (10-20 .. 10-29) are not
    store = LocalSnapshotStore(home.snapshots, retention_days=30)
    plan = plan_prune(lake, store, keep_days=10, today=dt.date(2026, 10, 25))
    assert plan.cutoff == dt.date(2026, 10, 15)
    assert by_service(plan.prune) == ["api", "web"] and plan.kept == {}
    assert plan.days_removed == ["2026-10-01", "2026-10-02"] and plan.days_republished == []

    # a snapshot of October names them in its lineage: while it is retained, they stay
    info = create_snapshot(home, "2026-10")
    assert info.manifest["retention"]["days"] == 30
    plan = plan_prune(lake, store, keep_days=10, today=dt.date(2026, 10, 25))
    assert plan.prune == [] and len(plan.kept) == 2
    assert all(ids == [info.snapshot_id] for ids in plan.kept.values())

    # 31 days after it was made, its retention has run out: they may go ...
    later = dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=31)
    assert by_service(plan_prune(lake, store, keep_days=10, today=later).prune) == ["api", "catalog", "incidents", "web"]
    # ... unless a legal hold keeps the snapshot, and so its lineage
    store.set_legal_hold(info.snapshot_id, True, "matter 2026-17 (ACME dispute)", "counsel")
    assert store.legal_hold(info.snapshot_id)["reason"] == "matter 2026-17 (ACME dispute)"
    assert plan_prune(lake, store, keep_days=10, today=later).prune == []
    store.set_legal_hold(info.snapshot_id, False, "matter closed", "counsel")
    assert store.legal_hold(info.snapshot_id) is None
    # every hold change stays on record, and the snapshot itself still verifies
    assert [r["on"] for r in store._hold_records(info.snapshot_id)] == [True, False]
    assert store.verify(info.snapshot_id) == []

    # apply, with no snapshot protecting web and api
    empty = LocalSnapshotStore(home.home / "no-snapshots")
    plan = plan_prune(lake, empty, keep_days=10, today=dt.date(2026, 10, 25))
    pruned = {e.file_sha256 for e in plan.prune}
    apply_prune(lake, plan, keep_days=10)
    assert all(not (lake.files / f"{sha}.parquet").exists() for sha in pruned)
    assert {e.file_sha256 for e in lake.ledger()} == ledger_before  # the ledger keeps every entry
    records = {p.stem: json.loads(p.read_text()) for p in lake.pruned_dir.glob("*.json")}
    assert set(records) == pruned and all(r["cutoff"] == "2026-10-15" for r in records.values())
    assert by_service(lake.active()) == ["catalog", "incidents"]  # the incident of 10-25 is within retention
    assert not lake.partition_path("2026-10-01").exists() and not lake.partition_path("2026-10-02").exists()
    assert lake.partition_path("2026-10-20").exists()
    # the landing zone still holds the raw deliveries: they are known, never landed again
    report = land(lake, home.landing)
    assert report.landed == [] and report.already_landed == len(ledger_before)


def test_prune_and_hold_from_the_command_line(home):
    runner = CliRunner()
    args = ["--home", str(home.home)]
    create_snapshot(home, "2026-10")
    usage = runner.invoke(main, ["lake", "prune", *args], env={"SLM_LAKE_RETENTION_DAYS": None})
    assert usage.exit_code == 2 and "--keep-days" in usage.output
    dry = runner.invoke(main, ["lake", "prune", "--keep-days", "1", "--dry-run", *args])
    assert dry.exit_code == 0, dry.output
    n = len(Lake(home.lake).ledger())
    # the snapshot's lineage covers every landed file, so nothing would go
    assert f"would delete 0 landed file(s) (0 events); kept {n} needed by retained snapshot(s) 000001-2026-10" in dry.output
    held = runner.invoke(main, ["snapshot", "hold", "000001-2026-10", "--reason", "audit 2027", "--by", "auditor", *args])
    assert held.exit_code == 0 and "legal hold ON (auditor" in held.output
    shown = runner.invoke(main, ["snapshot", "show", "000001-2026-10", *args])
    assert json.loads(shown.stdout)["snapshot_id"] == "000001-2026-10"
    assert "legal hold: ON since" in shown.stderr and "audit 2027" in shown.stderr
    no_reason = runner.invoke(main, ["snapshot", "hold", "000001-2026-10", "--reason", " ", *args])
    assert no_reason.exit_code == 1 and "needs a reason" in no_reason.output
    with pytest.raises(SnapshotError, match="no snapshot"):
        LocalSnapshotStore(home.snapshots).set_legal_hold("000009-2026-10", True, "x", "y")
