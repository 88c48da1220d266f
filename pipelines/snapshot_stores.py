"""Where audit snapshots live: a local write-once folder, or S3 with Object Lock in COMPLIANCE mode.

Both stores share one way of writing (files first, then the manifest with the chain fields and
the files' object versions, then the signature) and one way of verifying (every hash, unexpected
files, the manifest's body hash, the signature, the chain). Each adds what its medium can prove:
the local store makes files read-only and refuses to create anything twice; the S3 store sends a
SHA-256 checksum with every object, sets COMPLIANCE retention on it, reads the lock back, and
verifies by fetching the exact object versions the manifest records, never "latest" (a delete
without a version only adds a delete marker).
"""

import base64
import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from . import s3
from .signing import SIGNATURE_FILE, sign, signing_key_id, verify_signature
from .storage import exclusive_lock, sha256_file

MANIFEST = "manifest.json"
SNAPSHOT_ID_RE = re.compile(r"^(\d{6})-(\d{4}-\d{2})(?:-([a-z0-9][-a-z0-9.]*))?$")
DEFAULT_RETENTION_DAYS = 2555  # 7 x 365 days: a bucket default of 7 years always covers it


class SnapshotError(Exception):
    pass


def canonical_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@dataclass
class SnapshotInfo:
    snapshot_id: str
    path: Path | str  # a folder, or s3://bucket/prefix/<id>/
    manifest: dict | None
    reused: bool = False  # the period's marts had not changed since this snapshot

    @property
    def sequence(self) -> int:
        return int(self.snapshot_id[:6])


class SequenceTaken(Exception):
    """Another writer claimed this sequence number first (S3: several machines, one chain)."""


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
            out.append(SnapshotInfo(sid, self.location(sid), manifest))
        return out

    def get(self, snapshot_id: str) -> SnapshotInfo:
        for info in self.entries():
            if info.snapshot_id == snapshot_id:
                return info
        raise SnapshotError(f"no snapshot {snapshot_id!r} in {self.location('')}")

    def create(self, staged: Path, manifest: dict, period: str, contract: str | None,
               signing_key: Path | None = None) -> SnapshotInfo:
        """Write staged files, then the manifest (which gains its chain fields and the files'
        versions here), then, with a signing key, the signature (named in the manifest, so that
        removing it is caught)."""
        with exclusive_lock(self.lock_file):
            for _attempt in range(5):
                existing = self.entries()
                previous = existing[-1] if existing else None
                sequence = max(previous.sequence if previous else 0, self._last_claimed()) + 1
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
                            previous_manifest_sha256=hashlib.sha256(previous_bytes).hexdigest()
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
            self._put(snapshot_id, MANIFEST, manifest_bytes)
            if signing_key:
                self._put(snapshot_id, SIGNATURE_FILE, sign(manifest_bytes, signing_key))
            self._seal(snapshot_id)
            return SnapshotInfo(snapshot_id, self.location(snapshot_id), manifest)

    def verify(self, snapshot_id: str, public_key: Path | None = None,
               entries: list[SnapshotInfo] | None = None) -> list[str]:
        """Every problem with one snapshot: file hashes, unexpected files, manifest, signature
        (checked when a public key is given; required when the manifest names one), chain, and
        what the medium guarantees (S3: the lock of every version). `entries` lets a caller
        verifying many snapshots read the manifests once (each is a download on S3)."""
        entries = self.entries() if entries is None else entries
        info = next((e for e in entries if e.snapshot_id == snapshot_id), None)
        if info is None:
            raise SnapshotError(f"no snapshot {snapshot_id!r} in {self.location('')}")
        if info.manifest is None:
            return [f"{snapshot_id}: manifest.json is missing or unreadable (incomplete snapshot)"]
        m = info.manifest
        problems = []
        body = {k: v for k, v in m.items() if k != "manifest_body_sha256"}
        if canonical_hash(body) != m.get("manifest_body_sha256"):
            problems.append(f"{snapshot_id}: manifest.json was edited (its body hash does not match)")
        listed = {f["path"] for f in m.get("files", [])}
        for f in m.get("files", []):
            data = self.read(snapshot_id, f["path"], f.get("version_id"))
            if data is None:
                problems.append(f"{snapshot_id}: {f['path']} is missing")
            elif hashlib.sha256(data).hexdigest() != f["sha256"]:
                problems.append(f"{snapshot_id}: {f['path']} has changed (sha256 mismatch)")
        signed = isinstance(m.get("signature"), dict)
        expected_extra = {MANIFEST} | ({SIGNATURE_FILE} if signed else set())
        for extra in sorted(self._names(snapshot_id) - expected_extra - listed):
            problems.append(f"{snapshot_id}: unexpected file {extra}")
        problems.extend(self._signature_problems(info, signed, public_key))
        problems.extend(self._chain_problems(info, entries))
        problems.extend(self._medium_problems(info))
        return problems

    def _signature_problems(self, info: SnapshotInfo, signed: bool, public_key: Path | None) -> list[str]:
        sid = info.snapshot_id
        if not signed:
            return [f"{sid}: not signed, but a public key was given"] if public_key else []
        signature = self.read(sid, SIGNATURE_FILE)
        if signature is None:
            return [f"{sid}: {SIGNATURE_FILE} is missing (the manifest says it was signed)"]
        if public_key is None:
            return []
        wrong = verify_signature(self.read(sid, MANIFEST), signature, public_key)
        return [f"{sid}: {wrong}"] if wrong else []

    def _chain_problems(self, info: SnapshotInfo, entries: list[SnapshotInfo]) -> list[str]:
        m = info.manifest or {}
        sid = info.snapshot_id
        if m.get("sequence") != info.sequence:
            return [f"{sid}: manifest sequence {m.get('sequence')} does not match the folder"]
        twins = [s.snapshot_id for s in entries if s.sequence == info.sequence and s.snapshot_id != sid]
        if twins:  # two writers chained onto the same predecessor: the chain forked
            return [f"{sid}: shares sequence {info.sequence} with {', '.join(twins)} (the chain forked)"]
        earlier = [s for s in entries if s.sequence < info.sequence]
        prev_id = m.get("previous_snapshot_id")
        if prev_id is None:
            return [f"{sid}: names no previous snapshot, but {earlier[-1].snapshot_id} precedes it"] if earlier else []
        prev = next((s for s in earlier if s.snapshot_id == prev_id), None)
        if prev is None:
            return [f"{sid}: previous snapshot {prev_id} is missing from the chain"]
        if earlier[-1].snapshot_id != prev.snapshot_id or prev.sequence != info.sequence - 1:
            return [f"{sid}: the chain names {prev_id} as previous, the store has {earlier[-1].snapshot_id}"]
        prev_bytes = self.read(prev_id, MANIFEST)
        if prev_bytes is None or hashlib.sha256(prev_bytes).hexdigest() != m.get("previous_manifest_sha256"):
            return [f"{sid}: previous manifest {prev_id} does not match the chain hash"]
        return []

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

    def location(self, sid: str) -> Path:
        return self.root / sid if sid else self.root


class S3SnapshotStore(SnapshotStore):
    """Snapshots under s3://bucket/prefix/<id>/ in a bucket with Object Lock. Every object is
    uploaded once with its SHA-256 checksum (the server rejects a body that does not match) and
    COMPLIANCE retention of at least `retention_days`: the bucket's default retention when it
    covers that (so the writer needs no s3:PutObjectRetention, see infra/), else an explicit
    retention on the upload. The lock is read back before the snapshot counts as written. The manifest records each file's version id, and audit reads
    fetch exactly those versions; a manifest is read at its first version."""

    def __init__(self, uri: str, lock_file: Path, retention_days: int = DEFAULT_RETENTION_DAYS, client=None):
        parsed = urlparse(uri)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise SnapshotError(f"snapshot store {uri}: expected s3://bucket[/prefix]")
        super().__init__(lock_file, retention_days)
        self.uri, self.bucket = uri.rstrip("/"), parsed.netloc
        self.prefix = parsed.path.strip("/") + "/" if parsed.path.strip("/") else ""
        self._client = client
        self._default_days: int | None = None

    @property
    def client(self):
        if self._client is None:
            self._client = s3.client()
        return self._client

    def _call(self, what: str, fn, **kwargs):
        return s3.call(SnapshotError, f"snapshot store {self.uri}", what, fn, **kwargs)

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

    def location(self, sid: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{sid}/" if sid else self.uri

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


def open_store(spec: str | None, local_root: Path, retention_days: int = DEFAULT_RETENTION_DAYS) -> SnapshotStore:
    """`s3://bucket/prefix` -> S3SnapshotStore; empty -> the local folder under the home."""
    if spec and spec.startswith("s3://"):
        return S3SnapshotStore(spec, local_root / ".s3-store.lock", retention_days)
    return LocalSnapshotStore(Path(spec) if spec else local_root, retention_days)
