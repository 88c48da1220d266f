"""Where audit snapshots live: a local write-once folder, or S3 with Object Lock."""

from __future__ import annotations

from pathlib import Path

from ...settings import Settings, snapshot_retention_days, snapshot_store_location
from .base import (DEFAULT_RETENTION_DAYS, MANIFEST, SNAPSHOT_ID_RE, SequenceTaken, SnapshotError, SnapshotInfo,
                   SnapshotStore, in_chain, write_once)
from .local import LocalSnapshotStore
from .s3 import S3SnapshotStore


def open_store(spec: str | None, local_root: Path, retention_days: int = DEFAULT_RETENTION_DAYS) -> SnapshotStore:
    """`s3://bucket/prefix` -> S3SnapshotStore; empty -> the local folder under the home."""
    if spec and spec.startswith("s3://"):
        return S3SnapshotStore(spec, local_root / ".s3-store.lock", retention_days)
    return LocalSnapshotStore(Path(spec) if spec else local_root, retention_days)


def snapshot_store(settings: Settings) -> SnapshotStore:
    """The store snapshots go to: $SLM_SNAPSHOT_STORE (s3://bucket/prefix with Object Lock, or a
    folder), else `snapshots/` under the home; S3 retention from $SLM_SNAPSHOT_RETENTION_DAYS."""
    try:
        days = snapshot_retention_days()
    except ValueError as exc:
        raise SnapshotError(str(exc)) from None
    settings.snapshots.mkdir(parents=True, exist_ok=True)
    return open_store(snapshot_store_location(), settings.snapshots, days)


__all__ = ["DEFAULT_RETENTION_DAYS", "MANIFEST", "SNAPSHOT_ID_RE", "LocalSnapshotStore", "S3SnapshotStore",
           "SequenceTaken", "SnapshotError", "SnapshotInfo", "SnapshotStore", "in_chain", "open_store", "snapshot_store",
           "write_once"]
