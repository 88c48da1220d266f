"""The lake of record on S3 (`SLM_LAKE=s3://bucket/prefix`), with the home's lake as its working copy.

Every machine that runs the pipeline keeps the lake's folder layout under its home: DuckDB and
dbt read local Parquet, and nothing below this module knows about S3. What is shared lives on S3,
under the same relative names:
- write-once (uploaded with `If-None-Match: *`, never replaced): landed files, quarantine files,
  ledger entries and prune records. A ledger entry is uploaded after its files, as it is written
  after them locally, so an entry on S3 always has its files there.
- derived (replaced, and removed when the working copy removed them): the day partitions, the
  fingerprints of read deliveries, and the Spark engine's tables, which Spark, Trino or Athena
  read from there.

One writer at a time: a writer holds the lake's lease, a numbered object claimed with
`If-None-Match: *` (as snapshot sequence numbers are), for the duration of its landing and
publishing. It pulls first (ledger, prune records, fingerprints, day partitions; landed files
only when a day is rebuilt from them), then pushes what it wrote. Push uploads whatever the
working copy has that S3 lacks, so a run killed before its push is made good by the next one.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import socket
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..core import s3
from ..core.processes import process_alive, process_start
from ..core.storage import atomic_path
from ..settings import Settings, lake_lease_minutes, lake_location
from .lake import Lake

WRITE_ONCE = ("files/", "quarantine/", "ledger/", "pruned/")
PULLED = ("ledger/", "pruned/", "events/", "incidents/", "deploys/", "fingerprints.json")  # what every run needs locally
DERIVED = ("events/", "incidents/", "deploys/", "fingerprints.json", "tables/")
LEASES = "_lease/"
TAKEN = ("PreconditionFailed", "ConditionalRequestConflict")


class RemoteLakeError(Exception):
    """S3 refused or failed: one line naming the lake and what was being done."""


class LakeBusy(RemoteLakeError):
    """Another pipeline holds the lake's lease."""


@dataclass
class SyncCounts:
    downloaded: int = 0
    uploaded: int = 0
    deleted: int = 0
    bytes: int = 0


def _md5(path: Path) -> str:
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(2**20), b""):
            h.update(block)
    return h.hexdigest()


class _Digests:
    """The MD5 of the working copy's files, remembered with their size, modification time and
    inode (every write here replaces a file, so a new version has a new inode): a sync hashes only
    what changed since the last one, not every day partition of the lake at each pull and push."""

    def __init__(self, lake: Lake):
        self.path = lake.root / ".md5.json"
        try:
            self.known: dict[str, list] = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.known = {}
        self.changed = False

    @staticmethod
    def _stamp(path: Path) -> list[int]:
        st = path.stat()
        return [st.st_size, st.st_mtime_ns, st.st_ino]

    def md5(self, name: str, path: Path) -> str:
        seen = self.known.get(name)
        stamp = self._stamp(path)
        if seen and seen[:3] == stamp:
            return seen[3]
        return self.remember(name, path, _md5(path))

    def remember(self, name: str, path: Path, digest: str) -> str:
        self.known[name] = [*self._stamp(path), digest]
        self.changed = True
        return digest

    def save(self, names) -> None:
        """Keep what is remembered of `names` (the files the working copy holds now)."""
        kept = {n: v for n, v in self.known.items() if n in names}
        if self.changed or len(kept) != len(self.known):
            with atomic_path(self.path) as tmp:
                tmp.write_text(json.dumps(kept))


def _local_names(lake: Lake) -> dict[str, Path]:
    """Relative name -> path of every file of the working copy that S3 keeps (no temporaries,
    locks, downloads in progress or the exported catalog)."""
    out = {}
    for prefix in WRITE_ONCE + DERIVED:
        base = lake.root / prefix
        if prefix.endswith("/"):
            if base.is_dir():
                out.update({p.relative_to(lake.root).as_posix(): p for p in base.rglob("*")
                            if p.is_file() and not p.name.startswith(".")})
        elif base.is_file():
            out[prefix] = base
    return out


