"""Issue 22, item 2: every file of a signed snapshot, tampered with one at a time (each frozen
mart, lineage.json, catalog.yaml, the manifest, its signature) and every piece of evidence the
manifest carries (dbt results, data quality, inputs, row counts), is caught by `verify` with the
file named. (On S3, a replaced version and a delete marker: tests/audit/test_snapshot_s3.py.)"""

import json

import pytest

from conftest import writable
from pipelines.audit.contents import snapshot_marts
from pipelines.audit.signing import SIGNATURE_FILE, generate_keypair
from pipelines.audit.snapshot import create_snapshot
from pipelines.audit.stores import MANIFEST, LocalSnapshotStore


@pytest.fixture
def signed(scenario_copy, tmp_path, monkeypatch):
    copy = scenario_copy
    private, public = generate_keypair(tmp_path / "keys")
    monkeypatch.setenv("SLM_SIGNING_KEY", str(private))
    info = create_snapshot(copy, "2026-10")
    store = LocalSnapshotStore(copy.snapshots)
    assert store.verify(info.snapshot_id, public) == []
    return store, info, public


def flipped(path) -> bytes:
    """Flip one bit in the middle of the file; return what it held."""
    original = writable(path).read_bytes()
    data = bytearray(original)
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return original


def test_every_file_tampered_with_is_caught_and_named(signed):
    store, info, public = signed
    sid = info.snapshot_id
    files = info.manifest["files"]
    assert {f["kind"] for f in files} >= {"mart", "lineage", "catalog"}
    assert sorted(f["path"] for f in files if f["kind"] == "mart") == sorted(f"{m.name}.parquet" for m in snapshot_marts())
    for f in files:
        path = info.path / f["path"]
        original = flipped(path)
        problems = store.verify(sid, public)
        path.write_bytes(original)
        assert problems == [f"{sid}: {f['path']} has changed (sha256 mismatch)"], f["path"]
    for name in (MANIFEST, SIGNATURE_FILE):
        path = info.path / name
        original = flipped(path)
        problems = store.verify(sid, public)
        path.write_bytes(original)
        assert problems and all(name in p or "signature" in p for p in problems), (name, problems)
    assert store.verify(sid, public) == []  # everything put back: whole again


@pytest.mark.parametrize("field", ["dbt", "data_quality", "inputs", "row_counts", "catalog_sha256",
                                   "previous_manifest_sha256", "period_end"])
def test_evidence_edited_inside_the_manifest_is_caught(signed, field):
    """The manifest's own evidence (dbt results, data-quality outcomes, input lineage, row counts,
    the catalog's hash, the chain link, the period) edited as valid JSON: its body hash and the
    signature both name manifest.json."""
    store, info, public = signed
    path = writable(info.path / MANIFEST)
    body = json.loads(path.read_text())
    assert field in body, sorted(body)
    body[field] = {"edited": True} if isinstance(body[field], (dict, list)) else "edited"
    path.write_text(json.dumps(body, indent=2, sort_keys=True))
    problems = store.verify(info.snapshot_id, public)
    assert f"{info.snapshot_id}: manifest.json was edited (its body hash does not match)" in problems
    assert f"{info.snapshot_id}: the signature does not match manifest.json" in problems
