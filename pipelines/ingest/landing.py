"""Where raw telemetry arrives: a local folder or `s3://bucket/prefix`, behind one small interface.

S3 goes through boto3's standard configuration (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_REGION, profiles), so any S3-compatible store works. A file is named by
its path relative to the landing root (POSIX, keys as they are, spaces and unicode included); the
first folder of that path names the service for formats that carry none. Hidden files and folders
(a part starting with '.'), S3 folder markers, symbolic links that lead out of the landing folder
(or to a folder), and what is not a regular file (a pipe would block the reader) are skipped and
listed in `skipped` with the reason. A file name that is not UTF-8 lands under its bytes escaped.
"""

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

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


def _printable(rel: str) -> str:
    """A path as text that can be stored anywhere: bytes that are not UTF-8 escaped as \\xNN."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _why_skipped(path: Path, real_root: str) -> str | None:
    if path.name.startswith("."):
        return "hidden"
    if path.is_symlink():
        target = os.path.realpath(path)
        if os.path.commonpath([real_root, target]) != real_root:
            return "symbolic link to outside the landing folder: not followed"
        if os.path.isdir(target):
            return "symbolic link to a folder: not followed (its files are listed where they are)"
        if not os.path.isfile(target):
            return "symbolic link to nothing readable"
        return None
    if path.is_dir():
        return None
    if not path.is_file():
        return "not a regular file (a pipe, socket or device)"
    return None


class LocalLanding:
    def __init__(self, root: str):
        self.uri = root
        self.root = Path(root)
        self.skipped: list[tuple[str, str]] = []  # (path, why) of what the last listing left out

    def files(self) -> list[LandingFile]:
        if not self.root.is_dir():
            raise LandingError(f"landing folder {self.uri} does not exist or is not a folder")
        out, self.skipped = [], []
        real_root = os.path.realpath(self.root)
        for folder, dirs, names in os.walk(self.root):  # never into linked folders
            for name in sorted(dirs + names):
                path = Path(folder) / name
                rel = _printable(path.relative_to(self.root).as_posix())
                why = _why_skipped(path, real_root)
                if why:
                    self.skipped.append((rel, why))
                    if name in dirs:
                        dirs.remove(name)
                elif name in names:
                    st = path.stat()
                    out.append(LandingFile(rel, st.st_size, str(st.st_mtime_ns), str(path)))
        self.skipped.sort()
        return sorted(out, key=lambda f: f.rel)

    @contextlib.contextmanager
    def local_copy(self, f: LandingFile, scratch: Path) -> Iterator[Path]:
        yield Path(f.location)


class S3Landing(s3.Location):
    error = LandingError

    def __init__(self, uri: str):
        self.uri = uri
        self._locate(uri)
        self.skipped: list[tuple[str, str]] = []

    @property
    def where(self) -> str:
        return f"landing {self.uri}"

    def files(self) -> list[LandingFile]:
        out, self.skipped = [], []
        paginator = self.client.get_paginator("list_objects_v2")
        pages = self._call("listing", lambda **kw: list(paginator.paginate(**kw)),
                           Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for obj in page.get("Contents", []):
                key = obj["Key"]
                rel = key[len(self.prefix):]
                if key.endswith("/"):
                    continue
                if not _visible(rel):
                    self.skipped.append((rel, "hidden"))
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
