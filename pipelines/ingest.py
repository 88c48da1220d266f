"""Ingest: landing files -> content-addressed landed files -> daily Parquet partitions.

Two layers, so that both promises hold:
- per file (`lake/files/<sha256>.parquet`, `lake/quarantine/`, `lake/ledger/`): every landing
  file is read once, by content hash; rows read = rows landed + rows quarantined, always. The
  same bytes delivered again land nothing; a file whose name returns with new content is
  landed as a correction that supersedes the earlier version (both are kept).
- per day (`lake/events/day=YYYY-MM-DD/events.parquet`): rebuilt from the landed files that
  touch that day, written to a temporary name and renamed, so a re-run replaces exactly that
  partition and no reader ever sees half of one.
Never overwrites or deletes a landed file, a quarantine file or a ledger entry.
"""


import csv
import datetime as dt
import gzip
import io
import json
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .adapters import ACCESS_RE, ALB_LINE_RE, access_log_rows, alb_rows, otlp_rows, prometheus_rows
from .landing import LandingError, LandingFile, open_landing
from .partitions import daily_partitions
from .policies import retry_if_transient
from .resources import SlmResource
from .storage import atomic_path, exclusive_lock, sha256_file, write_bytes_atomic

CANONICAL_FIELDS = (
    "timestamp", "service", "operation", "status_code", "outcome", "latency_ms",
    "source", "region", "is_probe", "sample_rate", "version", "trace_id",
)
BATCH_ROWS = 200_000

LANDED_SCHEMA = pa.schema([
    ("event_ts", pa.timestamp("us")),
    ("day", pa.date32()),
    ("service", pa.string()),
    ("operation", pa.string()),
    ("status_code", pa.int32()),
    ("outcome", pa.string()),
    ("latency_ms", pa.float64()),
    ("source", pa.string()),
    ("region", pa.string()),
    ("is_probe", pa.bool_()),
    ("sample_rate", pa.float64()),
    ("version", pa.string()),
    ("trace_id", pa.string()),
    ("file_sha256", pa.string()),
    ("line", pa.int64()),
])
QUARANTINE_SCHEMA = pa.schema([
    ("file_sha256", pa.string()),
    ("file", pa.string()),
    ("line", pa.int64()),
    ("reason", pa.string()),
    ("raw", pa.string()),
])
RAW_SCHEMA = pa.schema([(f, pa.string()) for f in CANONICAL_FIELDS] + [
    ("_line", pa.int64()), ("_raw", pa.string()), ("_error", pa.string()),
])


# What a damaged file raises while being read (truncated gzip, corrupt Parquet, bad encoding).
UNREADABLE = (OSError, EOFError, ValueError, pa.ArrowException, duckdb.Error, csv.Error)


# A problem with the landing location itself (not with a record: those are quarantined).
IngestError = LandingError


@dataclass
class LedgerEntry:
    file_sha256: str
    path: str
    size: int
    format: str
    rows_read: int
    rows_landed: int
    rows_quarantined: int
    days: list[str]
    landed_at: str
    supersedes: str | None = None
    location: str | None = None  # where it was read from (a folder path or s3://bucket/key)


@dataclass
class LandingReport:
    landed: list[LedgerEntry] = field(default_factory=list)
    already_landed: int = 0

    @property
    def corrections(self) -> list[LedgerEntry]:
        return [e for e in self.landed if e.supersedes]


