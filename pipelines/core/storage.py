"""File primitives every stage shares: atomic replace and a lock between writers.

Readers (dbt, BI, auditors) must never see a half-written file, so everything is written to a
temporary name in the same folder and renamed into place.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from .processes import process_alive

# atomic_path's temporary names carry the writer's pid: .<target name>.<pid>.<random>.tmp
_TEMPORARY = re.compile(r"^\..+\.(\d+)\.[a-z0-9_]+\.tmp$")


@contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target` in one rename."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_parquet_atomic(table: pa.Table, target: str | os.PathLike) -> None:
    with atomic_path(target) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def write_bytes_atomic(data: bytes, target: str | os.PathLike) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_bytes_once(data: bytes, target: str | os.PathLike) -> bool:
    """Create `target` with `data` unless it exists: complete (written beside it, then linked into
    place) or not at all; False when another writer created it first."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.link(tmp, target)
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(tmp)


@contextmanager
def exclusive_lock(lock_file: str | os.PathLike) -> Iterator[None]:
    """Serialise writers across processes (two backfill runs may start together)."""
    lock_file = Path(lock_file)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def temporary_owner(path: Path) -> int | None:
    """The pid that wrote an atomic_path temporary file (None: not one)."""
    m = _TEMPORARY.match(path.name)
    return int(m.group(1)) if m else None


def remove_abandoned(paths: Iterable[Path], owner: Callable[[Path], int | None]) -> list[Path]:
    """Remove the temporary files and staging folders among `paths` whose writing process is
    gone (a killed run's leftovers); those of live processes, and anything without an owner,
    stay. Returns what was removed."""
    removed = []
    for path in paths:
        pid = owner(path)
        if pid is None or process_alive(pid):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed
