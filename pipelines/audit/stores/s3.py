"""The S3 snapshot store: Object Lock in COMPLIANCE mode, exact object versions, conditional
claims of sequence numbers so several writers share one chain."""

from __future__ import annotations

import json
from pathlib import Path

from ...core import s3
from .base import DEFAULT_RETENTION_DAYS, MANIFEST, SequenceTaken, SnapshotError, SnapshotInfo, SnapshotStore
from .object_lock import ObjectLockWriter


class S3SnapshotStore(s3.Location, ObjectLockWriter, SnapshotStore):
    """Snapshots under s3://bucket/prefix/<id>/ in a bucket with Object Lock. Every object is
    uploaded once with its SHA-256 checksum (the server rejects a body that does not match) and
    COMPLIANCE retention of at least `retention_days`: the bucket's default retention when it
    covers that (so the writer needs no s3:PutObjectRetention, see infra/), else an explicit
    retention on the upload. The lock is read back before the snapshot counts as written. The manifest records each file's version id, and audit reads
    fetch exactly those versions; a manifest is read at its first version."""

    def __init__(self, uri: str, lock_file: Path, retention_days: int = DEFAULT_RETENTION_DAYS, client=None):
        super().__init__(lock_file, retention_days)
        self.uri = uri.rstrip("/")
        self._locate(uri, client)
        self._default_days: int | None = None

    error = SnapshotError

    @property
    def where(self) -> str:
        return f"snapshot store {self.uri}"

    def _versions(self, key_prefix: str) -> list[dict]:
        """Every version and delete marker under a key prefix, oldest first per key."""
        out = []
        paginator = self.client.get_paginator("list_object_versions")
        pages = self._call("listing versions", lambda **kw: list(paginator.paginate(**kw)),
                           Bucket=self.bucket, Prefix=key_prefix)
        for page in pages:
            out += [dict(v, marker=False) for v in page.get("Versions", [])]
            out += [dict(v, marker=True) for v in page.get("DeleteMarkers", [])]
        # S3 lists a key's versions newest first; within one second that order is the only clue
        listed = {id(v): i for i, v in enumerate(out)}
        return sorted(out, key=lambda v: (v["Key"], v["LastModified"], -listed[id(v)]))

    def _ids(self) -> list[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        pages = self._call("listing", lambda **kw: list(paginator.paginate(**kw)),
                           Bucket=self.bucket, Prefix=self.prefix, Delimiter="/")
        ids = {p["Prefix"][len(self.prefix):].rstrip("/") for page in pages for p in page.get("CommonPrefixes", [])}
        # a snapshot whose latest manifest version hides behind a delete marker is still listed
        ids |= {v["Key"][len(self.prefix):].split("/")[0] for v in self._versions(self.prefix)
                if v["Key"].endswith("/" + MANIFEST)}
        return sorted(ids)

    def _key(self, sid: str, name: str) -> str:
        return f"{self.prefix}{sid}/{name}"

    def read(self, sid: str, name: str, version: str | None = None) -> bytes | None:
        from botocore.exceptions import ClientError

        key = self._key(sid, name)
        if version is None:  # never "latest": the first version written is the one that counts
            first = [v for v in self._versions(key) if v["Key"] == key and not v["marker"]]
            if not first:
                return None
            version = first[0]["VersionId"]
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key, VersionId=version)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "NoSuchVersion", "404"):
                return None
            raise SnapshotError(f"snapshot store {self.uri}: reading {key} failed: "
                                f"{exc.response.get('Error', {}).get('Code')}") from None

    def _names(self, sid: str) -> set[str]:
        base = self._key(sid, "")
        return {v["Key"][len(base):] for v in self._versions(base) if not v["marker"]}

    def _begin(self, sid: str) -> None:
        self.check_bucket()
        if self._versions(self._key(sid, "")):
            raise SnapshotError(f"snapshot store {self.uri}: {sid} already has objects; nothing is overwritten")

    retention_mode = "COMPLIANCE"
    CLAIMS = "_sequence/"   # one write-once object per sequence number taken
    HOLDS = "_legal-holds/"  # one write-once object per legal hold change

    def _claim(self, sequence: int, sid: str) -> None:
        """S3 conditional write (If-None-Match: *): of two writers on different machines that
        both computed the same next sequence, exactly one gets it; the other chains after it."""
        from botocore.exceptions import ClientError

        try:
            self._put_key(f"{self.prefix}{self.CLAIMS}{sequence:06d}", sid.encode(), if_none_match=True)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise SequenceTaken(sequence) from None
            raise SnapshotError(f"snapshot store {self.uri}: claiming sequence {sequence} failed: "
                                f"{exc.response.get('Error', {}).get('Code')}") from None

    def _last_claimed(self) -> int:
        keys = [v["Key"].rsplit("/", 1)[-1] for v in self._versions(self.prefix + self.CLAIMS) if not v["marker"]]
        return max((int(k) for k in keys if k.isdigit()), default=0)

    def _hold_records(self, sid: str) -> list[dict]:
        base = f"{self.prefix}{self.HOLDS}{sid}/"
        records = []
        for v in self._versions(base):
            if not v["marker"]:
                body = self._call("reading a legal hold record", self.client.get_object, Bucket=self.bucket,
                                  Key=v["Key"], VersionId=v["VersionId"])["Body"].read()
                records.append(json.loads(body))
        return sorted(records, key=lambda r: r["at"])

    def _record_hold(self, sid: str, record: dict) -> None:
        key = f"{self.prefix}{self.HOLDS}{sid}/{record['at'].replace(':', '')}.json"
        self._put_key(key, json.dumps(record, indent=1, sort_keys=True).encode())

    def _apply_hold(self, info: SnapshotInfo, on: bool) -> None:
        """S3's own legal hold on every object version of the snapshot: while it is on, not even
        an expired retention lets anyone delete them."""
        sid = info.snapshot_id
        versions = {f["path"]: f.get("version_id") for f in info.manifest["files"]}
        first = {}
        for v in self._versions(self._key(sid, "")):
            if not v["marker"]:
                first.setdefault(v["Key"], v["VersionId"])
        for key, version in first.items():
            name = key[len(self._key(sid, "")):]
            self._call(f"legal hold on {key}", self.client.put_object_legal_hold, Bucket=self.bucket, Key=key,
                       VersionId=versions.get(name) or version, LegalHold={"Status": "ON" if on else "OFF"})

    def _put(self, sid: str, name: str, data: bytes) -> str:
        return self._put_key(self._key(sid, name), data)

    def location(self, sid: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{sid}/" if sid else self.uri
