"""Writing evidence under S3 Object Lock, and proving it stayed locked: what the S3 store adds to
a plain bucket. A mixin of `S3SnapshotStore` (it uses the store's client, bucket and listing)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

from .base import SnapshotError, SnapshotInfo


class ObjectLockWriter:
    """Every object is uploaded once with its SHA-256 checksum (the server rejects a body that does
    not match) and COMPLIANCE retention of at least `retention_days`: the bucket's default
    retention when it covers that (so the writer needs no s3:PutObjectRetention, see infra/),
    else an explicit retention on the upload. The lock is read back before an object counts."""

    _default_days: int | None = None

    def check_bucket(self) -> None:
        """Refuse a bucket that cannot hold audit evidence: no Object Lock or versioning off."""
        from botocore.exceptions import ClientError

        try:
            lock = self.client.get_object_lock_configuration(Bucket=self.bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ObjectLockConfigurationNotFoundError":
                raise SnapshotError(f"snapshot store {self.uri}: reading the Object Lock configuration failed: "
                                    f"{exc.response.get('Error', {}).get('Code')}") from None
            lock = {}
        config = lock.get("ObjectLockConfiguration", {})
        if config.get("ObjectLockEnabled") != "Enabled":
            raise SnapshotError(f"snapshot store {self.uri}: the bucket has no Object Lock")
        default = config.get("Rule", {}).get("DefaultRetention", {})
        self._default_days = (int(default.get("Days") or 0) or int(default.get("Years") or 0) * 365
                              if default.get("Mode") == "COMPLIANCE" else 0)
        status = self._call("reading versioning", self.client.get_bucket_versioning, Bucket=self.bucket).get("Status")
        if status != "Enabled":
            raise SnapshotError(f"snapshot store {self.uri}: bucket versioning is {status or 'off'}, not Enabled")

    def _put_key(self, key: str, data: bytes, if_none_match: bool = False) -> str:
        """Upload once with a SHA-256 checksum and COMPLIANCE retention, then read the lock back."""
        until = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=self.retention_days)).replace(microsecond=0)
        checksum = base64.b64encode(hashlib.sha256(data).digest()).decode()
        if self._default_days is None:
            self.check_bucket()
        explicit = {} if self._default_days >= self.retention_days else {
            "ObjectLockMode": "COMPLIANCE", "ObjectLockRetainUntilDate": until}
        if if_none_match:  # the caller tells "taken" from other failures
            explicit["IfNoneMatch"] = "*"
            put = self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ChecksumSHA256=checksum, **explicit)
        else:
            put = self._call(f"upload of {key}", self.client.put_object, Bucket=self.bucket, Key=key, Body=data,
                             ChecksumSHA256=checksum, **explicit)
        version = put.get("VersionId")
        if not version:
            raise SnapshotError(f"snapshot store {self.uri}: {key} got no version id (is versioning on?)")
        head = self._call(f"reading back {key}", self.client.head_object, Bucket=self.bucket, Key=key,
                          VersionId=version, ChecksumMode="ENABLED")
        if head.get("ObjectLockMode") != "COMPLIANCE" or head.get("ObjectLockRetainUntilDate") is None \
                or head["ObjectLockRetainUntilDate"] < until - dt.timedelta(seconds=1):
            raise SnapshotError(f"snapshot store {self.uri}: {key} is not locked in COMPLIANCE mode until {until:%Y-%m-%d}")
        if head.get("ChecksumSHA256") not in (None, checksum):
            raise SnapshotError(f"snapshot store {self.uri}: {key} was stored with another checksum")
        return version

    def _medium_problems(self, info: SnapshotInfo) -> list[str]:
        """What S3 adds: every object locked in COMPLIANCE mode, one version per key, and any
        delete marker (an attempted delete; the locked version underneath is intact)."""
        sid, problems = info.snapshot_id, []
        base = self._key(sid, "")
        by_key: dict[str, list[dict]] = {}
        for v in self._versions(base):
            by_key.setdefault(v["Key"][len(base):], []).append(v)
        for name, versions in sorted(by_key.items()):
            real = [v for v in versions if not v["marker"]]
            if len(real) > 1:
                problems.append(f"{sid}: {name} has {len(real)} versions (written more than once)")
            if any(v["marker"] for v in versions):
                problems.append(f"{sid}: {name} is hidden by a delete marker (the locked version is intact)")
            for v in real[:1]:
                head = self._call(f"reading the lock of {name}", self.client.head_object, Bucket=self.bucket,
                                  Key=base + name, VersionId=v["VersionId"])
                if head.get("ObjectLockMode") != "COMPLIANCE":
                    problems.append(f"{sid}: {name} is not locked in COMPLIANCE mode")
        return problems