class RemoteLake(s3.Location):
    error = RemoteLakeError

    def __init__(self, uri: str, client=None):
        self.uri = uri.rstrip("/")
        self._locate(uri, client)

    @property
    def where(self) -> str:
        return f"lake {self.uri}"

    def _listing(self, sub: str = "") -> dict[str, str]:
        """Relative name -> ETag (the MD5 of a single-part upload) of every object under the lake."""
        paginator = self.client.get_paginator("list_objects_v2")
        pages = self._call("listing", lambda **kw: list(paginator.paginate(**kw)),
                           Bucket=self.bucket, Prefix=self.prefix + sub)
        return {o["Key"][len(self.prefix):]: o["ETag"].strip('"') for page in pages for o in page.get("Contents", [])}

    # --- the lease ---------------------------------------------------------------------------------
    @contextmanager
    def lease(self, what: str, minutes: int | None = None) -> Iterator[dict]:
        """Hold the lake's one writer lease for the block; LakeBusy names who holds it instead.
        A lease past its expiry, or one of a process on this host that is gone, is taken over."""
        minutes = minutes or lake_lease_minutes()
        names = self._listing(LEASES)
        numbers = sorted(int(n[len(LEASES):-5]) for n in names if n.endswith(".json") and n[len(LEASES):-5].isdigit())
        last = numbers[-1] if numbers else 0
        if last and f"{LEASES}{last:06d}.released" not in names:
            holder = json.loads(self._get(f"{LEASES}{last:06d}.json"))
            if not self._lapsed(holder):
                raise LakeBusy(f"lake {self.uri} is being written by {holder['what']} (pid {holder['pid']} on "
                               f"{holder['host']}) since {holder['at']}, its lease until {holder['until']}: "
                               f"try again when it is done")
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        holder = {"what": what, "host": socket.gethostname(), "pid": os.getpid(), "started": process_start(os.getpid()),
                  "at": now.isoformat(), "until": (now + dt.timedelta(minutes=minutes)).isoformat(),
                  "number": last + 1}
        name = f"{LEASES}{last + 1:06d}"
        if not self._put_new(f"{name}.json", json.dumps(holder, indent=1).encode()):
            raise LakeBusy(f"lake {self.uri}: another pipeline took lease {last + 1} a moment ago: try again")
        try:
            yield holder
        finally:
            released = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
            self._put_new(f"{name}.released", released.isoformat().encode())

    @staticmethod
    def _lapsed(holder: dict) -> bool:
        if dt.datetime.fromisoformat(holder["until"]) < dt.datetime.now(dt.timezone.utc):
            return True
        return holder["host"] == socket.gethostname() and not process_alive(holder["pid"], holder.get("started", ""))

    # --- objects -----------------------------------------------------------------------------------
    def _get(self, name: str) -> bytes:
        return self._call(f"reading {name}", self.client.get_object, Bucket=self.bucket,
                          Key=self.prefix + name)["Body"].read()

    def _download(self, name: str, target: Path) -> int:
        with atomic_path(target) as tmp:
            self._call(f"downloading {name}", self.client.download_file, Bucket=self.bucket,
                       Key=self.prefix + name, Filename=str(tmp))
        return target.stat().st_size

    def _put_new(self, name: str, data: bytes | Path, md5_hex: str | None = None) -> bool:
        """Create `name` only if it does not exist (If-None-Match: *); False when it did. A path is
        streamed, not read into memory (`md5_hex`: its MD5, when known)."""
        from botocore.exceptions import BotoCoreError, ClientError

        md5 = (bytes.fromhex(md5_hex or _md5(data)) if isinstance(data, Path)
               else hashlib.md5(data, usedforsecurity=False).digest())
        try:
            with (open(data, "rb") if isinstance(data, Path) else nullcontext(data)) as body:
                self.client.put_object(Bucket=self.bucket, Key=self.prefix + name, Body=body, IfNoneMatch="*",
                                       ContentMD5=base64.b64encode(md5).decode())
            return True
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in TAKEN:
                return False
            raise RemoteLakeError(f"lake {self.uri}: upload of {name} failed: {code}: "
                                  f"{exc.response.get('Error', {}).get('Message')}") from None
        except BotoCoreError as exc:
            raise RemoteLakeError(f"lake {self.uri}: upload of {name} failed: {exc}") from None

    def _upload(self, name: str, path: Path, md5: str, once: bool) -> None:
        """One PUT (so the ETag is the MD5 the next sync compares), checked by S3 against the file's
        `md5` sent with it; a write-once object never replaces what S3 holds."""
        if once:
            self._put_new(name, path, md5)
            return
        with open(path, "rb") as body:
            self._call(f"upload of {name}", self.client.put_object, Bucket=self.bucket, Key=self.prefix + name,
                       Body=body, ContentMD5=base64.b64encode(bytes.fromhex(md5)).decode())

    # --- sync ----------------------------------------------------------------------------------------
    def fetch(self, lake: Lake, name: str) -> bool:
        """Download one object the working copy lacks (a landed file a day is rebuilt from)."""
        from botocore.exceptions import ClientError

        try:
            self._download(name, lake.root / name)
            return True
        except RemoteLakeError:
            try:
                self.client.head_object(Bucket=self.bucket, Key=self.prefix + name)
            except ClientError:
                return False
            raise

    # The derived objects this working copy last saw on S3: one of them missing on S3 now was
    # removed by another writer (removed here too); one missing here was removed here (removed on
    # S3 at the push). A derived file here that S3 never had is work not pushed yet: it stays.
    @staticmethod
    def _synced_path(lake: Lake) -> Path:
        return lake.root / ".synced.json"

    def _synced(self, lake: Lake) -> set[str]:
        path = self._synced_path(lake)
        return set(json.loads(path.read_text())) if path.exists() else set()

    def _save_synced(self, lake: Lake, names) -> None:
        """Record the derived objects S3 holds now (`names`: every object of the lake on S3)."""
        with atomic_path(self._synced_path(lake)) as tmp:
            tmp.write_text(json.dumps(sorted(n for n in names if n.startswith(DERIVED)), indent=0))

    def pull(self, lake: Lake, progress: Callable[[str], None] | None = None) -> SyncCounts:
        """Bring the working copy up to date: new ledger entries and prune records, the day
        partitions S3 has in another version (S3's wins) or no longer has, and the fingerprints
        merged."""
        counts = SyncCounts()
        remote = self._listing()
        local = _local_names(lake)
        digests = _Digests(lake)
        for name in sorted(self._synced(lake) - set(remote)):
            if name in local and name.startswith(PULLED):
                local.pop(name).unlink()
                counts.deleted += 1
        for name, etag in sorted(remote.items()):
            if not name.startswith(PULLED) or name == "fingerprints.json":
                continue
            # what differs from S3 is taken from S3: a day another writer republished, or a ledger
            # entry whose race to S3 another writer won (the first entry stands)
            if name in local and digests.md5(name, local[name]) == etag:
                continue
            counts.bytes += self._download(name, lake.root / name)
            counts.downloaded += 1
            if len(etag) == 32:  # a single-part upload's ETag is the MD5 of what was just downloaded
                digests.remember(name, lake.root / name, etag)
        if "fingerprints.json" in remote:
            theirs = json.loads(self._get("fingerprints.json"))
            mine = lake.fingerprints()
            if any(mine.get(k) != v for k, v in theirs.items()):
                lake.save_fingerprints({**mine, **theirs})
                counts.downloaded += 1
        self._save_synced(lake, remote)
        digests.save(set(local) | set(remote))  # what the working copy holds now, without walking it again
        if progress and (counts.downloaded or counts.deleted):
            progress(f"pulled {counts.downloaded} object(s), {counts.bytes:,} bytes, from {self.uri}"
                     + (f"; removed {counts.deleted} it no longer has" if counts.deleted else ""))
        return counts

    def push(self, lake: Lake, progress: Callable[[str], None] | None = None,
             prefixes: tuple[str, ...] = WRITE_ONCE + PULLED) -> SyncCounts:
        """Upload what S3 lacks or has in another version: files and quarantine before ledger
        entries; derived objects the working copy removed since the last sync (a pruned day) are
        removed from S3, and so are a pruned file's landed files. The Spark tables go only when
        named (`publish_tables`): then S3 keeps exactly this copy's tables."""
        counts = SyncCounts()
        remote = self._listing()
        everything = _local_names(lake)
        local = {n: p for n, p in everything.items() if n.startswith(prefixes)}
        digests = _Digests(lake)
        order = {"files/": 0, "quarantine/": 0, "pruned/": 1, "ledger/": 2}
        for name in sorted(local, key=lambda n: (order.get(n.split("/", 1)[0] + "/", 3), n)):
            once = name.startswith(WRITE_ONCE)
            if name in remote and once:
                continue
            digest = digests.md5(name, local[name])  # remembered: the next pull compares it unread
            if name in remote and digest == remote[name]:
                continue
            self._upload(name, local[name], digest, once)
            counts.uploaded += 1
            counts.bytes += local[name].stat().st_size
        pruned, synced = lake.pruned(), self._synced(lake)
        stale = [n for n in remote if n.startswith(prefixes) and n not in local and (
            (n.startswith(DERIVED) and (n in synced or (n.startswith("tables/") and prefixes == ("tables/",))))
            or (n.startswith(("files/", "quarantine/")) and Path(n).stem in pruned))]
        for name in stale:
            self._call(f"removing {name}", self.client.delete_object, Bucket=self.bucket, Key=self.prefix + name)
            counts.deleted += 1
        self._save_synced(lake, (set(remote) | set(local)) - set(stale))  # what S3 holds now, without listing it again
        digests.save(everything)
        if progress and (counts.uploaded or counts.deleted):
            progress(f"pushed {counts.uploaded} object(s), {counts.bytes:,} bytes, to {self.uri}"
                     + (f"; removed {counts.deleted} derived object(s)" if counts.deleted else ""))
        return counts


