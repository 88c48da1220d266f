"""Where raw telemetry arrives: a local folder or `s3://bucket/prefix`, behind one small interface.

S3 goes through boto3's standard configuration (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_REGION, profiles), so any S3-compatible store works. A file is named by
its path relative to the landing root (POSIX, keys as they are, spaces and unicode included); the
first folder of that path names the service for formats that carry none. Hidden files and folders
(a part starting with '.') are skipped, as are S3 folder markers.
"""

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

from ..core import s3


class LandingError(Exception):
    """The landing location itself cannot be read (missing folder, bucket, credentials)."""


@dataclass(frozen=True)
class LandingFile:
    rel: str        # path relative to the landing root
    size: int
    version: str    # changes whenever the content may have: mtime (local) or ETag (S3)
    location: str   # absolute path or s3://bucket/key

    @property
    def fingerprint(self) -> str:
        """What identifies this delivery without reading it; the ledger caches its hash by it."""
        return f"{self.location}|{self.size}|{self.version}"


def _visible(rel: str) -> bool:
    return bool(rel) and not any(part.startswith(".") for part in rel.split("/"))


class LocalLanding:
    def __init__(self, root: str):
        self.uri = root
        self.root = Path(root)

    def files(self) -> list[LandingFile]:
        if not self.root.is_dir():
            raise LandingError(f"landing folder {self.uri} does not exist or is not a folder")
        out = []
        for p in sorted(self.root.rglob("*")):
            rel = p.relative_to(self.root).as_posix()
            if p.is_file() and _visible(rel):
                st = p.stat()
                out.append(LandingFile(rel, st.st_size, str(st.st_mtime_ns), str(p)))
        return out

    @contextlib.contextmanager
    def local_copy(self, f: LandingFile, scratch: Path) -> Iterator[Path]:
        yield Path(f.location)


class S3Landing:
    def __init__(self, uri: str):
        parsed = urlparse(uri)
        if not parsed.netloc:
            raise LandingError(f"landing {uri}: expected s3://bucket[/prefix]")
        self.uri = uri
        self.bucket = parsed.netloc
        self.prefix = parsed.path.lstrip("/")
        if self.prefix and not self.prefix.endswith("/"):
            self.prefix += "/"
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = s3.client()
        return self._client

    def _call(self, what: str, fn, **kwargs):
        return s3.call(LandingError, f"landing {self.uri}", what, fn, **kwargs)

    def files(self) -> list[LandingFile]:
        out = []
        paginator = self.client.get_paginator("list_objects_v2")
        pages = self._call("listing", lambda **kw: list(paginator.paginate(**kw)),
                           Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for obj in page.get("Contents", []):
                key = obj["Key"]
                rel = key[len(self.prefix):]
                if key.endswith("/") or not _visible(rel):
                    continue
                out.append(LandingFile(rel, obj["Size"], obj["ETag"].strip('"'), f"s3://{self.bucket}/{key}"))
        return sorted(out, key=lambda f: f.rel)

    @contextlib.contextmanager
    def local_copy(self, f: LandingFile, scratch: Path) -> Iterator[Path]:
        """Stream the object to a scratch file (never held in memory), removed afterwards."""
        scratch.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=scratch, prefix=f".download.{os.getpid()}.", suffix=".tmp")
        os.close(fd)
        try:
            key = self.prefix + f.rel
            self._call(f"download of {key}", self.client.download_file,
                       Bucket=self.bucket, Key=key, Filename=name)
            yield Path(name)
        finally:
            Path(name).unlink(missing_ok=True)


def open_landing(uri: str) -> LocalLanding | S3Landing:
    if uri.startswith("s3://"):
        return S3Landing(uri)
    if "://" in uri:
        raise LandingError(f"landing {uri}: only local folders and s3:// locations are supported")
    return LocalLanding(uri)
