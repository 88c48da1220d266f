"""Raw lake retention: landed files older than the retention period are deleted, except those
that a retained snapshot's lineage still needs.

A snapshot counts as retained while its retention runs or a legal hold is on (see
`SnapshotStore.retained`); its `lineage.json` names every landed file its period was computed
from, so `verify --recompute` keeps working for as long as the snapshot is kept. Ledger entries
are never deleted: a pruned file leaves a record in `lake/pruned/` saying when and why.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field

from ..core.storage import write_bytes_atomic
from ..ingest.deploys import publish_deploys
from ..ingest.incidents import publish_incidents
from ..ingest.lake import Lake, LedgerEntry, write_day_partition
from .contents import LINEAGE_FILE
from .stores import SnapshotStore


@dataclass
class PrunePlan:
    cutoff: dt.date  # files whose telemetry is all before this day are past retention
    prune: list[LedgerEntry] = field(default_factory=list)
    kept: dict[str, list[str]] = field(default_factory=dict)  # file sha256 -> snapshots needing it
    days_removed: list[str] = field(default_factory=list)
    days_republished: list[str] = field(default_factory=list)


def protected_files(store: SnapshotStore, now: dt.datetime | None = None) -> dict[str, list[str]]:
    """Landed file hash -> the snapshots retained at `now` whose lineage names it."""
    out: dict[str, list[str]] = {}
    for info in store.entries():
        if info.manifest is None or not store.retained(info, now):
            continue
        files = {f["path"]: f for f in info.manifest.get("files", [])}
        if LINEAGE_FILE in files:
            data = store.read(info.snapshot_id, LINEAGE_FILE, files[LINEAGE_FILE].get("version_id"))
            hashes = [f["file_sha256"] for f in json.loads(data)["files"]]
        else:  # older snapshots name only the files holding the period's own events
            hashes = [i["sha256"] for i in info.manifest.get("inputs", [])]
        for sha in hashes:
            out.setdefault(sha, []).append(info.snapshot_id)
    return out


def _last_day(e: LedgerEntry) -> str:
    return e.days[-1] if e.days else e.landed_at[:10]  # a file with no good record: when it landed


def plan_prune(lake: Lake, store: SnapshotStore, keep_days: int, today: dt.date | None = None) -> PrunePlan:
    if keep_days < 1:
        raise ValueError(f"lake retention must be at least 1 day, got {keep_days}")
    now = dt.datetime.now(dt.timezone.utc)
    if today is not None:  # as of another day (planning ahead): retention is judged then too
        now = dt.datetime.combine(today, dt.time(), dt.timezone.utc)
    cutoff = now.date() - dt.timedelta(days=keep_days)
    plan = PrunePlan(cutoff)
    protected = protected_files(store, now)
    gone = lake.pruned()
    for e in lake.ledger():
        if e.file_sha256 in gone or _last_day(e) >= cutoff.isoformat():
            continue
        if e.file_sha256 in protected:
            plan.kept[e.file_sha256] = protected[e.file_sha256]
        else:
            plan.prune.append(e)
    active = lake.active()
    pruned = {e.file_sha256 for e in plan.prune}
    remaining = [e for e in active if e.file_sha256 not in pruned]
    for day in sorted({d for e in active if e.file_sha256 in pruned for d in e.days}):
        (plan.days_republished if any(day in e.days for e in remaining) else plan.days_removed).append(day)
    return plan


def apply_prune(lake: Lake, plan: PrunePlan, keep_days: int) -> None:
    """Record, then delete: a crash between the two leaves a file that is ignored, never a
    ledger entry whose file is gone."""
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    with lake.lock():
        for e in plan.prune:
            record = dict(asdict(e), pruned_at=now, keep_days=keep_days, cutoff=plan.cutoff.isoformat())
            write_bytes_atomic(json.dumps(record, indent=1).encode(), lake.pruned_dir / f"{e.file_sha256}.json")
        for e in plan.prune:
            for folder in (lake.files, lake.quarantine):
                (folder / f"{e.file_sha256}.parquet").unlink(missing_ok=True)
        for day in plan.days_removed:
            partition = lake.partition_path(day)
            partition.unlink(missing_ok=True)
            if partition.parent.exists() and not any(partition.parent.iterdir()):
                partition.parent.rmdir()
        active = lake.active()
        for day in plan.days_republished:
            write_day_partition(lake, day, active)
        if any(not e.events for e in plan.prune):  # a pruned incident or deploy file: the rest without it
            publish_incidents(lake)
            publish_deploys(lake)
