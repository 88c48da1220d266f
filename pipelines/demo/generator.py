"""A realistic, deterministic landing zone and catalog for the demo and the tests.

The same seed always gives the same bytes. The story it tells (see `INCIDENTS`): diurnal and
weekly traffic, health-check probes, an error burst, a latency regression shipped in one
version and rolled back, a maintenance window with an approved exclusion, a third-party outage,
a three-hour telemetry gap on one service, a sampled source, and a few malformed records that
must end up in quarantine.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

DEMO_START = dt.date(2026, 10, 1)
DEMO_DAYS = 36  # October complete, plus the first days of November (an open period)
MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class ServiceProfile:
    name: str
    rate_per_min: float  # requests per minute at the daily mean
    fmt: str  # jsonl.gz | jsonl | csv | parquet
    operations: tuple[str, ...]
    latency_median_ms: float
    sample_rate: float = 1.0
    epoch_ms: bool = False  # write timestamps as epoch milliseconds instead of RFC 3339


SERVICES = (
    ServiceProfile("checkout", 6.0, "jsonl.gz", ("/cart", "/checkout", "/confirm"), 120.0),
    ServiceProfile("payments", 4.0, "jsonl.gz", ("authorize", "capture", "refund"), 90.0),
    ServiceProfile("search", 12.0, "parquet", ("/search", "/suggest"), 60.0, sample_rate=0.25),
    ServiceProfile("catalog", 5.0, "csv", ("/product", "/category"), 45.0),
    ServiceProfile("auth", 8.0, "jsonl", ("/login", "/token", "/refresh"), 30.0, epoch_ms=True),
)


def _ts(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s)


# (service, start, end, kind, parameter): the incidents the demo's numbers must show.
INCIDENTS = (
    ("checkout", _ts("2026-10-14T13:00"), _ts("2026-10-14T13:40"), "error_burst", 0.5),
    ("checkout", _ts("2026-10-20T02:00"), _ts("2026-10-20T04:00"), "maintenance", 1.0),
    ("payments", _ts("2026-10-22T10:00"), _ts("2026-10-22T16:00"), "latency_regression", 4.0),
    ("payments", _ts("2026-11-03T14:00"), _ts("2026-11-03T14:30"), "third_party", 0.4),
    ("search", _ts("2026-11-02T09:10"), _ts("2026-11-02T09:25"), "error_burst", 0.3),
    ("catalog", _ts("2026-10-27T09:00"), _ts("2026-10-27T12:00"), "telemetry_gap", 0.0),
)

# (service, from, version): what is deployed. The regression above ships with payments v2.8.0.
DEPLOYS = (
    ("checkout", _ts("2026-01-01T00:00"), "v5.2.0"),
    ("checkout", _ts("2026-10-19T11:00"), "v5.3.0"),
    ("payments", _ts("2026-01-01T00:00"), "v2.7.3"),
    ("payments", _ts("2026-10-22T10:00"), "v2.8.0"),
    ("payments", _ts("2026-10-22T16:00"), "v2.7.3"),
    ("payments", _ts("2026-10-29T09:00"), "v2.8.1"),
    ("search", _ts("2026-01-01T00:00"), "v11.0.4"),
    ("catalog", _ts("2026-01-01T00:00"), "v3.1.0"),
    ("auth", _ts("2026-01-01T00:00"), "v8.4.2"),
    ("auth", _ts("2026-11-01T08:00"), "v8.5.0"),
)

PROBE_EVERY_S = 30
REGIONS = np.array(["eu-west-1", "us-east-1"])


def _diurnal(minute_of_day: np.ndarray, weekday: int) -> np.ndarray:
    hours = minute_of_day / 60.0
    shape = 0.35 + 1.25 * np.exp(-(((hours - 14.0) / 4.5) ** 2))
    return shape * (0.75 if weekday >= 5 else 1.0)


def _in_window(ts: np.ndarray, start: dt.datetime, end: dt.datetime) -> np.ndarray:
    return (ts >= np.datetime64(start, "ms")) & (ts < np.datetime64(end, "ms"))


def generate_day(profile: ServiceProfile, day: dt.date, rng: np.random.Generator) -> pa.Table:
    """One service's canonical request events (real traffic plus probes) for one UTC day."""
    minutes = np.arange(MINUTES_PER_DAY)
    lam = profile.rate_per_min * _diurnal(minutes, day.weekday()) * profile.sample_rate
    counts = rng.poisson(lam)
    minute_of_event = np.repeat(minutes, counts)
    n = minute_of_event.size
    day_start = np.datetime64(day.isoformat(), "ms")
    offsets_ms = minute_of_event.astype("int64") * 60_000 + rng.integers(0, 60_000, n)
    ts = day_start + offsets_ms.astype("timedelta64[ms]")

    # Probes: one every 30 s from the synthetic checker, always answered 200 quickly.
    probe_ts = day_start + (np.arange(0, 86_400, PROBE_EVERY_S) * 1000).astype("timedelta64[ms]")
    p = probe_ts.size

    status = rng.choice([200, 201, 204, 400, 404, 429], size=n, p=[0.9, 0.03, 0.04, 0.01, 0.015, 0.005])
    background_5xx = rng.random(n) < 0.0003
    status = np.where(background_5xx, rng.choice([500, 502, 503], size=n), status)
    latency = rng.lognormal(np.log(profile.latency_median_ms), 0.45, n)
    version = np.full(n, "", dtype=object)
    for svc, since, ver in DEPLOYS:
        if svc == profile.name:
            version[ts >= np.datetime64(since, "ms")] = ver
    keep = np.ones(n, dtype=bool)
    probe_keep = np.ones(p, dtype=bool)
    for svc, start, end, kind, param in INCIDENTS:
        if svc != profile.name:
            continue
        hit = _in_window(ts, start, end)
        if kind in ("error_burst", "third_party"):
            fail = hit & (rng.random(n) < param)
            status = np.where(fail, 503, status)
        elif kind == "maintenance":
            status = np.where(hit, 503, status)
        elif kind == "latency_regression":
            latency = np.where(hit & (version == "v2.8.0"), latency * param, latency)
        elif kind == "telemetry_gap":
            keep &= ~hit
            probe_keep &= ~_in_window(probe_ts, start, end)

    ops = rng.choice(np.array(profile.operations), size=n)
    regions = rng.choice(REGIONS, size=n)
    trace = [f"{a:016x}{b:016x}" for a, b in zip(rng.integers(0, 2**63, n), rng.integers(0, 2**63, n))]

    real = {
        "timestamp": ts[keep],
        "service": np.full(keep.sum(), profile.name, dtype=object),
        "operation": ops[keep],
        "status_code": status[keep].astype("int64"),
        "latency_ms": np.round(latency[keep], 3),
        "source": np.full(keep.sum(), "server", dtype=object),
        "region": regions[keep],
        "is_probe": np.zeros(keep.sum(), dtype=bool),
        "sample_rate": np.full(keep.sum(), profile.sample_rate),
        "version": version[keep],
        "trace_id": np.array(trace, dtype=object)[keep] if n else np.array([], dtype=object),
    }
    pn = int(probe_keep.sum())
    probe_version = np.full(p, "", dtype=object)
    for svc, since, ver in DEPLOYS:
        if svc == profile.name:
            probe_version[probe_ts >= np.datetime64(since, "ms")] = ver
    probes = {
        "timestamp": probe_ts[probe_keep],
        "service": np.full(pn, profile.name, dtype=object),
        "operation": np.full(pn, "/healthz", dtype=object),
        "status_code": np.full(pn, 200, dtype="int64"),
        "latency_ms": np.round(rng.lognormal(np.log(3.0), 0.2, pn), 3),
        "source": np.full(pn, "synthetic", dtype=object),
        "region": np.full(pn, "eu-west-1", dtype=object),
        "is_probe": np.ones(pn, dtype=bool),
        "sample_rate": np.ones(pn),
        "version": probe_version[probe_keep],
        "trace_id": np.full(pn, None, dtype=object),
    }
    cols = {k: np.concatenate([real[k], probes[k]]) for k in real}
    order = np.argsort(cols["timestamp"], kind="stable")
    cols = {k: v[order] for k, v in cols.items()}
    if profile.epoch_ms:
        ts_col = pa.array(cols["timestamp"].astype("datetime64[ms]").astype("int64"))
    else:
        ts_col = pa.array(np.datetime_as_string(cols["timestamp"], unit="ms").astype(object) + "Z")
    return pa.table({
        "timestamp": ts_col,
        "service": pa.array(cols["service"], pa.string()),
        "operation": pa.array(cols["operation"], pa.string()),
        "status_code": pa.array(cols["status_code"], pa.int64()),
        "latency_ms": pa.array(cols["latency_ms"], pa.float64()),
        "source": pa.array(cols["source"], pa.string()),
        "region": pa.array(cols["region"], pa.string()),
        "is_probe": pa.array(cols["is_probe"], pa.bool_()),
        "sample_rate": pa.array(cols["sample_rate"], pa.float64()),
        "version": pa.array(cols["version"], pa.string()),
        "trace_id": pa.array(cols["trace_id"], pa.string()),
    })


