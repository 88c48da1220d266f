"""Audit snapshots on S3 with Object Lock (issue 7), on a real SeaweedFS server through boto3.

SeaweedFS enforces COMPLIANCE retention (a locked version cannot be deleted, its retention cannot
be shortened, versioning cannot be suspended) and rejects a body whose SHA-256 checksum does not
match. Like AWS, it does not require a checksum on uploads to a locked bucket: the store always
sends one itself (and AWS would only demand Content-MD5 or a checksum). Tests check each rule on
the server and then the store's own checks on top.
"""

import datetime as dt
import hashlib
import shutil

import pytest
from botocore.exceptions import ClientError

from pipelines.settings import Settings
from pipelines.audit.stores import S3SnapshotStore, SnapshotError, in_chain
from pipelines.audit.stores.verify import PARTIAL
from pipelines.core.hashing import sha256_file


def locked_bucket(client, name):
    client.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    return name


def error_code(fn, **kwargs):
    with pytest.raises(ClientError) as exc:
        fn(**kwargs)
    return exc.value.response["Error"]["Code"]


@pytest.fixture
def s3_settings(scenario_run, s3_server, tmp_path, monkeypatch):
    """A private home with a copy of the scenario's warehouse, snapshotting to a locked bucket."""
    settings, outcome, _ = scenario_run
    home = tmp_path / "home"
    (home / "lake").mkdir(parents=True)
    shutil.copy(settings.warehouse, home / "warehouse.duckdb")
    shutil.copytree(settings.lake / "ledger", home / "lake" / "ledger")
    bucket = locked_bucket(s3_server, f"audit-{tmp_path.name[-20:].lower().replace('_', '-')}".rstrip("-"))
    monkeypatch.setenv("SLM_SNAPSHOT_STORE", f"s3://{bucket}/snapshots")
    monkeypatch.setenv("SLM_SNAPSHOT_RETENTION_DAYS", "3")
    return Settings.resolve(home, settings.landing, settings.catalog), bucket


def test_a_snapshot_on_s3_is_locked_checksummed_and_read_back_by_version(s3_settings, s3_server, tmp_path):
    from pipelines.audit.snapshot import create_snapshot, snapshot_store

    settings, bucket = s3_settings
    before = dt.datetime.now(dt.timezone.utc)
    info = create_snapshot(settings, "2026-10", created_by="auditor")
    assert info.snapshot_id == "000001-2026-10" and info.path == f"s3://{bucket}/snapshots/000001-2026-10/"
    for f in info.manifest["files"]:
        head = s3_server.head_object(Bucket=bucket, Key=f"snapshots/000001-2026-10/{f['path']}",
                                     VersionId=f["version_id"], ChecksumMode="ENABLED")
        assert head["ObjectLockMode"] == "COMPLIANCE"
        # retention from settings: 3 days from the upload
        assert before + dt.timedelta(days=3) - dt.timedelta(seconds=2) <= head["ObjectLockRetainUntilDate"] \
            <= dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)
    store = snapshot_store(settings)
    assert [s.snapshot_id for s in store.entries()] == ["000001-2026-10"]
    assert store.verify("000001-2026-10") == []
    # a second snapshot chains to the first, as locally
    second = create_snapshot(settings, "2026-10", contract="acme")
    assert second.manifest["previous_snapshot_id"] == "000001-2026-10" and store.verify(second.snapshot_id) == []
    pulled = store.pull("000001-2026-10", tmp_path / "handover")
    for f in info.manifest["files"]:
        assert sha256_file(pulled / f["path"]) == f["sha256"]


def test_the_server_refuses_to_delete_shorten_or_unversion_and_rejects_bad_checksums(s3_settings, s3_server):
    from pipelines.audit.snapshot import create_snapshot

    settings, bucket = s3_settings
    info = create_snapshot(settings, "2026-10")
    f = info.manifest["files"][0]
    key = f"snapshots/{info.snapshot_id}/{f['path']}"
    assert error_code(s3_server.delete_object, Bucket=bucket, Key=key, VersionId=f["version_id"]) == "AccessDenied"
    retain = s3_server.head_object(Bucket=bucket, Key=key, VersionId=f["version_id"])["ObjectLockRetainUntilDate"]
    assert error_code(s3_server.put_object_retention, Bucket=bucket, Key=key, VersionId=f["version_id"],
                      Retention={"Mode": "COMPLIANCE", "RetainUntilDate": retain - dt.timedelta(days=1)}) == "AccessDenied"
    assert error_code(s3_server.put_bucket_versioning, Bucket=bucket,
                      VersioningConfiguration={"Status": "Suspended"}) == "InvalidBucketState"
    wrong = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="  # the SHA-256 of b"", not of the body
    assert error_code(s3_server.put_object, Bucket=bucket, Key="snapshots/x/y", Body=b"numbers",
                      ChecksumSHA256=wrong) == "BadDigest"
    # the server accepts an upload without a checksum; the store never sends one without
    s3_server.put_object(Bucket=bucket, Key="scratch/no-checksum", Body=b"accepted")


def test_tampering_on_s3_is_caught_and_audit_reads_ignore_it(s3_settings, s3_server):
    from pipelines.audit.snapshot import create_snapshot, snapshot_store

    settings, bucket = s3_settings
    info = create_snapshot(settings, "2026-10")
    sid, prefix = info.snapshot_id, f"snapshots/{info.snapshot_id}/"
    # a plain delete only hides the manifest behind a delete marker; an overwrite adds a version
    s3_server.delete_object(Bucket=bucket, Key=prefix + "manifest.json")
    s3_server.put_object(Bucket=bucket, Key=prefix + "fct_sli_daily.parquet", Body=b"other numbers")
    s3_server.put_object(Bucket=bucket, Key=prefix + "extra.csv", Body=b"a,b\n")
    problems = snapshot_store(settings).verify(sid)
    assert sorted(problems) == sorted([
        f"{sid}: unexpected file extra.csv",
        f"{sid}: extra.csv is not locked in COMPLIANCE mode",  # it took no retention: not ours
        f"{sid}: fct_sli_daily.parquet has 2 versions (written more than once)",
        f"{sid}: manifest.json is hidden by a delete marker (the locked version is intact)",
    ])
    # the numbers an auditor reads are still the recorded versions: no hash mismatch reported
    assert not any("sha256 mismatch" in p or "is missing" in p for p in problems)
    store = snapshot_store(settings)
    recorded = next(f for f in info.manifest["files"] if f["path"] == "fct_sli_daily.parquet")
    assert hashlib.sha256(store.read(sid, "fct_sli_daily.parquet", recorded["version_id"])).hexdigest() == recorded["sha256"]


def test_a_bucket_without_object_lock_is_refused(s3_server, tmp_path):
    s3_server.create_bucket(Bucket="plain-bucket")
    store = S3SnapshotStore("s3://plain-bucket/snapshots", tmp_path / "lock", retention_days=1)
    with pytest.raises(SnapshotError, match="the bucket has no Object Lock"):
        store.check_bucket()
    with pytest.raises(SnapshotError, match="expected s3://bucket"):
        S3SnapshotStore("s3:///nobucket", tmp_path / "lock")


def test_a_bucket_default_retention_that_covers_the_setting_is_used_without_retention_headers(s3_server, tmp_path):
    # infra/ gives the writer no s3:PutObjectRetention: with a bucket default of COMPLIANCE for at
    # least the configured days, uploads carry no retention of their own and still end up locked
    bucket = locked_bucket(s3_server, "audit-default")
    s3_server.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 3}}})
    sent = []
    s3_server.meta.events.register("provide-client-params.s3.PutObject", lambda params, **_: sent.append(dict(params)))
    store = S3SnapshotStore(f"s3://{bucket}/snapshots", tmp_path / "lock", retention_days=3, client=s3_server)
    staged = tmp_path / "staged"
    staged.mkdir()
    (staged / "a.parquet").write_bytes(b"frozen numbers")
    before = dt.datetime.now(dt.timezone.utc)
    info = store.create(staged, {"files": [{"path": "a.parquet", "rows": 1,
                                            "sha256": hashlib.sha256(b"frozen numbers").hexdigest()}]}, "2026-10", None)
    assert sent and all("ObjectLockMode" not in p and "ObjectLockRetainUntilDate" not in p for p in sent)
    assert all("ChecksumSHA256" in p for p in sent)
    head = s3_server.head_object(Bucket=bucket, Key="snapshots/000001-2026-10/a.parquet",
                                 VersionId=info.manifest["files"][0]["version_id"])
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] >= before + dt.timedelta(days=3) - dt.timedelta(seconds=2)
    # a longer setting than the default is set per object (which needs s3:PutObjectRetention)
    longer = S3SnapshotStore(f"s3://{bucket}/more", tmp_path / "lock", retention_days=5, client=s3_server)
    sent.clear()
    longer.create(staged, {"files": [{"path": "a.parquet", "rows": 1,
                                      "sha256": hashlib.sha256(b"frozen numbers").hexdigest()}]}, "2026-10", None)
    assert all(p.get("ObjectLockMode") == "COMPLIANCE" for p in sent)
    assert store.verify("000001-2026-10") == []


def _staged(tmp_path, body=b"frozen numbers"):
    staged = tmp_path / "staged"
    staged.mkdir(exist_ok=True)
    (staged / "a.parquet").write_bytes(body)
    return staged, lambda: {"files": [{"path": "a.parquet", "rows": 1, "sha256": hashlib.sha256(body).hexdigest()}]}


