"""Snapshot verification, rule by rule, on small snapshots written straight into a local store
(no pipeline run: fast enough for the mutation tests of `verify.py` and `signing.py`, issue 22).
Each case breaks one thing and expects exactly the problem that names it; everything else
verifies clean."""

import base64
import json
import os
import shutil
import stat

import pytest

from conftest import writable
from pipelines.audit.signing import SIGNATURE_FILE, SigningError, generate_keypair, sign, verify_signature
from pipelines.audit.stores import MANIFEST, LocalSnapshotStore
from pipelines.audit.stores.verify import PARTIAL
from pipelines.core.hashing import canonical_hash, sha256_bytes


@pytest.fixture
def keys(tmp_path):
    private, public = generate_keypair(tmp_path / "keys")
    other_private, other_public = generate_keypair(tmp_path / "other")
    return private, public, other_public


@pytest.fixture
def store(tmp_path):
    return LocalSnapshotStore(tmp_path / "snapshots")


def write(store, tmp_path, period="2026-10", contract=None, key=None, files=None):
    """A snapshot of two small files (or `files`: name -> bytes)."""
    files = files or {"a.parquet": b"rows of a", "lineage.json": b'{"inputs": []}'}
    staged = tmp_path / f"staged-{len(store.entries())}"
    staged.mkdir()
    listed = []
    for name, data in files.items():
        (staged / name).write_bytes(data)
        listed.append({"path": name, "sha256": sha256_bytes(data), "kind": "mart"})
    return store.create(staged, {"period": period, "files": listed}, period, contract, key)


def rewrite_manifest(info, **changes):
    """Edit the manifest and re-seal its body hash, so only the rule under test can see it."""
    path = info.path / MANIFEST
    writable(path)
    body = dict(json.loads(path.read_bytes()), **changes)
    body.pop("manifest_body_sha256")
    body["manifest_body_sha256"] = canonical_hash(body)
    path.write_text(json.dumps(body, indent=2, sort_keys=True))


def test_a_whole_chain_verifies(store, tmp_path, keys):
    private, public, _ = keys
    first = write(store, tmp_path)
    second = write(store, tmp_path, contract="acme", key=private)
    assert [first.snapshot_id, second.snapshot_id] == ["000001-2026-10", "000002-2026-10-acme"]
    assert second.manifest["previous_snapshot_id"] == first.snapshot_id
    assert second.manifest["previous_manifest_sha256"] == sha256_bytes((first.path / MANIFEST).read_bytes())
    assert store.verify(first.snapshot_id) == []
    assert store.verify(second.snapshot_id) == []
    assert store.verify(second.snapshot_id, public) == []


def test_a_changed_a_missing_and_an_unexpected_file(store, tmp_path):
    info = write(store, tmp_path)
    sid = info.snapshot_id
    writable(info.path / "a.parquet")
    (info.path / "a.parquet").write_bytes(b"rows of b")
    assert store.verify(sid) == [f"{sid}: a.parquet has changed (sha256 mismatch)"]
    (info.path / "a.parquet").write_bytes(b"rows of a")
    assert store.verify(sid) == []
    (info.path / "lineage.json").unlink()
    (info.path / "extra.csv").write_bytes(b"x")
    assert store.verify(sid) == [f"{sid}: lineage.json is missing", f"{sid}: unexpected file extra.csv"]


def test_an_edited_and_an_unreadable_manifest(store, tmp_path):
    info = write(store, tmp_path)
    sid = info.snapshot_id
    path = info.path / MANIFEST
    writable(path)
    body = json.loads(path.read_bytes())
    body["period"] = "2026-11"
    path.write_text(json.dumps(body))
    assert store.verify(sid) == [f"{sid}: manifest.json was edited (its body hash does not match)"]
    path.write_text("{not json")
    os.chmod(info.path, 0o555)  # sealed: the manifest was spoiled, not never written
    assert store.verify(sid) == [f"{sid}: manifest.json is missing or unreadable, though the snapshot was sealed"]