def remote_lake() -> RemoteLake | None:
    """The lake of record when `SLM_LAKE` names one."""
    uri = lake_location()
    return RemoteLake(uri) if uri else None


@contextmanager
def writing(settings: Settings, what: str, progress: Callable[[str], None] | None = None) -> Iterator[Lake]:
    """The home's lake for a writer. With `SLM_LAKE`: under the lake's lease, pulled first and
    pushed after the block succeeds (a failed block's work is pushed by the next writer)."""
    remote = remote_lake()
    if remote is None:
        yield Lake(settings.lake)
        return
    lake = Lake(settings.lake, remote=remote)
    with remote.lease(what):
        remote.pull(lake, progress)
        yield lake
        remote.push(lake, progress)


def reading(settings: Settings) -> Lake:
    """The home's lake for a reader: landed files missing here are fetched from `SLM_LAKE`."""
    return Lake(settings.lake, remote=remote_lake())


def publish_tables(settings: Settings, progress: Callable[[str], None] | None = None) -> None:
    """With `SLM_LAKE`: the Spark engine's tables (the marts as Parquet) mirrored onto the lake,
    under the lease, for Spark, Trino or Athena to read from S3."""
    remote = remote_lake()
    if remote is not None:
        with remote.lease("publishing the Spark tables"):
            remote.push(Lake(settings.lake, remote=remote), progress, prefixes=("tables/",))


@contextmanager
def landing_step(settings: Settings, progress: Callable[[str], None] | None = None) -> Iterator[Lake]:
    """The home's lake for one of a run's parallel landing steps, each perhaps on a machine of its
    own. With `SLM_LAKE`: pulled, then its landed files, quarantine and ledger entries pushed.
    Those are write-once objects, so steps need no lease; the derived objects (day partitions,
    fingerprints) are left to the step that publishes, which holds it."""
    remote = remote_lake()
    lake = Lake(settings.lake, remote=remote)
    if remote is not None:
        remote.pull(lake, progress)
    yield lake
    if remote is not None:
        remote.push(lake, progress, prefixes=WRITE_ONCE)
