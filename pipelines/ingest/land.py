"""Landing: every landing file not landed before (by content hash) read once into the lake.

The same bytes delivered again land nothing; a file whose name returns with new content is
landed as a correction that supersedes the earlier version (both are kept). Rows read = rows
landed + rows quarantined, for every file, or the file does not land at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import multiprocessing
import shutil
import tempfile
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..core.events import DEPLOY_FORMATS, INCIDENT_FORMATS, LANDED_SCHEMA, QUARANTINE_SCHEMA
from ..core.hashing import sha256_file
from ..core.storage import atomic_path, remove_abandoned, temporary_owner, write_bytes_once
from ..settings import engine_config, ingest_workers, plausible_timestamps
from .formats import UNREADABLE, detect_format, format_for, raw_batches
from .deploys import land_deploys
from .incidents import INCIDENT_SCHEMA, land_incidents
from .lake import Lake, LedgerEntry
from .land_in_engine import Steps, landed_in_engine
from .landing import LandingFile, open_landing
from .validate import validated


@dataclass
class LandingReport:
    landed: list[LedgerEntry] = field(default_factory=list)
    already_landed: int = 0
    abandoned: int = 0  # temporary files of killed runs removed before landing
    skipped: list[tuple[str, str]] = field(default_factory=list)  # landing entries left out, and why
    read: dict[str, str] = field(default_factory=dict)  # fingerprint -> content hash of files read

    @property
    def corrections(self) -> list[LedgerEntry]:
        return [e for e in self.landed if e.supersedes]


def land_file(lake: Lake, path: Path, rel: str, sha: str, supersedes: str | None,
              location: str | None = None, fmt: str | None = None, share: int = 1) -> LedgerEntry | None:
    """Land one file; None when another writer (a parallel step, another run) landed the same
    bytes first: its ledger entry stands, this one is not written. `share`: how many files land
    at once, dividing DuckDB's memory limit."""
    fmt = fmt or detect_format(path)
    lake.files.mkdir(parents=True, exist_ok=True)
    lake.quarantine.mkdir(parents=True, exist_ok=True)
    with atomic_path(lake.files / f"{sha}.parquet") as good_tmp, atomic_path(lake.quarantine / f"{sha}.parquet") as bad_tmp:
        if fmt in INCIDENT_FORMATS:
            try:
                read, landed_n, bad_n, days = land_incidents(path, fmt, sha, rel, good_tmp, bad_tmp)
            except UNREADABLE as exc:  # a damaged file of incidents: one quarantined record
                pq.write_table(INCIDENT_SCHEMA.empty_table(), good_tmp)
                pq.write_table(pa.Table.from_pylist([{"file_sha256": sha, "file": rel, "line": 1, "raw": None,
                                                      "reason": f"file unreadable: {type(exc).__name__}: {exc}"[:500]}],
                                                    schema=QUARANTINE_SCHEMA), bad_tmp)
                read, landed_n, bad_n, days = 1, 0, 1, set()
        elif fmt in DEPLOY_FORMATS:
            read, landed_n, bad_n, days = land_deploys(path, fmt, sha, rel, good_tmp, bad_tmp)
        else:
            read, landed_n, bad_n, days = land_events(path, fmt, rel, sha, good_tmp, bad_tmp, share)
    if read != landed_n + bad_n:  # the promise this stage exists for
        raise AssertionError(f"{rel}: read {read} != landed {landed_n} + quarantined {bad_n}")
    entry = LedgerEntry(
        file_sha256=sha, path=rel, size=path.stat().st_size, format=fmt, rows_read=read,
        rows_landed=landed_n, rows_quarantined=bad_n, days=sorted(days),
        landed_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds"), supersedes=supersedes,
        location=location,
    )
    # The ledger entry is written last, and once: a file without one was never landed and is
    # retried; of two writers that landed the same bytes at once, the first entry counts.
    if not write_bytes_once(json.dumps(asdict(entry), indent=1).encode(), lake.ledger_dir / f"{sha}.json"):
        return None
    return entry


