"""`slm snapshot verify --recompute`: rebuild a snapshot's period from the retained lake and check
that the marts come out with the same content hashes.

Hash verification proves the numbers were not altered; this proves they can be derived again:
the landed files named in the snapshot's lineage (the lake as it was, by content hash) and the
catalog it froze go into a scratch home, the pipeline runs there with a full refresh, and the
period is frozen the same way and compared file by file.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

import duckdb

from ..catalog import load_catalog
from ..core.hashing import sha256_file
from ..core.periods import period_bounds
from ..core.storage import write_bytes_atomic
from ..ingest.lake import Lake, LedgerEntry
from ..ingest.remote_lake import reading
from ..settings import Settings
from .contents import CATALOG_FILE, LINEAGE_FILE, code_version, freeze_marts
from .stores import SnapshotError, SnapshotStore


class Rebuilt(Protocol):
    """What the rebuild reports: the steps that failed, if any."""

    failed_steps: list[str]


# How the period is rebuilt: the whole pipeline over a scratch home with a full refresh. The
# command line passes its runner in (`cli.runner.run_pipeline`): audit sits below the layer that
# assembles the pipeline, so it is handed the pipeline rather than importing it.
Rebuild = Callable[[Settings, Callable[[str], None]], Rebuilt]


@dataclass
class MartComparison:
    mart: str
    rows: int
    recomputed_rows: int
    same: bool
    only_in_snapshot: int = 0   # rows the recompute does not give back
    only_in_recompute: int = 0  # rows the recompute gives that the snapshot lacks
    example: str = ""           # the first row that differs: its key and the columns that moved

    def describe(self) -> str:
        if self.same:
            return f"{self.mart}: same content hash ({self.rows} rows)"
        return (f"{self.mart}: DIFFERS: {self.rows} rows frozen, {self.recomputed_rows} recomputed; "
                f"{self.only_in_snapshot} frozen row(s) not reproduced, {self.only_in_recompute} new"
                + (f"; e.g. {self.example}" if self.example else ""))


def _scratch_lake(real: Lake, lineage: dict, scratch: Lake) -> None:
    """The lake as the snapshot saw it: its lineage's ledger entries and landed files only."""
    missing = [f for f in lineage["files"] if not real.landed_file(f["file_sha256"]).exists()]
    if missing:
        first = missing[0]
        raise SnapshotError(f"{len(missing)} landed file(s) of the snapshot's lineage are no longer in the lake "
                            f"{real.root} (first: {first['path']}, sha256 {first['file_sha256'][:12]}...): "
                            f"the period cannot be recomputed")
    scratch.files.mkdir(parents=True)
    scratch.ledger_dir.mkdir(parents=True)
    for f in lineage["files"]:
        entry = LedgerEntry(**f)
        source = real.landed_file(entry.file_sha256)
        try:
            os.link(source, scratch.files / source.name)  # same file system: no copy needed
        except OSError:
            shutil.copyfile(source, scratch.files / source.name)
        write_bytes_atomic(json.dumps(f, indent=1).encode(), scratch.ledger_dir / f"{entry.file_sha256}.json")


def _compare(frozen: Path, recomputed: Path, rows: int) -> MartComparison:
    mart = frozen.stem
    with duckdb.connect() as con:
        n = con.execute("select count(*) from read_parquet(?)", [str(recomputed)]).fetchone()[0]
        if sha256_file(frozen) == sha256_file(recomputed):
            return MartComparison(mart, rows, n, True)
        lost = con.execute("select count(*) from (select * from read_parquet(?) except all select * from read_parquet(?))",
                           [str(frozen), str(recomputed)]).fetchone()[0]
        new = con.execute("select count(*) from (select * from read_parquet(?) except all select * from read_parquet(?))",
                          [str(recomputed), str(frozen)]).fetchone()[0]
        example = _first_difference(con, frozen, recomputed)
    return MartComparison(mart, rows, n, False, lost, new, example)


