"""Benchmark: ingest of N canonical events (default 10 M) as JSONL.gz and as Parquet, next to a
bare DuckDB read of the same files as the baseline.

    .venv/bin/python benchmarks/ingest.py [--events 10000000] [--files 10]

Prints, per format, the file sizes, the wall time and throughput of the ingest stage (parse,
validate, quarantine, land by hash) and of DuckDB reading the same files into an aggregate, and
the peak RSS of this process. Files are written in pieces of `--events / --files` events and
streamed; no stage holds a whole file in memory.
"""

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.ingest import Lake, land  # noqa: E402


def table(n: int, offset: int, rng: np.random.Generator) -> pa.Table:
    base = np.datetime64("2026-10-01T00:00:00", "ms")
    ts = base + np.sort(rng.integers(0, 10 * 86_400_000, n)).astype("timedelta64[ms]")
    return pa.table({
        "timestamp": pa.array(np.datetime_as_string(ts, unit="ms", timezone="UTC")),
        "service": pa.array(np.array(["checkout", "search", "payments"])[rng.integers(0, 3, n)]),
        "operation": pa.array(np.full(n, "GET /api")),
        "status_code": pa.array(np.where(rng.random(n) < 0.01, 503, 200).astype(np.int32)),
        "latency_ms": pa.array(rng.gamma(2.0, 40.0, n)),
        "trace_id": pa.array([f"t{offset + i}" for i in range(n)]),
    })


def write_files(folder: Path, events: int, files: int, fmt: str) -> None:
    rng = np.random.default_rng(7)
    per = events // files
    con = duckdb.connect()
    for i in range(files):
        t = table(per, i * per, rng)
        path = folder / "bench" / f"part-{i:03d}.{fmt}"
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "parquet":
            pq.write_table(t, path)
        else:
            con.register("t", t)
            con.execute(f"copy t to '{path}' (format json, compression gzip)")
            con.unregister("t")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--files", type=int, default=10)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="slm-ingest-bench-"))
    try:
        for fmt, reader in (("jsonl.gz", "read_json"), ("parquet", "read_parquet")):
            landing = root / fmt / "landing"
            write_files(landing, args.events, args.files, fmt)
            size = sum(p.stat().st_size for p in landing.rglob("*.*")) / 2**20
            t0 = time.perf_counter()
            with duckdb.connect() as con:
                n = con.execute(f"select count(*), sum(latency_ms) from {reader}('{landing}/bench/*.{fmt}')").fetchone()[0]
            bare = time.perf_counter() - t0
            t0 = time.perf_counter()
            report = land(Lake(root / fmt / "lake"), str(landing))
            ours = time.perf_counter() - t0
            landed = sum(e.rows_landed for e in report.landed)
            assert landed == n == args.files * (args.events // args.files), (landed, n)
            print(f"{fmt:>8}: {size:8.1f} MiB  ingest {ours:7.1f} s ({landed / ours:,.0f} events/s)  "
                  f"DuckDB bare read {bare:6.1f} s ({n / bare:,.0f} events/s)  peak RSS {peak_mib():,.0f} MiB")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