def land_events(path: Path, fmt: str, rel: str, sha: str, good_tmp: Path, bad_tmp: Path,
                share: int = 1) -> tuple[int, int, int, set[str]]:
    """Read one telemetry file into `good_tmp` (LANDED_SCHEMA) and `bad_tmp` (quarantine), batch by
    batch: (read, landed, quarantined, the days of its landed events). Landing's engine work on a
    file, without the ledger (benchmarks/floor.py times it alone)."""
    con = duckdb.connect(config=engine_config(share))
    con.execute("set TimeZone = 'UTC'")
    plausible = plausible_timestamps()
    read = landed_n = bad_n = 0
    days: set[str] = set()
    try:
        with pq.ParquetWriter(good_tmp, LANDED_SCHEMA, compression="zstd") as good_w, \
             pq.ParquetWriter(bad_tmp, QUARANTINE_SCHEMA, compression="zstd") as bad_w:
            steps = landed_in_engine(con, path, fmt, sha, rel, plausible) or _read_exactly(con, path, fmt, rel, sha, plausible)
            for n, landed, bad in steps:
                read += n
                landed_n += landed.num_rows
                bad_n += bad.num_rows
                if landed.num_rows:
                    good_w.write_table(landed)
                    days.update(d.isoformat() for d in pc.unique(landed["day"]).to_pylist())
                if bad.num_rows:
                    bad_w.write_table(bad)
    finally:
        con.close()
    return read, landed_n, bad_n, days


def _read_exactly(con: duckdb.DuckDBPyConnection, path: Path, fmt: str, rel: str, sha: str,
                  plausible: tuple[dt.datetime, dt.datetime]) -> Steps:
    """The file's records through its format's reader, whatever the file holds: a batch at a time
    as (read, landed, quarantined)."""
    service = rel.split("/", 1)[0] if "/" in rel else None
    batches, last_line = raw_batches(path, fmt, service), 0
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except Exception as exc:  # UNREADABLE (damaged gzip, bad encoding) and any reader failure
            # Keep what was read before the damage (or before a reader met a shape it cannot
            # handle); the rest is one quarantined record. One bad file never stops the others.
            reason = f"file unreadable after line {last_line}: {type(exc).__name__}: {exc}"
            yield 1, LANDED_SCHEMA.empty_table(), pa.Table.from_pylist(
                [{"file_sha256": sha, "file": rel, "line": last_line + 1, "reason": reason[:500], "raw": None}],
                schema=QUARANTINE_SCHEMA)
            return
        try:
            landed, bad = validated(con, batch, sha, rel, plausible)
        except duckdb.Error as exc:  # a value the rules did not foresee: the batch waits in quarantine
            landed, bad = LANDED_SCHEMA.empty_table(), _quarantined(batch, sha, rel, f"not validated: {exc}")
        last_line = pc.max(batch["_line"]).as_py() or last_line
        yield batch.num_rows, landed, bad


def _quarantined(batch: pa.Table, sha: str, rel: str, reason: str) -> pa.Table:
    n = batch.num_rows
    return pa.table({"file_sha256": [sha] * n, "file": [rel] * n, "line": batch["_line"],
                     "reason": [reason.splitlines()[0][:500]] * n, "raw": batch["_raw"]}, schema=QUARANTINE_SCHEMA)


@dataclass
class Delivery:
    """One landing file as a run sees it, before anything is written."""
    file: LandingFile
    sha256: str | None     # None: not read (a dry run over S3 that would need a download)
    status: str            # new | correction | already landed
    supersedes: str | None = None


def _classify(f: LandingFile, sha: str | None, known: set[str], by_path: dict[str, LedgerEntry]) -> Delivery:
    """The one rule: known bytes are already landed; a known path with new bytes is a correction."""
    if sha is not None and sha in known:
        return Delivery(f, sha, "already landed")
    previous = by_path.get(f.rel)
    if previous is not None:
        return Delivery(f, sha, "correction", previous.file_sha256)
    return Delivery(f, sha, "new")


def plan(lake: Lake, landing: str, read_new: bool = True, progress=None) -> list[Delivery]:
    """What landing `landing` now would do, file by file, without writing to the lake."""
    source = open_landing(landing)
    files = source.files()
    known_hashes = {e.file_sha256 for e in lake.ledger()}
    by_path = {e.path: e for e in lake.active()}
    fingerprints = lake.fingerprints()
    out = []
    scratch = Path(tempfile.mkdtemp(prefix="slm-plan-"))  # a dry run writes nothing in the lake
    for i, f in enumerate(files, start=1):
        sha = fingerprints.get(f.fingerprint)
        if sha is None and read_new:
            with source.local_copy(f, scratch) as local:
                sha = sha256_file(local)
        out.append(_classify(f, sha, known_hashes, by_path))
        if progress:
            progress(i, len(files), f.rel)
    shutil.rmtree(scratch, ignore_errors=True)
    return out