def _first_difference(con, frozen: Path, recomputed: Path) -> str:
    """The first frozen row not reproduced, matched by its key (the mart's first column) to the
    recomputed row, naming each column whose value moved: what an auditor needs to look at."""
    cur = con.execute("select * from (select * from read_parquet(?) except all select * from read_parquet(?)) "
                      "order by all limit 1", [str(frozen), str(recomputed)])
    cols = [d[0] for d in cur.description]
    old = cur.fetchone()
    if old is None:
        return "the same rows, stored differently (column types or order)"
    key = cols[0]
    new = con.execute(f'select * from read_parquet(?) where "{key}" = ?', [str(recomputed), old[0]]).fetchone()
    if new is None:
        return f"{key}={old[0]} is not recomputed at all"
    moved = [f"{c} {a!r} -> {b!r}" for c, a, b in zip(cols, old, new) if a != b]
    return f"{key}={old[0]}: " + ", ".join(moved[:4])


def recompute(settings: Settings, store: SnapshotStore, snapshot_id: str, rebuild: Rebuild,
              out: Callable[[str], None] = print, public_key: Path | None = None) -> list[MartComparison]:
    """Rebuild the snapshot's period in a scratch home and compare every mart file's hash."""
    entries = store.entries()
    problems = store.verify(snapshot_id, public_key, entries)
    if problems:
        raise SnapshotError(f"{snapshot_id} fails verification ({problems[0]}): fix that before recomputing")
    manifest = next(e for e in entries if e.snapshot_id == snapshot_id).manifest
    files = {f["path"]: f for f in manifest["files"]}
    for needed in (LINEAGE_FILE, CATALOG_FILE):
        if needed not in files:
            raise SnapshotError(f"{snapshot_id} holds no {needed} (it predates recorded lineage): it cannot be recomputed")

    def frozen(name: str) -> bytes:
        return store.read(snapshot_id, name, files[name].get("version_id"))

    then, now = manifest.get("code_version") or {}, code_version()
    if then.get("git_commit") != now.get("git_commit") or then.get("version") != now.get("version"):
        out(f"  note: frozen by slm-warehouse {then.get('version')} ({then.get('git_commit') or 'no commit'}), "
            f"recomputed by {now.get('version')} ({now.get('git_commit') or 'no commit'})")
    start, end = period_bounds(manifest["period"])
    with tempfile.TemporaryDirectory(prefix="slm-recompute-") as tmp:
        tmp = Path(tmp)
        (tmp / "catalog").mkdir()
        (tmp / "catalog" / CATALOG_FILE).write_bytes(frozen(CATALOG_FILE))
        if load_catalog(tmp / "catalog").content_hash != manifest.get("catalog_sha256"):
            raise SnapshotError(f"{snapshot_id}: its {CATALOG_FILE} does not hash to the manifest's catalog_sha256")
        lineage = json.loads(frozen(LINEAGE_FILE))
        scratch = Settings.resolve(tmp / "home", landing=str(tmp / "landing"), catalog=tmp / "catalog")
        (tmp / "landing").mkdir()
        _scratch_lake(reading(settings), lineage, Lake(scratch.lake))
        out(f"Recomputing {manifest['period']} from {len(lineage['files'])} landed file(s) "
            f"(lineage from {lineage['lineage_start']}) in {tmp}")
        with scratch.exported():
            outcome = rebuild(scratch, lambda line: out("  " + line))
        if not scratch.warehouse.exists() or outcome.failed_steps:
            raise SnapshotError(f"the recompute run failed ({', '.join(outcome.failed_steps) or 'no warehouse'})")
        (tmp / "frozen").mkdir()
        (tmp / "recomputed").mkdir()
        freeze_marts(scratch.warehouse, tmp / "recomputed", start, end, manifest.get("contract"))
        comparisons = []
        for f in manifest["files"]:
            if f.get("kind", "mart") != "mart":
                continue
            (tmp / "frozen" / f["path"]).write_bytes(frozen(f["path"]))
            comparisons.append(_compare(tmp / "frozen" / f["path"], tmp / "recomputed" / f["path"], f["rows"]))
        return comparisons
