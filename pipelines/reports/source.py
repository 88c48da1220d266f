"""Where a contract report's figures come from (issue 21). A period with an audit snapshot is
reported from that snapshot, verified first (hashes, chain, signature when a public key is
given), its frozen mart files read as the `marts` schema of an in-memory DuckDB; anything else
from the live marts, marked provisional. The renderers read `Source.con` either way and print
`Source.label()` on every page, so every figure a customer receives names its evidence."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..audit.stores import MANIFEST, SnapshotInfo, SnapshotStore, in_chain, snapshot_store
from ..core.hashing import sha256_bytes
from ..settings import Settings
from .attribution import has_mart
from .pages import ReportError, open_marts

PROVISIONAL = "provisional: not snapshotted"


@dataclass
class Source:
    con: duckdb.DuckDBPyConnection
    snapshot: SnapshotInfo | None = None
    manifest_sha256: str | None = None
    key_checked: bool = False
    files: dict[str, str] = field(default_factory=dict)  # frozen file -> its SHA-256, as the manifest says
    scratch: Path | None = None

    @property
    def snapshot_id(self) -> str | None:
        return self.snapshot.snapshot_id if self.snapshot else None

    @property
    def key_sha256(self) -> str | None:
        return ((self.snapshot.manifest.get("signature") or {}).get("public_key_sha256")) if self.snapshot else None

    @property
    def supersedes(self) -> str | None:
        return ((self.snapshot.manifest.get("restatement") or {}).get("supersedes")) if self.snapshot else None

    def label(self) -> str:
        """One line for every page: the snapshot, its manifest's hash, the key, what it restates."""
        if self.snapshot is None:
            return (f"{PROVISIONAL.upper()}: figures from the live marts, which may still change "
                    f"(late data, corrections); no audit snapshot of this period.")
        if self.key_sha256:
            key = f"signed by key {self.key_sha256}" + ("" if self.key_checked else " (signature not checked: no public key given)")
        else:
            key = "not signed"
        restates = f"; restates snapshot {self.supersedes}" if self.supersedes else ""
        return (f"From audit snapshot {self.snapshot_id}, verified; manifest SHA-256 {self.manifest_sha256}; "
                f"{key}{restates}.")

    def has(self, table: str) -> bool:
        return has_mart(self.con, table)

    def close(self) -> None:
        self.con.close()
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def period_snapshot(entries: list[SnapshotInfo], period: str, contract: str | None = None) -> SnapshotInfo | None:
    """The newest snapshot in the chain of the period: for one contract, its own if it has one,
    else the whole period's; without a contract, the whole period's."""
    of_period = [e for e in in_chain(entries) if e.manifest and e.manifest.get("period") == period]
    for scope in ([contract] if contract else []) + [None]:
        same = [e for e in of_period if e.manifest.get("contract") == scope]
        if same:
            return same[-1]
    return None


def open_source(settings: Settings, period: str, contract: str | None = None,
                public_key: Path | None = None) -> Source:
    """The figures of `period`: from its verified snapshot when there is one, else the marts.
    A snapshot that fails verification is an error: no report from figures that do not verify."""
    store = snapshot_store(settings)
    entries = store.entries()
    snap = period_snapshot(entries, period, contract)
    if snap is None:
        return Source(open_marts(settings.warehouse))
    problems = store.verify(snap.snapshot_id, public_key, entries)
    if problems:
        raise ReportError(f"audit snapshot {snap.snapshot_id} of {period} fails verification: {problems[0]}; "
                          f"no report from figures that do not verify")
    return _frozen(store, snap, public_key is not None)


def _frozen(store: SnapshotStore, snap: SnapshotInfo, key_checked: bool) -> Source:
    """An in-memory DuckDB whose `marts` are the snapshot's mart files, each re-hashed as read."""
    scratch = Path(tempfile.mkdtemp(prefix="slm-statement-"))
    con = duckdb.connect()
    source = Source(con, snap, sha256_bytes(store.read(snap.snapshot_id, MANIFEST)), key_checked, scratch=scratch)
    try:
        con.execute("create schema marts")
        for f in snap.manifest["files"]:
            if f.get("kind") != "mart":
                continue
            data = store.read(snap.snapshot_id, f["path"], f.get("version_id"))
            if data is None or sha256_bytes(data) != f["sha256"]:
                raise ReportError(f"audit snapshot {snap.snapshot_id}: {f['path']} changed since it was verified")
            path = scratch / f["path"]
            path.write_bytes(data)
            source.files[f["path"]] = f["sha256"]
            name = Path(f["path"]).stem
            con.execute(f"create view marts.{name} as select * from read_parquet('{str(path).replace(chr(39), chr(39) * 2)}')")
    except BaseException:
        source.close()
        raise
    return source