def test_two_writers_on_different_machines_never_fork_the_chain(s3_server, tmp_path):
    bucket = locked_bucket(s3_server, "audit-race")
    staged, manifest = _staged(tmp_path)
    # two machines: separate lock files, so only the bucket can decide who gets a sequence number

    def two_writers(uri, store_class=S3SnapshotStore):
        a = store_class(uri, tmp_path / "a.lock", retention_days=1, client=s3_server)
        b = store_class(uri, tmp_path / "b.lock", retention_days=1, client=s3_server)
        a.create(staged, manifest(), "2026-09", None)
        claim, raced = a._claim, []

        def b_gets_in_first(sequence, sid):  # b writes a whole snapshot after a read the chain
            if not raced:
                raced.append(b.create(staged, manifest(), "2026-11", None))
            return claim(sequence, sid)

        a._claim = b_gets_in_first
        return a, raced, a.create(staged, manifest(), "2026-10", None)

    store, raced, info = two_writers(f"s3://{bucket}/snapshots")
    assert raced[0].snapshot_id == "000002-2026-11"
    # a's conditional claim of 2 failed (If-None-Match), so it chained after b's snapshot
    assert info.snapshot_id == "000003-2026-10" and info.manifest["previous_snapshot_id"] == "000002-2026-11"
    assert [s.snapshot_id for s in store.entries()] == ["000001-2026-09", "000002-2026-11", "000003-2026-10"]
    assert all(store.verify(s.snapshot_id) == [] for s in store.entries())

    class NoClaims(S3SnapshotStore):  # what a medium without conditional writes would allow
        def _claim(self, sequence, sid):
            pass

    store, raced, info = two_writers(f"s3://{bucket}/forked", NoClaims)
    assert info.snapshot_id == "000002-2026-10" and raced[0].snapshot_id == "000002-2026-11"
    assert store.verify("000002-2026-10") == ["000002-2026-10: shares sequence 2 with 000002-2026-11 (the chain forked)"]


def test_a_legal_hold_on_s3_holds_every_object_and_keeps_its_record(s3_server, tmp_path):
    bucket = locked_bucket(s3_server, "audit-hold")
    staged, manifest = _staged(tmp_path)
    store = S3SnapshotStore(f"s3://{bucket}/snapshots", tmp_path / "lock", retention_days=1, client=s3_server)
    info = store.create(staged, manifest(), "2026-10", None)
    sid = info.snapshot_id

    def holds():
        out = {}
        for v in s3_server.list_object_versions(Bucket=bucket, Prefix=f"snapshots/{sid}/")["Versions"]:
            head = s3_server.head_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])
            out[v["Key"].rsplit("/", 1)[-1]] = head.get("ObjectLockLegalHoldStatus", "OFF")
        return out

    assert holds() == {"a.parquet": "OFF", "manifest.json": "OFF"}
    store.set_legal_hold(sid, True, "matter 2026-17", "counsel")
    assert holds() == {"a.parquet": "ON", "manifest.json": "ON"}
    assert store.legal_hold(sid)["reason"] == "matter 2026-17"
    store.set_legal_hold(sid, False, "matter closed", "counsel")
    assert holds() == {"a.parquet": "OFF", "manifest.json": "OFF"} and store.legal_hold(sid) is None
    # the changes are kept as locked records beside the snapshots; the snapshot still verifies
    assert [(r["on"], r["by"]) for r in store._hold_records(sid)] == [(True, "counsel"), (False, "counsel")]
    assert store.verify(sid) == [] and [s.snapshot_id for s in store.entries()] == [sid]


def test_a_snapshot_killed_before_its_manifest_on_s3_is_never_chained_onto(s3_server, tmp_path):
    from pipelines.audit.stores import MANIFEST

    bucket = locked_bucket(s3_server, "audit-partial")
    staged, manifest = _staged(tmp_path)
    store = S3SnapshotStore(f"s3://{bucket}/snapshots", tmp_path / "lock", retention_days=1, client=s3_server)
    first = store.create(staged, manifest(), "2026-09", None)

    class Killed(BaseException):
        pass

    class KilledAtTheManifest(S3SnapshotStore):
        def _put(self, sid, name, data):
            if name == MANIFEST:
                raise Killed
            return super()._put(sid, name, data)

    with pytest.raises(Killed):
        KilledAtTheManifest(store.uri, tmp_path / "lock", retention_days=1, client=s3_server).create(
            staged, manifest(), "2026-10", None)
    # its object is locked in the bucket for good, but the snapshot never entered the chain
    [partial] = [e for e in store.entries() if e.partial]
    assert partial.snapshot_id == "000002-2026-10" and store._names(partial.snapshot_id) == {"a.parquet"}
    third = store.create(staged, manifest(), "2026-11", None)
    assert third.snapshot_id == "000003-2026-11" and third.manifest["previous_snapshot_id"] == first.snapshot_id
    assert [e.snapshot_id for e in in_chain(store.entries())] == [first.snapshot_id, third.snapshot_id]
    assert store.verify(third.snapshot_id) == [] and store.verify(first.snapshot_id) == []
    assert store.verify(partial.snapshot_id) == [f"000002-2026-10: {PARTIAL}"]
