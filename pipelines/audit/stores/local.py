"""The local snapshot store: a write-once folder, one read-only sub-folder per snapshot."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .base import DEFAULT_RETENTION_DAYS, SnapshotStore, write_once


class LocalSnapshotStore(SnapshotStore):
    """A write-once folder: one read-only sub-folder per snapshot, <sequence>-<period>[-<contract>]."""

    def __init__(self, root: Path, retention_days: int = DEFAULT_RETENTION_DAYS):
        self.root = Path(root)
        super().__init__(self.root / ".lock", retention_days)

    @property
    def _holds(self) -> Path:
        return self.root / ".legal-holds"

    def _hold_records(self, sid: str) -> list[dict]:
        folder = self._holds / sid
        return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))] if folder.exists() else []

    def _record_hold(self, sid: str, record: dict) -> None:
        folder = self._holds / sid
        folder.mkdir(parents=True, exist_ok=True)
        n = len(list(folder.glob("*.json"))) + 1
        write_once(folder / f"{n:04d}.json", json.dumps(record, indent=1, sort_keys=True).encode())

    def _ids(self) -> list[str]:
        return [d.name for d in self.root.iterdir() if d.is_dir()] if self.root.exists() else []

    def read(self, sid: str, name: str, version: str | None = None) -> bytes | None:
        path = self.root / sid / name
        return path.read_bytes() if path.is_file() else None

    def _names(self, sid: str) -> set[str]:
        return {p.name for p in (self.root / sid).iterdir()}

    def _begin(self, sid: str) -> None:
        (self.root / sid).mkdir(parents=True)  # fails if it exists: nothing is ever overwritten

    def _put(self, sid: str, name: str, data: bytes) -> None:
        write_once(self.root / sid / name, data)

    def _seal(self, sid: str) -> None:
        os.chmod(self.root / sid, 0o555)

    def _sealed(self, sid: str) -> bool:
        return (self.root / sid).stat().st_mode & 0o222 == 0

    def location(self, sid: str) -> Path:
        return self.root / sid if sid else self.root