def test_a_partial_snapshot_is_ignored_and_the_chain_runs_past_it(store, tmp_path):
    first = write(store, tmp_path)
    store._begin("000002-2026-10")  # a writer killed before its manifest
    (store.root / "000002-2026-10" / "a.parquet").write_bytes(b"half")
    third = write(store, tmp_path)
    assert third.snapshot_id == "000003-2026-10"
    assert third.manifest["previous_snapshot_id"] == first.snapshot_id
    assert store.verify("000002-2026-10") == ["000002-2026-10: " + PARTIAL]
    assert store.verify(third.snapshot_id) == []


def test_signature_rules(store, tmp_path, keys):
    private, public, other_public = keys
    unsigned = write(store, tmp_path)
    assert store.verify(unsigned.snapshot_id) == []
    assert store.verify(unsigned.snapshot_id, public) == [f"{unsigned.snapshot_id}: not signed, but a public key was given"]
    signed = write(store, tmp_path, key=private)
    sid = signed.snapshot_id
    assert store.verify(sid) == []  # no key given: the signature is there, not checked
    assert store.verify(sid, other_public) == [f"{sid}: {SIGNATURE_FILE}: signed with another key than the public key given"]
    sig_path = signed.path / SIGNATURE_FILE
    original = sig_path.read_bytes()
    writable(sig_path)
    sig = json.loads(original)

    def with_sig(**changes):
        sig_path.write_text(json.dumps(dict(sig, **changes)))
        return store.verify(sid, public)

    forged = bytearray(base64.b64decode(sig["signature"]))
    forged[0] ^= 1
    assert with_sig(signature=base64.b64encode(bytes(forged)).decode()) == [f"{sid}: the signature does not match manifest.json"]
    assert with_sig(algorithm="rsa") == [f"{sid}: unsupported signature algorithm 'rsa'"]
    # base64 is read strictly: characters outside its alphabet are not skipped over
    assert with_sig(signature="AAAA AAAA") == [f"{sid}: manifest.json.sig is not a readable signature"]
    sig_path.write_text("[]")
    assert store.verify(sid, public) == [f"{sid}: manifest.json.sig is not a readable signature"]
    sig_path.write_bytes(original)
    assert store.verify(sid, public) == []
    sig_path.unlink()
    missing = [f"{sid}: {SIGNATURE_FILE} is missing (the manifest says it was signed)"]
    assert store.verify(sid) == missing and store.verify(sid, public) == missing


def test_chain_rules(store, tmp_path):
    first, second, third = (write(store, tmp_path) for _ in range(3))
    s1, s2, s3 = first.snapshot_id, second.snapshot_id, third.snapshot_id
    assert [store.verify(s) for s in (s1, s2, s3)] == [[], [], []]  # the newest of two before it is the link
    # the predecessor's manifest replaced (by a valid one): the successor's chain hash catches it
    rewrite_manifest(first, period_note="restated")
    assert store.verify(s1) == []
    assert store.verify(s2) == [f"{s2}: previous manifest {s1} does not match the chain hash"]
    # a link to an older snapshot than the one before it
    rewrite_manifest(third, previous_snapshot_id=s1)
    assert store.verify(s3) == [f"{s3}: the chain names {s1} as previous, the store has {s2}"]
    rewrite_manifest(third, previous_snapshot_id="000009-2026-10")
    assert store.verify(s3) == [f"{s3}: previous snapshot 000009-2026-10 is missing from the chain"]
    rewrite_manifest(third, previous_snapshot_id=None)
    assert store.verify(s3) == [f"{s3}: names no previous snapshot, but {s2} precedes it"]
    rewrite_manifest(third, sequence=4)
    assert store.verify(s3) == [f"{s3}: manifest sequence 4 does not match the folder"]