# Below this many bytes of new files, files land one after another: starting a worker process
# (spawned, so no DuckDB thread is forked) costs about a second.
PARALLEL_BYTES = 64 * 2**20


@dataclass
class _Landing:
    """One new file on its way into the lake: its local copy lives until it has landed."""
    file: LandingFile
    sha256: str
    copy: contextlib.ExitStack
    result: Future | LedgerEntry | None


def land(lake: Lake, landing: str, progress=None, formats: dict[str, str] | None = None,
         workers: int | None = None, parallel_bytes: int = PARALLEL_BYTES,
         only: set[str] | None = None) -> LandingReport:
    """Land every landing file not landed before (by content). Safe to call any number of times,
    and from several processes at once: each landing path is read by one of them, each content
    hash gets one ledger entry, and the fingerprints of all of them are kept. `formats` maps
    landing path prefixes to a format, for files whose content does not tell; `only` limits the
    call to those landing paths (one step of a landing run as parallel steps).

    New files land `workers` at a time (default: `ingest_workers()`, one per core) when they add up
    to `parallel_bytes` or more: the Python half of landing (decompressing, cutting lines) is single
    threaded. Each file's outcome is the same as landing it alone; the report keeps listing order."""
    source = open_landing(landing)
    files = [f for f in source.files() if only is None or f.rel in only]
    report = LandingReport(skipped=list(source.skipped) if only is None else [])
    with lake.lock():  # a consistent view of the ledger; landing itself runs beside other writers
        report.abandoned = len(remove_abandoned(lake.root.rglob(".*.tmp"), temporary_owner))
        known = {e.file_sha256 for e in lake.ledger()}
        by_path = {e.path: e for e in lake.active()}
        fingerprints = lake.fingerprints()
    seen: dict[str, str] = {}  # fingerprint -> content hash, of this call's files
    new_bytes = sum(f.size for f in files if fingerprints.get(f.fingerprint) not in known)
    workers = workers or ingest_workers()
    pool = (ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
            if workers > 1 and new_bytes >= parallel_bytes else None)
    in_flight: list[_Landing] = []
    done = 0

    def finish(item: _Landing) -> None:
        nonlocal done
        try:
            entry = item.result.result() if isinstance(item.result, Future) else item.result
        finally:
            item.copy.close()
        if entry is None:  # landed by another writer meanwhile
            report.already_landed += 1
        else:
            by_path[item.file.rel] = entry
            report.landed.append(entry)
        seen[item.file.fingerprint] = item.sha256
        done += 1
        if progress:
            progress(done, len(files), item.file.rel)

    try:
        for f in files:
            sha = fingerprints.get(f.fingerprint)
            if sha is None or sha not in known:
                copy = contextlib.ExitStack()
                local = copy.enter_context(source.local_copy(f, lake.root / ".incoming"))
                with contextlib.ExitStack() as on_error:
                    on_error.callback(copy.close)
                    sha = sha256_file(local)
                    delivery = _classify(f, sha, known, by_path)
                    if delivery.status != "already landed":
                        known.add(sha)
                        args = (lake, local, f.rel, sha, delivery.supersedes, f.location,
                                format_for(f.rel, formats), workers if pool else 1)
                        in_flight.append(_Landing(f, sha, copy, pool.submit(land_file, *args) if pool
                                                  else land_file(*args)))
                        on_error.pop_all()  # the copy now lives until its file has landed
                if delivery.status != "already landed":
                    while len(in_flight) >= (workers if pool else 1):
                        finish(in_flight.pop(0))
                    continue
                seen[f.fingerprint] = sha
            report.already_landed += 1
            done += 1
            if progress:
                progress(done, len(files), f.rel)
        while in_flight:
            finish(in_flight.pop(0))
    finally:
        if pool:
            pool.shutdown(wait=True, cancel_futures=True)
        for item in in_flight:
            item.copy.close()
        remember(lake, seen)
        report.read = seen
    return report


def remember(lake: Lake, fingerprints: dict[str, str]) -> None:
    """Add deliveries read (fingerprint -> content hash) to the lake's, beside other writers'."""
    if fingerprints:
        with lake.lock():
            known = lake.fingerprints()
            if any(known.get(k) != v for k, v in fingerprints.items()):
                lake.save_fingerprints({**known, **fingerprints})
