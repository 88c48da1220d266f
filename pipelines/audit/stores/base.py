"""What every audit snapshot store does, whatever its medium: one way of writing a snapshot and
its chain, pulling it, legal holds and retention. Media: `local` (a write-once folder), `s3`
(Object Lock in COMPLIANCE mode).

Both stores share one way of writing (files first, then the manifest with the chain fields and
the files' object versions, then the signature) and one way of verifying (every hash, unexpected
files, the manifest's body hash, the signature, the chain). Each adds what its medium can prove:
the local store makes files read-only and refuses to create anything twice; the S3 store sends a
SHA-256 checksum with every object, sets COMPLIANCE retention on it, reads the lock back, and
verifies by fetching the exact object versions the manifest records, never "latest" (a delete
without a version only adds a delete marker).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ...core.hashing import canonical_hash, sha256_bytes, sha256_file
from ...core.storage import exclusive_lock
from ...settings import DEFAULT_SNAPSHOT_RETENTION_DAYS
from ..signing import SIGNATURE_FILE, sign, signing_key_id

MANIFEST = "manifest.json"
SNAPSHOT_ID_RE = re.compile(r"^(\d{6})-(\d{4}-\d{2})(?:-([a-z0-9][-a-z0-9.]*))?$")
DEFAULT_RETENTION_DAYS = DEFAULT_SNAPSHOT_RETENTION_DAYS


class SnapshotError(Exception):
    pass


@dataclass
class SnapshotInfo:
    snapshot_id: str
    path: Path | str  # a folder, or s3://bucket/prefix/<id>/
    manifest: dict | None
    reused: bool = False  # the period's marts had not changed since this snapshot
    partial: bool = False  # its writer stopped before the manifest: not in the chain, ignored

    @property
    def sequence(self) -> int:
        return int(self.snapshot_id[:6])


class SequenceTaken(Exception):
    """Another writer claimed this sequence number first (S3: several machines, one chain)."""


def in_chain(entries: list[SnapshotInfo]) -> list[SnapshotInfo]:
    """The snapshots in the chain: every one but the partial ones (killed before their manifest)."""
    return [e for e in entries if not e.partial]


class SnapshotStore:
    """The medium-independent rules; subclasses provide the primitives below."""

    def __init__(self, lock_file: Path, retention_days: int = DEFAULT_RETENTION_DAYS):
        if retention_days < 1:
            raise SnapshotError(f"snapshot retention must be at least 1 day, got {retention_days}")
        self.lock_file = Path(lock_file)
        self.retention_days = retention_days

    # primitives -----------------------------------------------------------------------------------
    def _ids(self) -> list[str]:
        raise NotImplementedError

    def read(self, sid: str, name: str, version: str | None = None) -> bytes | None:
        raise NotImplementedError

    def _names(self, sid: str) -> set[str]:
        raise NotImplementedError

    def _begin(self, sid: str) -> None:
        """Claim a new snapshot id; refuses when anything exists under it."""
        raise NotImplementedError

    def _put(self, sid: str, name: str, data: bytes) -> str | None:
        """Write one object once; returns its version id where the medium has versions."""
        raise NotImplementedError

    def _seal(self, sid: str) -> None:
        pass

    def _sealed(self, sid: str) -> bool:
        """The medium shows the snapshot was finished (local: its folder made read-only), so a
        missing manifest was removed, not never written."""
        return False

    def _claim(self, sequence: int, sid: str) -> None:
        """Take a sequence number for good, or raise SequenceTaken. The lock file serialises
        writers on one machine; a shared store needs a claim that the medium arbitrates."""

    def _last_claimed(self) -> int:
        return 0

    def _hold_records(self, sid: str) -> list[dict]:
        raise NotImplementedError

    def _record_hold(self, sid: str, record: dict) -> None:
        raise NotImplementedError

    def location(self, sid: str) -> Path | str:
        raise NotImplementedError

    def _medium_problems(self, info: SnapshotInfo) -> list[str]:
        return []

    # shared ---------------------------------------------------------------------------------------
    def entries(self) -> list[SnapshotInfo]:
        out = []
        for sid in sorted(i for i in self._ids() if SNAPSHOT_ID_RE.match(i)):
            manifest = None
            data = self.read(sid, MANIFEST)
            if data is not None:
                try:
                    manifest = json.loads(data)
                except ValueError:
                    manifest = None
            out.append(SnapshotInfo(sid, self.location(sid), manifest,
                                    partial=data is None and not self._sealed(sid)))
        return out

    def get(self, snapshot_id: str) -> SnapshotInfo:
        for info in self.entries():
            if info.snapshot_id == snapshot_id:
                return info
        raise SnapshotError(f"no snapshot {snapshot_id!r} in {self.location('')}")

    def create(self, staged: Path, manifest: dict, period: str, contract: str | None,
               signing_key: Path | None = None) -> SnapshotInfo:
        """Write staged files, then, with a signing key, the signature (named in the manifest, so
        that removing it is caught), then the manifest (which gains its chain fields and the
        files' versions here): a snapshot with a manifest is whole. One whose writer was killed
        before it is partial: its sequence number stays taken, the next chains past it."""
        with exclusive_lock(self.lock_file):
            for _attempt in range(5):
                existing = self.entries()
                chained = in_chain(existing)
                previous = chained[-1] if chained else None
                sequence = max([e.sequence for e in existing] + [self._last_claimed()]) + 1
                snapshot_id = f"{sequence:06d}-{period}" + (f"-{contract}" if contract else "")
                try:
                    self._claim(sequence, snapshot_id)
                    break
                except SequenceTaken:
                    continue  # another writer got there first: chain onto its snapshot instead
            else:
                raise SnapshotError(f"snapshot store {self.location('')}: other writers took the next sequence "
                                    f"number five times in a row; try again")
            previous_bytes = self.read(previous.snapshot_id, MANIFEST) if previous else None
            now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
            manifest = dict(manifest, snapshot_id=snapshot_id, sequence=sequence,
                            previous_snapshot_id=previous.snapshot_id if previous else None,
                            previous_manifest_sha256=sha256_bytes(previous_bytes)
                            if previous_bytes is not None else None,
                            retention={"days": self.retention_days, "mode": self.retention_mode,
                                       "retain_until": (now + dt.timedelta(days=self.retention_days)).isoformat()})
            self._begin(snapshot_id)
            for f in manifest["files"]:
                version = self._put(snapshot_id, f["path"], (staged / f["path"]).read_bytes())
                if version:
                    f["version_id"] = version
            if signing_key:
                manifest["signature"] = {"file": SIGNATURE_FILE, "algorithm": "ed25519",
                                         "public_key_sha256": signing_key_id(signing_key)}
            manifest["manifest_body_sha256"] = canonical_hash(manifest)
            manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
            if signing_key:
                self._put(snapshot_id, SIGNATURE_FILE, sign(manifest_bytes, signing_key))
            self._put(snapshot_id, MANIFEST, manifest_bytes)
            self._seal(snapshot_id)
            return SnapshotInfo(snapshot_id, self.location(snapshot_id), manifest)
    def verify(self, snapshot_id: str, public_key: Path | None = None,
               entries: list[SnapshotInfo] | None = None) -> list[str]:
        """Every problem with one snapshot (see `verify.problems`); `entries` lets a caller
        verifying many snapshots read the manifests once (each is a download on S3)."""
        from .verify import problems  # verify reads the store through the primitives above

        return problems(self, snapshot_id, public_key, entries)

    def pull(self, snapshot_id: str, to: Path, public_key: Path | None = None) -> Path:
        """Copy a verified snapshot (files, manifest, signature) into `to/<id>/`, ready to hand
        over; refuses a snapshot that fails verification and never writes over a folder."""
        entries = self.entries()
        problems = self.verify(snapshot_id, public_key, entries)
        if problems:
            raise SnapshotError(f"{snapshot_id} fails verification ({len(problems)} problem(s), first: {problems[0]}); "
                                f"not pulled")
        info = next(e for e in entries if e.snapshot_id == snapshot_id)
        target = Path(to) / snapshot_id
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            target.mkdir()
        except FileExistsError:
            raise SnapshotError(f"{target} exists: pull into an empty place") from None
        versions = {f["path"]: f.get("version_id") for f in info.manifest["files"]}
        names = list(versions) + [MANIFEST] + ([SIGNATURE_FILE] if "signature" in info.manifest else [])
        for name in names:
            write_once(target / name, self.read(snapshot_id, name, versions.get(name)))
        copied = {f["path"]: sha256_file(target / f["path"]) for f in info.manifest["files"]}
        if copied != {f["path"]: f["sha256"] for f in info.manifest["files"]}:
            raise SnapshotError(f"the copy in {target} does not match the manifest's hashes")
        return target

    # retention and legal hold -----------------------------------------------------------------------
    retention_mode = "write-once folder"

    def legal_hold(self, snapshot_id: str) -> dict | None:
        """The hold in force (the newest record, when it puts a hold on), else None."""
        records = self._hold_records(snapshot_id)
        return records[-1] if records and records[-1]["on"] else None

    def set_legal_hold(self, snapshot_id: str, on: bool, reason: str, who: str) -> dict:
        """Put a legal hold on a snapshot or lift it; every change is kept as a write-once
        record (who, when, why), so the history of holds is itself evidence."""
        if not (reason or "").strip():
            raise SnapshotError("a legal hold change needs a reason (--reason \"...\")")
        info = self.get(snapshot_id)
        if info.manifest is None:
            raise SnapshotError(f"{snapshot_id} is incomplete (no manifest): nothing to hold")
        record = {"snapshot_id": snapshot_id, "on": on, "reason": reason.strip(), "by": who,
                  "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")}
        self._apply_hold(info, on)
        self._record_hold(snapshot_id, record)
        return record

    def _apply_hold(self, info: SnapshotInfo, on: bool) -> None:
        pass

    def retained(self, info: SnapshotInfo, now: dt.datetime | None = None) -> bool:
        """Still under retention or legal hold (a snapshot whose manifest records no retention,
        or an incomplete one, counts as retained: nothing is assumed expired)."""
        retention = (info.manifest or {}).get("retention") or {}
        if not retention.get("retain_until") or self.legal_hold(info.snapshot_id):
            return True
        now = now or dt.datetime.now(dt.timezone.utc)
        return dt.datetime.fromisoformat(retention["retain_until"]) > now


def write_once(path: Path, data: bytes) -> None:
    with open(path, "xb") as f:  # exclusive create: refuses to replace anything
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(path, 0o444)