def test_a_forked_chain(store, tmp_path):
    first, second = write(store, tmp_path), write(store, tmp_path)
    twin = store.root / "000002-2026-10-acme"
    shutil.copytree(second.path, twin)  # a second writer that chained onto the same predecessor
    assert store.verify(second.snapshot_id) == [f"{second.snapshot_id}: shares sequence 2 with 000002-2026-10-acme (the chain forked)"]
    assert store.verify(first.snapshot_id) == []


def test_the_first_snapshot_needs_no_predecessor_and_skipping_one_is_caught(store, tmp_path):
    first, second, third = (write(store, tmp_path) for _ in range(3))
    assert first.manifest["previous_snapshot_id"] is None
    assert store.verify(first.snapshot_id) == []
    # the middle one removed: the third's link now skips a snapshot that is gone, not partial
    writable(second.path / MANIFEST)
    for p in second.path.iterdir():
        p.unlink()
    second.path.rmdir()
    assert store.verify(third.snapshot_id) == [f"{third.snapshot_id}: previous snapshot {second.snapshot_id} is missing from the chain"]


def test_a_relinked_chain_over_a_removed_snapshot(store, tmp_path):
    """The third snapshot re-pointed (and re-hashed) at the first, with the second removed: the
    sequence between them is gone, not a partial snapshot, so the chain has a hole."""
    first, second, third = (write(store, tmp_path) for _ in range(3))
    rewrite_manifest(third, previous_snapshot_id=first.snapshot_id,
                     previous_manifest_sha256=sha256_bytes((first.path / MANIFEST).read_bytes()))
    os.chmod(second.path, 0o755)
    shutil.rmtree(second.path)
    assert store.verify(third.snapshot_id) == [
        f"{third.snapshot_id}: the chain names {first.snapshot_id} as previous, the store has {first.snapshot_id}"]


def test_keys_are_made_once_private_to_the_owner_and_never_overwritten(tmp_path):
    folder = tmp_path / "nested" / "keys"
    private, public = generate_keypair(folder)  # the folder is made, parents too
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    before = private.read_bytes(), public.read_bytes()
    with pytest.raises(SigningError, match="exists: keys are never overwritten"):
        generate_keypair(folder)
    private.unlink()  # only the public key left: still refused, and no private key written
    with pytest.raises(SigningError, match="snapshot-signing.pub.pem exists"):
        generate_keypair(folder)
    assert not private.exists() and public.read_bytes() == before[1]
    os.chmod(folder, 0o755)
    other = tmp_path / "existing"
    other.mkdir()
    assert generate_keypair(other)[0].parent == other  # an existing folder is fine


def test_a_bad_key_is_named(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    with pytest.raises(SigningError, match=r"^cannot read key .*missing.pem: No such file or directory$"):
        sign(b"{}", tmp_path / "missing.pem")
    (tmp_path / "junk.pem").write_text("not a key")
    with pytest.raises(SigningError, match=r"junk.pem is not a PEM private key$"):
        sign(b"{}", tmp_path / "junk.pem")
    with pytest.raises(SigningError, match=r"junk.pem is not a PEM public key$"):
        verify_signature(b"{}", b"{}", tmp_path / "junk.pem")
    ec_key = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "ec.pem").write_bytes(ec_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
    with pytest.raises(SigningError, match=r"ec.pem is not an Ed25519 key$"):
        sign(b"{}", tmp_path / "ec.pem")


def test_the_signature_file_is_canonical_json(tmp_path, keys):
    private, public, _ = keys
    data = sign(b'{"a": 1}', private)
    body = json.loads(data)
    assert data == json.dumps(body, indent=2, sort_keys=True).encode()
    assert sorted(body) == ["algorithm", "public_key_sha256", "signature"] and body["algorithm"] == "ed25519"
    assert verify_signature(b'{"a": 1}', data, public) is None
    assert verify_signature(b'{"a": 2}', data, public) == "the signature does not match manifest.json"
