"""Verifying a snapshot: every hash, unexpected files, the manifest's body hash, the signature
(checked when a public key is given; required when the manifest names one), the chain of
manifests, and what the medium guarantees (S3: the lock of every version)."""

from __future__ import annotations

from pathlib import Path

from ...core.hashing import canonical_hash, sha256_bytes
from ..signing import SIGNATURE_FILE, verify_signature
from .base import MANIFEST, SnapshotError, SnapshotInfo, SnapshotStore, in_chain


PARTIAL = "partial snapshot (its writer stopped before the manifest): not in the chain, ignored"


def problems(store: SnapshotStore, snapshot_id: str, public_key: Path | None = None,
             entries: list[SnapshotInfo] | None = None) -> list[str]:
    """Every problem with one snapshot: file hashes, unexpected files, manifest, signature
    (checked when a public key is given; required when the manifest names one), chain, and
    what the medium guarantees (S3: the lock of every version). `entries` lets a caller
    verifying many snapshots read the manifests once (each is a download on S3)."""
    entries = store.entries() if entries is None else entries
    info = next((e for e in entries if e.snapshot_id == snapshot_id), None)
    if info is None:
        raise SnapshotError(f"no snapshot {snapshot_id!r} in {store.location('')}")
    if info.partial:
        return [f"{snapshot_id}: {PARTIAL}"]
    if info.manifest is None:
        return [f"{snapshot_id}: manifest.json is missing or unreadable, though the snapshot was sealed"]
    m = info.manifest
    found = []
    body = {k: v for k, v in m.items() if k != "manifest_body_sha256"}
    if canonical_hash(body) != m.get("manifest_body_sha256"):
        found.append(f"{snapshot_id}: manifest.json was edited (its body hash does not match)")
    listed = {f["path"] for f in m.get("files", [])}
    for f in m.get("files", []):
        data = store.read(snapshot_id, f["path"], f.get("version_id"))
        if data is None:
            found.append(f"{snapshot_id}: {f['path']} is missing")
        elif sha256_bytes(data) != f["sha256"]:
            found.append(f"{snapshot_id}: {f['path']} has changed (sha256 mismatch)")
    signed = isinstance(m.get("signature"), dict)
    expected_extra = {MANIFEST} | ({SIGNATURE_FILE} if signed else set())
    for extra in sorted(store._names(snapshot_id) - expected_extra - listed):
        found.append(f"{snapshot_id}: unexpected file {extra}")
    found.extend(_signature_problems(store, info, signed, public_key))
    found.extend(_chain_problems(store, info, entries))
    found.extend(store._medium_problems(info))
    return found

def _signature_problems(store: SnapshotStore, info: SnapshotInfo, signed: bool, public_key: Path | None) -> list[str]:
    sid = info.snapshot_id
    if not signed:
        return [f"{sid}: not signed, but a public key was given"] if public_key else []
    signature = store.read(sid, SIGNATURE_FILE)
    if signature is None:
        return [f"{sid}: {SIGNATURE_FILE} is missing (the manifest says it was signed)"]
    if public_key is None:
        return []
    wrong = verify_signature(store.read(sid, MANIFEST), signature, public_key)
    return [f"{sid}: {wrong}"] if wrong else []

def _chain_problems(store: SnapshotStore, info: SnapshotInfo, entries: list[SnapshotInfo]) -> list[str]:
    m = info.manifest or {}
    sid = info.snapshot_id
    if m.get("sequence") != info.sequence:
        return [f"{sid}: manifest sequence {m.get('sequence')} does not match the folder"]
    twins = [s.snapshot_id for s in entries if s.sequence == info.sequence and s.snapshot_id != sid]
    if twins:  # two writers chained onto the same predecessor: the chain forked
        return [f"{sid}: shares sequence {info.sequence} with {', '.join(twins)} (the chain forked)"]
    earlier = [s for s in in_chain(entries) if s.sequence < info.sequence]
    skipped = {s.sequence for s in entries if s.partial}
    prev_id = m.get("previous_snapshot_id")
    if prev_id is None:
        return [f"{sid}: names no previous snapshot, but {earlier[-1].snapshot_id} precedes it"] if earlier else []
    prev = next((s for s in earlier if s.snapshot_id == prev_id), None)
    if prev is None:
        return [f"{sid}: previous snapshot {prev_id} is missing from the chain"]
    if earlier[-1].snapshot_id != prev.snapshot_id or not set(range(prev.sequence + 1, info.sequence)) <= skipped:
        return [f"{sid}: the chain names {prev_id} as previous, the store has {earlier[-1].snapshot_id}"]
    prev_bytes = store.read(prev_id, MANIFEST)
    if prev_bytes is None or sha256_bytes(prev_bytes) != m.get("previous_manifest_sha256"):
        return [f"{sid}: previous manifest {prev_id} does not match the chain hash"]
    return []