# --- formats ----------------------------------------------------------------------------------
def _open_bytes(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(4096)


FORMATS = ("jsonl", "jsonl.gz", "csv", "csv.gz", "parquet", "otlp", "prometheus", "access_log", "alb")


def detect_format(path: Path) -> str:
    """By content where the content decides (JSON documents, log lines), else by extension."""
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    head = _open_bytes(path)
    if head.startswith(b"PAR1"):
        return "parquet"
    gz = head.startswith(b"\x1f\x8b")
    if gz:
        try:
            with gzip.open(path, "rb") as f:
                head = f.read(4096)
        except UNREADABLE:
            head = b""
    text = head.lstrip()
    first = text.split(b"\n", 1)[0].decode("utf-8", "replace")
    compact = re.sub(rb"\s+", b"", text)
    if compact.startswith(b'{"resourceSpans"'):
        return "otlp"
    if compact.startswith((b'{"status":', b'{"data":')) and b'"resultType":' in compact:
        return "prometheus"
    if text.startswith(b"{"):
        return "jsonl.gz" if gz else "jsonl"
    if ALB_LINE_RE.match(first):
        return "alb"
    if ACCESS_RE.match(first):
        return "access_log"
    lowered = first.lower()
    if "," in lowered and "timestamp" in lowered and "service" in lowered:
        return "csv.gz" if gz else "csv"
    for ext, fmt in ((".jsonl.gz", "jsonl.gz"), (".ndjson.gz", "jsonl.gz"), (".json.gz", "jsonl.gz"),
                     (".csv.gz", "csv.gz"), (".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "jsonl"),
                     (".csv", "csv")):
        if name.endswith(ext):
            return fmt
    return "unknown"


def _text_lines(path: Path, gz: bool) -> Iterator[str]:
    raw = gzip.open(path, "rb") if gz else open(path, "rb")
    with raw, io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="") as f:
        for line in f:
            yield line.rstrip("\r\n")


def _batches(rows: Iterable[dict], size: int = BATCH_ROWS) -> Iterator[pa.Table]:
    buf: list[dict] = []
    try:
        for row in rows:
            buf.append(row)
            if len(buf) >= size:
                yield pa.Table.from_pylist(buf, schema=RAW_SCHEMA)
                buf = []
    except UNREADABLE:
        if buf:  # what was read before the damage still lands
            yield pa.Table.from_pylist(buf, schema=RAW_SCHEMA)
        raise
    if buf:
        yield pa.Table.from_pylist(buf, schema=RAW_SCHEMA)


def _jsonl_batches(path: Path, gz: bool) -> Iterator[pa.Table]:
    """Lines are cut in Python (exact line numbers); JSON is parsed by DuckDB, a batch at a time."""
    con = duckdb.connect()
    paths = ", ".join(f"'$.{f}'" for f in CANONICAL_FIELDS)  # one parse per line, all fields
    fields = ", ".join(f"_v[{i}] as \"{f}\"" for i, f in enumerate(CANONICAL_FIELDS, start=1))
    # Invalid JSON becomes NULL before any JSON function sees it (they raise on bad input).
    query = f"""
        with valid as (
            select _line, _raw, case when json_valid(_raw) then _raw end as _json from lines
        ),
        objects as (
            select *, case when json_type(_json) = 'OBJECT' then _json end as _obj from valid
        )
        select {fields}, _line, _raw,
            case when _json is null then 'not valid JSON'
                 when _obj is null then 'a JSON line must be an object' end as _error
        from (select *, json_extract_string(_obj, [{paths}]) as _v from objects)
    """
    try:
        def flush(nums: list[int], texts: list[str]) -> pa.Table:
            con.register("lines", pa.table({"_line": pa.array(nums, pa.int64()), "_raw": pa.array(texts, pa.string())}))
            out = con.sql(query).to_arrow_table()
            con.unregister("lines")
            return out.cast(RAW_SCHEMA)

        nums: list[int] = []
        texts: list[str] = []
        try:
            for n, line in enumerate(_text_lines(path, gz), start=1):
                if not line.strip():
                    continue  # blank lines are not records
                nums.append(n)
                texts.append(line)
                if len(nums) >= BATCH_ROWS:
                    yield flush(nums, texts)
                    nums, texts = [], []
        except UNREADABLE:
            if nums:  # what was read before the damage still lands
                yield flush(nums, texts)
            raise
        if nums:
            yield flush(nums, texts)
    finally:
        con.close()


def _csv_rows(path: Path, gz: bool) -> Iterator[dict]:
    lines = _text_lines(path, gz)
    reader = csv.reader(lines)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return
    for n, values in enumerate(reader, start=2):
        if not values:
            continue
        row = {"_line": n, "_raw": ",".join(values), "_error": None}
        if len(values) != len(header):
            row["_error"] = f"expected {len(header)} fields as in the header, got {len(values)}"
        else:
            rec = dict(zip(header, values))
            for f in CANONICAL_FIELDS:
                v = rec.get(f)
                row[f] = v if v not in (None, "") else None
        yield row


def _parquet_batches(path: Path) -> Iterator[pa.Table]:
    pf = pq.ParquetFile(path)
    line = 0
    for batch in pf.iter_batches(batch_size=BATCH_ROWS):
        n = batch.num_rows
        cols = {}
        for f in CANONICAL_FIELDS:
            if f in batch.schema.names:
                col = batch.column(f)
                if pa.types.is_timestamp(col.type):
                    # Naive Parquet timestamps are taken as UTC, like naive RFC 3339 strings.
                    col = col.cast(pa.timestamp("us", tz=col.type.tz or "UTC")).cast(pa.string())
                cols[f] = col.cast(pa.string())
            else:
                cols[f] = pa.nulls(n, pa.string())
        cols["_line"] = pa.array(range(line + 1, line + n + 1), pa.int64())
        cols["_raw"] = pa.nulls(n, pa.string())
        cols["_error"] = pa.nulls(n, pa.string())
        line += n
        yield pa.table(cols, schema=RAW_SCHEMA)


def _read_text(path: Path) -> str:
    raw = gzip.open(path, "rb") if _open_bytes(path).startswith(b"\x1f\x8b") else open(path, "rb")
    with raw:
        return raw.read().decode("utf-8", errors="replace")


def raw_batches(path: Path, fmt: str, service: str | None = None) -> Iterator[pa.Table]:
    """`service` names the records of formats that carry none (the landing path's first folder)."""
    gz = _open_bytes(path).startswith(b"\x1f\x8b")
    if fmt == "access_log":
        yield from _batches(access_log_rows(_text_lines(path, gz), service))
    elif fmt == "alb":
        yield from _batches(alb_rows(_text_lines(path, gz), service))
    elif fmt == "otlp":  # JSON documents are read whole: OTLP exports are split into files by the exporter
        yield from _batches(otlp_rows(_read_text(path)))
    elif fmt == "prometheus":
        yield from _batches(prometheus_rows(_read_text(path), service))
    elif fmt in ("jsonl", "jsonl.gz"):
        yield from _jsonl_batches(path, fmt.endswith(".gz"))
    elif fmt in ("csv", "csv.gz"):
        yield from _batches(_csv_rows(path, fmt.endswith(".gz")))
    elif fmt == "parquet":
        yield from _parquet_batches(path)
    else:
        rows = ({"_line": n, "_raw": line[:2000], "_error": "unrecognised file format"}
                for n, line in enumerate(_text_lines(path, gz), start=1))
        yield from _batches(rows)


# One place that decides what a valid canonical record is; the reason names the field.
VALIDATE_SQL = """
with parsed as (
    select *,
        case when regexp_full_match(trim("timestamp"), '-?[0-9]+')
             then epoch_ms(cast(trim("timestamp") as bigint))
             else try_cast(try_cast(trim("timestamp") as timestamptz) as timestamp) end as _ts,
        try_cast(status_code as double) as _status,
        try_cast(latency_ms as double) as _latency,
        try_cast(sample_rate as double) as _rate,
        try_cast(is_probe as boolean) as _probe
    from raw
),
checked as (
    select *,
        case
            when _error is not null then _error
            when "timestamp" is null then 'missing field timestamp'
            when _ts is null then 'timestamp: ' || "timestamp" || ' is neither RFC 3339 nor epoch milliseconds'
            when nullif(trim(service), '') is null then 'missing field service'
            when status_code is null and outcome is null then 'needs status_code or outcome'
            when status_code is not null and (_status is null or _status <> floor(_status))
                then 'status_code: ' || status_code || ' is not an integer'
            when _status is not null and (_status < 100 or _status > 599)
                then 'status_code: ' || status_code || ' is outside 100-599'
            when outcome is not null and outcome not in ('ok', 'error', 'timeout')
                then 'outcome: ' || outcome || ' is not ok, error or timeout'
            when latency_ms is not null and _latency is null then 'latency_ms: ' || latency_ms || ' is not a number'
            when _latency < 0 or isnan(_latency) then 'latency_ms: ' || latency_ms || ' is negative'
            when sample_rate is not null and (_rate is null or not (_rate > 0 and _rate <= 1))
                then 'sample_rate: ' || sample_rate || ' is outside (0, 1]'
            when is_probe is not null and _probe is null then 'is_probe: ' || is_probe || ' is not a boolean'
        end as _reason
    from parsed
)
"""


def _validated(con: duckdb.DuckDBPyConnection, batch: pa.Table, sha: str, rel: str) -> tuple[pa.Table, pa.Table]:
    con.register("raw", batch)
    try:
        con.execute("create or replace temp table checked_batch as " + VALIDATE_SQL + " select * from checked")
        landed = con.sql("""
            select _ts as event_ts, cast(_ts as date) as day, trim(service) as service,
                   nullif(operation, '') as operation, cast(_status as integer) as status_code,
                   nullif(outcome, '') as outcome, _latency as latency_ms,
                   coalesce(nullif(source, ''), 'server') as source, nullif(region, '') as region,
                   coalesce(_probe, false) as is_probe, coalesce(_rate, 1.0) as sample_rate,
                   nullif(version, '') as version, nullif(trace_id, '') as trace_id,
                   ? as file_sha256, _line as line
            from checked_batch where _reason is null order by _line
        """, params=[sha]).to_arrow_table().cast(LANDED_SCHEMA)
        bad = con.sql("""
            select ? as file_sha256, ? as file, _line as line, _reason as reason,
                   coalesce(_raw, to_json(struct_pack(
                       "timestamp", service, operation, status_code, outcome, latency_ms,
                       source, region, is_probe, sample_rate, version, trace_id))::varchar) as raw
            from checked_batch where _reason is not null order by _line
        """, params=[sha, rel]).to_arrow_table().cast(QUARANTINE_SCHEMA)
    finally:
        con.unregister("raw")
    return landed, bad


# --- the lake -----------------------------------------------------------------------------------
class Lake:
    """The lake folder layout and the ingest ledger that lives in it."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.files = self.root / "files"
        self.quarantine = self.root / "quarantine"
        self.ledger_dir = self.root / "ledger"
        self.events = self.root / "events"

    def lock(self):
        return exclusive_lock(self.root / ".ingest.lock")

    def ledger(self) -> list[LedgerEntry]:
        if not self.ledger_dir.exists():
            return []
        entries = [LedgerEntry(**json.loads(p.read_text())) for p in sorted(self.ledger_dir.glob("*.json"))]
        return sorted(entries, key=lambda e: (e.landed_at, e.file_sha256))

    def active(self) -> list[LedgerEntry]:
        """The newest landed version of every landing path (corrections supersede), unless
        retention has pruned it."""
        latest: dict[str, LedgerEntry] = {}
        for e in self.ledger():
            latest[e.path] = e
        gone = self.pruned()
        return sorted((e for e in latest.values() if e.file_sha256 not in gone), key=lambda e: e.path)

    @property
    def pruned_dir(self) -> Path:
        return self.root / "pruned"

    def pruned(self) -> set[str]:
        """Content hashes of landed files deleted by lake retention (their ledger entries stay)."""
        return {p.stem for p in self.pruned_dir.glob("*.json")} if self.pruned_dir.exists() else set()

    def partition_path(self, day: str) -> Path:
        return self.events / f"day={day}" / "events.parquet"

    # Hashes of deliveries already read, by fingerprint (location, size, mtime or ETag), so that a
    # run over a large landing zone, or an S3 bucket, reads only what is new.
    @property
    def fingerprints_path(self) -> Path:
        return self.root / "fingerprints.json"

    def fingerprints(self) -> dict[str, str]:
        p = self.fingerprints_path
        return json.loads(p.read_text()) if p.exists() else {}

    def save_fingerprints(self, known: dict[str, str]) -> None:
        write_bytes_atomic(json.dumps(known, indent=0, sort_keys=True).encode(), self.fingerprints_path)


def land_file(lake: Lake, path: Path, rel: str, sha: str, supersedes: str | None,
              location: str | None = None, fmt: str | None = None) -> LedgerEntry:
    fmt = fmt or detect_format(path)
    service = rel.split("/", 1)[0] if "/" in rel else None
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    read = landed_n = bad_n = 0
    days: set[str] = set()
    lake.files.mkdir(parents=True, exist_ok=True)
    lake.quarantine.mkdir(parents=True, exist_ok=True)
    with atomic_path(lake.files / f"{sha}.parquet") as good_tmp, atomic_path(lake.quarantine / f"{sha}.parquet") as bad_tmp:
        with pq.ParquetWriter(good_tmp, LANDED_SCHEMA, compression="zstd") as good_w, \
             pq.ParquetWriter(bad_tmp, QUARANTINE_SCHEMA, compression="zstd") as bad_w:
            batches, last_line = raw_batches(path, fmt, service), 0
            while True:
                try:
                    batch = next(batches)
                except StopIteration:
                    break
                except UNREADABLE as exc:
                    # Keep what was read before the damage; the rest is one quarantined record.
                    reason = f"file unreadable after line {last_line}: {type(exc).__name__}: {exc}"
                    bad_w.write_table(pa.Table.from_pylist(
                        [{"file_sha256": sha, "file": rel, "line": last_line + 1, "reason": reason[:500], "raw": None}],
                        schema=QUARANTINE_SCHEMA))
                    read += 1
                    bad_n += 1
                    break
                landed, bad = _validated(con, batch, sha, rel)
                read += batch.num_rows
                landed_n += landed.num_rows
                bad_n += bad.num_rows
                last_line = pc.max(batch["_line"]).as_py() or last_line
                if landed.num_rows:
                    good_w.write_table(landed)
                    days.update(d.isoformat() for d in pc.unique(landed["day"]).to_pylist())
                if bad.num_rows:
                    bad_w.write_table(bad)
    con.close()
    if read != landed_n + bad_n:  # the promise this stage exists for
        raise AssertionError(f"{rel}: read {read} != landed {landed_n} + quarantined {bad_n}")
    entry = LedgerEntry(
        file_sha256=sha, path=rel, size=path.stat().st_size, format=fmt, rows_read=read,
        rows_landed=landed_n, rows_quarantined=bad_n, days=sorted(days),
        landed_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds"), supersedes=supersedes,
        location=location,
    )
    # The ledger entry is written last: a file without one was never landed and is retried.
    write_bytes_atomic(json.dumps(asdict(entry), indent=1).encode(), lake.ledger_dir / f"{sha}.json")
    return entry


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


def format_for(rel: str, formats: dict[str, str] | None) -> str | None:
    """The format set for a landing path (longest matching path prefix), else None: detect it."""
    matches = [p for p in (formats or {}) if rel.startswith(p)]
    return formats[max(matches, key=len)] if matches else None


def land(lake: Lake, landing: str, progress=None, formats: dict[str, str] | None = None) -> LandingReport:
    """Land every landing file not landed before (by content). Safe to call any number of times.
    `formats` maps landing path prefixes to a format, for files whose content does not tell."""
    source = open_landing(landing)
    files = source.files()
    report = LandingReport()
    with lake.lock():
        known = {e.file_sha256 for e in lake.ledger()}
        by_path = {e.path: e for e in lake.active()}
        fingerprints = lake.fingerprints()
        try:
            for i, f in enumerate(files, start=1):
                sha = fingerprints.get(f.fingerprint)
                if sha is not None and sha in known:
                    report.already_landed += 1
                else:
                    with source.local_copy(f, lake.root / ".incoming") as local:
                        sha = sha256_file(local)
                        delivery = _classify(f, sha, known, by_path)
                        if delivery.status == "already landed":
                            report.already_landed += 1
                        else:
                            entry = land_file(lake, local, f.rel, sha, delivery.supersedes,
                                              location=f.location, fmt=format_for(f.rel, formats))
                            known.add(sha)
                            by_path[f.rel] = entry
                            report.landed.append(entry)
                    fingerprints[f.fingerprint] = sha
                if progress:
                    progress(i, len(files), f.rel)
        finally:
            lake.save_fingerprints(fingerprints)
    return report


def publish_day(lake: Lake, day: str, active: list[LedgerEntry] | None = None) -> int:
    """Rebuild one day's partition from the active landed files; return its row count.

    Pass `active` (from `lake.active()`) when publishing many days, to read the ledger once."""
    active = lake.active() if active is None else active
    sources = [str(lake.files / f"{e.file_sha256}.parquet") for e in active if day in e.days]
    target = lake.partition_path(day)
    con = duckdb.connect()
    try:
        with atomic_path(target) as tmp:
            if sources:
                con.execute(
                    f"copy (select * from read_parquet(?) where day = cast(? as date) "
                    f"order by event_ts, file_sha256, line) to '{_sql_path(tmp)}' (format parquet, compression zstd)",
                    [sources, day],
                )
            else:
                # An empty partition still says "this day was processed and had no telemetry".
                pq.write_table(LANDED_SCHEMA.empty_table(), tmp)
        return pq.ParquetFile(target).metadata.num_rows
    finally:
        con.close()


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def landed_days(lake: Lake) -> list[str]:
    return sorted({d for e in lake.active() for d in e.days})


def days_in(window: dg.TimeWindow) -> list[str]:
    day, out = window.start.date(), []
    while day < window.end.date():
        out.append(day.isoformat())
        day += dt.timedelta(days=1)
    return out


@dg.asset(
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"python", "parquet"},
    group_name="ingest",
)
def landed_events(context: dg.AssetExecutionContext, slm: SlmResource) -> dg.MaterializeResult:
    """Canonical request events, one Parquet file per UTC day, built from the landing zone.

    Lands every landing file not seen before (by content hash; bad records to quarantine), then
    rebuilds exactly the day partitions of this run, each replaced atomically."""
    settings = slm.settings()
    lake = Lake(settings.lake)
    try:
        report = land(lake, settings.landing, formats=settings.formats)
    except Exception as exc:
        retry_if_transient(context, exc)  # e.g. S3 throttled or timed out
        raise
    for e in report.landed:
        context.log.info(f"landed {e.path}: {e.rows_read} read = {e.rows_landed} landed + {e.rows_quarantined} quarantined")
    days = days_in(context.partition_time_window)
    active = lake.active()
    rows = {day: publish_day(lake, day, active) for day in days}
    context.log.info(f"published {len(days)} day partition(s), {sum(rows.values())} events")
    return dg.MaterializeResult(metadata={
        "landing": settings.landing,
        "files_landed": len(report.landed),
        "files_already_landed": report.already_landed,
        "rows_read": sum(e.rows_read for e in report.landed),
        "rows_landed": sum(e.rows_landed for e in report.landed),
        "rows_quarantined": sum(e.rows_quarantined for e in report.landed),
        "events_published": sum(rows.values()),
        "events_by_day": dg.MetadataValue.json(rows),
    })
