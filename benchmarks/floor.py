"""Benchmark (issue 15): what the engine's own work costs, against the bare DuckDB pass.

    .venv/bin/python benchmarks/engine.py --keep --whole-run-only   # prints: kept /tmp/slm-engine-bench-XXXX
    .venv/bin/python benchmarks/floor.py /tmp/slm-engine-bench-XXXX

Over the landing files and the home that `engine.py --keep` left, each figure measured the way
engine.py measures (wall time, the peak memory of the process tree):

1. the bare pass: engine.py's baseline over the same files, first and last (it varies by the hour;
   one untimed pass before warms the page cache);
2. landing's engine steps alone: each file hashed, read, numbered and judged by DuckDB, and its
   landed rows written to Parquet, by the very functions `slm ingest` calls, as many files at a
   time as it lands (one per core); no ledger, no partitions, no Dagster, no dbt;
3. `slm ingest` of the same files into a new lake: landing with its bookkeeping;
4. the models of the home's build alone: each table and incremental model's compiled SQL
   (from the build's run_results.json) run by DuckDB into a table of a copy of the home's
   warehouse, one after the other on every core; no dbt, no data tests.

(2) + (4) is the floor the engine sets: what the run's data costs with no framework around it. A
run pays it and, besides, about the fixed cost of an empty run (engine.py), however the Python
around the engine is tuned.
"""

import argparse
import json
import multiprocessing
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

import duckdb  # noqa: E402
from engine import BASELINE, measure, slm  # noqa: E402

from pipelines.core.hashing import sha256_file  # noqa: E402
from pipelines.ingest.formats.detect import detect_format  # noqa: E402
from pipelines.ingest.land import land_events  # noqa: E402
from pipelines.settings import engine_config, ingest_workers  # noqa: E402


def land_one(path: str, out: str) -> int:
    """One file through landing's engine steps (`ingest.land`): hashed, judged, written."""
    source = Path(path)
    sha = sha256_file(source)
    read, landed, quarantined, _ = land_events(source, detect_format(source), source.name, sha,
                                               Path(out) / f"{sha}.parquet", Path(out) / f"{sha}.bad.parquet",
                                               share=ingest_workers())
    assert read == landed + quarantined, path
    return landed


def land_all(out: str, files: list[str]) -> None:
    """Every file through landing's engine steps, as many at a time as `slm ingest` lands."""
    with ProcessPoolExecutor(ingest_workers(), mp_context=multiprocessing.get_context("spawn")) as pool:
        landed = sum(pool.map(land_one, files, [out] * len(files)))
    print(landed)


def models_alone(home: Path, run: Path, scratch: Path) -> list[tuple[str, float, float]]:
    """(model, seconds alone in DuckDB, seconds in the build) of each table or incremental model
    of the home's build `run` (its run_results.json), run in build order on a copy of the
    warehouse it left."""
    results = json.loads(run.read_text())["results"]
    nodes = json.loads((home / "dbt" / "manifest.json").read_text())["nodes"]
    shutil.copy(home / "warehouse.duckdb", scratch / "warehouse.duckdb")
    con = duckdb.connect(str(scratch / "warehouse.duckdb"), config=engine_config())  # the compiled SQL names it
    con.execute("set TimeZone = 'UTC'")
    timed = []
    for result in results:
        node = nodes.get(result["unique_id"], {})
        if node.get("resource_type") != "model" or node["config"]["materialized"] not in ("table", "incremental"):
            continue  # a view's query is paid by the models that read it
        start = time.perf_counter()
        con.execute(f"create table main.floor_alone as {result['compiled_code']}")
        con.execute("checkpoint")  # stored as the build stores it
        timed.append((node["name"], time.perf_counter() - start, result["execution_time"]))
        con.execute("drop table main.floor_alone")
    con.close()
    return timed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("work", type=Path, help="the folder `engine.py --keep` left")
    ap.add_argument("--top", type=int, default=8, help="how many of the slowest models to list")
    args = ap.parse_args()
    landing, home = args.work / "landing" / "all", args.work / "home"
    files = sorted(str(p) for p in landing.iterdir()) if landing.is_dir() else []
    if not files or not (home / "dbt" / "runs").is_dir():
        sys.exit(f"{args.work}: not a folder kept by `benchmarks/engine.py --keep` (landing/all, home/dbt/runs)")
    builds = list((home / "dbt" / "runs").glob("*/run_results.json"))
    if len(builds) != 1:  # a later build leaves the warehouse in a state the first build's SQL did not read
        sys.exit(f"{home}: {len(builds)} dbt builds; keep the home of one whole run (`engine.py --keep --whole-run-only`)")
    scratch = Path(tempfile.mkdtemp(prefix="slm-floor-bench-"))
    try:
        print(f"{len(files)} files under {landing}")
        # untimed: the files and DuckDB's library into the page cache, as they are when engine.py
        # measures (a cold first pass took 6.6 and 11.6 s against 2.7 and 3.5 s right after)
        measure([sys.executable, "-c", BASELINE, *files])
        base = measure([sys.executable, "-c", BASELINE, *files])
        print(f"1. bare DuckDB group by service, minute:  {base[0]:6.1f} s  {base[1]:5.2f} GiB")
        (scratch / "landed").mkdir()
        engine = measure([sys.executable, __file__, "--land", str(scratch / "landed"), *files])
        print(f"2. landing's engine steps, {ingest_workers()} at a time: {engine[0]:6.1f} s  {engine[1]:5.2f} GiB  "
              f"({engine[0] / base[0]:.1f}x the bare pass; exit {engine[2]})")
        ingest = measure(slm("ingest", "--landing", str(args.work / "landing"), "--home", str(scratch / "home")))
        print(f"3. slm ingest of the same files:         {ingest[0]:6.1f} s  {ingest[1]:5.2f} GiB  "
              f"({ingest[0] / base[0]:.1f}x; exit {ingest[2]})")
        shutil.rmtree(scratch / "landed")
        shutil.rmtree(scratch / "home")
        timed = models_alone(home, builds[0], scratch)
        alone = sum(t for _, t, _ in timed)
        print(f"4. the build's {len(timed)} table models alone: {alone:6.1f} s  "
              f"({alone / base[0]:.1f}x; {sum(b for _, _, b in timed):.1f} s of node time in the build, on its threads)")
        for name, took, built in sorted(timed, key=lambda t: -t[1])[:args.top]:
            print(f"     {name:42s} {took:6.2f} s alone, {built:6.2f} s in the build")
        again = measure([sys.executable, "-c", BASELINE, *files])  # the bare pass varies by the hour
        print(f"5. the bare pass again:                   {again[0]:6.1f} s  {again[1]:5.2f} GiB")
        floor, fast, slow = engine[0] + alone, min(base[0], again[0]), max(base[0], again[0])
        print(f"the engine's floor, (2) + (4): {floor:.1f} s = {floor / slow:.1f}x to {floor / fast:.1f}x "
              f"the bare pass (the issue's bound, 3x: {3 * fast:.1f} to {3 * slow:.1f} s, before any fixed cost)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--land"]:
        land_all(sys.argv[2], sys.argv[3:])
    else:
        main()