# Lines that must be quarantined, each for a reason a reader recognises.
BAD_LINES = (
    '{"timestamp": "2026-10-05T10:00:00Z", "operation": "/cart", "status_code": 200}',  # no service
    '{"timestamp": "yesterday at noon", "service": "checkout", "status_code": 200}',  # bad time
    '{"timestamp": "2026-10-05T10:00:01Z", "service": "checkout", "status_code": 200, "latency_ms": -4}',
    '{"timestamp": "2026-10-05T10:00:02Z", "service": "checkout", "status_code": 200, "sample_rate": 0}',
    '{"timestamp": "2026-10-05T10:00:03Z", "service": "checkout", "status_code": 200, "latency_ms": 1',
)


def write_table(table: pa.Table, path: Path, fmt: str, extra_lines: tuple[str, ...] = ()) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        pq.write_table(table, path)
    elif fmt == "csv":
        pacsv.write_csv(table, path)
    else:
        lines = [json.dumps({k: v for k, v in row.items() if v is not None}, separators=(",", ":")) for row in table.to_pylist()]
        lines.extend(extra_lines)
        data = ("\n".join(lines) + "\n").encode()
        if fmt == "jsonl.gz":
            # mtime=0 keeps the bytes identical for the same seed.
            with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                gz.write(data)
        else:
            path.write_bytes(data)


def generate_landing(landing: Path, seed: int = 7, start: dt.date = DEMO_START, days: int = DEMO_DAYS,
                     services: tuple[ServiceProfile, ...] = SERVICES, progress=None) -> dict[str, int]:
    """Write one file per service and day under `landing/<service>/`; return rows per service."""
    rows: dict[str, int] = {}
    for i in range(days):
        day = start + dt.timedelta(days=i)
        for s_idx, profile in enumerate(services):
            rng = np.random.default_rng([seed, day.toordinal(), s_idx])
            table = generate_day(profile, day, rng)
            bad = BAD_LINES if (profile.name == "checkout" and day == dt.date(2026, 10, 5)) else ()
            path = landing / profile.name / f"{profile.name}-{day.isoformat()}.{profile.fmt}"
            write_table(table, path, profile.fmt, bad)
            rows[profile.name] = rows.get(profile.name, 0) + table.num_rows + len(bad)
        if progress:
            progress(i + 1, days)
    return rows
