"""Benchmark (issue 15): `slm run` against a bare DuckDB pass over the same files, side by side.

    .venv/bin/python benchmarks/engine.py [--events 10000000] [--days 30] [--services 50] [--format jsonl.gz]

Generates `--events` canonical events over `--days` UTC days (one file per day) for `--services`
services, and a catalog of two SLOs per service (a 28-day availability SLO and a calendar-month
latency SLO) and one contract. Then, each in a fresh process, measured the same way (wall time and
the peak resident memory of the whole process tree, sampled every 0.2 s):

1. baseline: DuckDB reading the files and counting good / total per service and minute;
2. `slm run` over every day, from an empty home;
3. one new day on that home (`--start/--end` that day) and the same day alone in an empty home;
4. an empty run: the same catalog over as many events as services (the fixed cost of a run).

Prints each figure and the ratios the issue asks about; paste the table into benchmarks/README.md.
"""

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
# the history ends the day before yesterday: ingest quarantines timestamps after tomorrow
START: dt.date


def day_table(day: dt.date, n: int, services: int, rng: np.random.Generator) -> pa.Table:
    base = np.datetime64(day.isoformat(), "ms")
    ts = base + np.sort(rng.integers(0, 86_400_000, n)).astype("timedelta64[ms]")
    names = np.array([f"svc-{i:03d}" for i in range(services)])
    return pa.table({
        "timestamp": pa.array(np.datetime_as_string(ts, unit="ms", timezone="UTC")),
        "service": pa.array(names[rng.integers(0, services, n)]),
        "operation": pa.array(np.full(n, "GET /api")),
        "status_code": pa.array(np.where(rng.random(n) < 0.002, 503, 200).astype(np.int32)),
        "latency_ms": pa.array(np.round(rng.gamma(2.0, 40.0, n), 3)),
        "trace_id": pa.array(np.char.add("t", np.arange(n).astype(str)).astype(object)),
    })


def write_landing(landing: Path, per_day: int, first: dt.date, days: int, services: int, fmt: str) -> list[Path]:
    """One file per day, `per_day` events each, under `landing/all/`."""
    rng = np.random.default_rng(first.toordinal())
    con = duckdb.connect()
    paths = []
    for i in range(days):
        day = first + dt.timedelta(days=i)
        path = landing / "all" / f"events-{day}.{fmt}"
        path.parent.mkdir(parents=True, exist_ok=True)
        con.register("t", day_table(day, per_day, services, rng))
        if fmt == "parquet":
            con.execute(f"copy t to '{path}' (format parquet)")
        else:
            con.execute(f"copy t to '{path}' (format json, compression gzip)")
        con.unregister("t")
        paths.append(path)
    return paths


def write_catalog(folder: Path, services: int) -> None:
    docs = [textwrap.dedent("""\
        apiVersion: openslo/v1
        kind: SLI
        metadata: {name: http-success}
        spec:
          ratioMetric:
            counter: true
            good: {metricSource: {type: warehouse, spec: {filter: "status_code < 500"}}}
            total: {metricSource: {type: warehouse, spec: {filter: "true"}}}""")]
    for i in range(services):
        name = f"svc-{i:03d}"
        docs.append(f"apiVersion: openslo/v1\nkind: Service\nmetadata: {{name: {name}}}\nspec: {{}}")
        docs.append(textwrap.dedent(f"""\
            apiVersion: openslo/v1
            kind: SLO
            metadata: {{name: {name}-availability}}
            spec:
              service: {name}
              indicatorRef: http-success
              timeWindow: [{{duration: 28d, isRolling: true}}]
              budgetingMethod: Occurrences
              objectives: [{{target: 0.999}}]"""))
        docs.append(textwrap.dedent(f"""\
            apiVersion: openslo/v1
            kind: SLO
            metadata: {{name: {name}-latency}}
            spec:
              service: {name}
              indicator:
                metadata: {{name: {name}-fast}}
                spec:
                  thresholdMetric:
                    metricSource: {{type: warehouse, spec: {{field: latency_ms, filter: "true"}}}}
              timeWindow: [{{duration: 1M, isRolling: false, calendar: {{startTime: "2026-01-01 00:00:00", timeZone: UTC}}}}]
              budgetingMethod: Occurrences
              objectives: [{{op: lte, value: 300, target: 0.99}}]"""))
    docs.append(textwrap.dedent("""\
        apiVersion: slm/v1
        kind: Contract
        metadata: {name: bench-contract}
        spec:
          customer: Bench
          slo: svc-000-availability
          period: month
          fee: {amount: 10000, currency: USD}
          creditTiers: [{below: 99.9, creditPercent: 10}]"""))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalog.yaml").write_text("\n---\n".join(docs) + "\n")


def tree_rss(root: int) -> dict[int, int]:
    """Resident bytes of a process and each of its descendants, by pid, read from /proc (Linux)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            parents[int(entry.name)] = int(fields[1])
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        children = [pid for pid, ppid in parents.items() if ppid in frontier and pid not in tree]
        tree.update(children)
        frontier = children
    return {pid: rss[pid] for pid in tree if pid in rss}


def command(pid: int) -> str:
    """A process's command line, shortened to what tells the processes of a run apart."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    words = [Path(a.decode(errors="replace")).name for a in args if a][:3]
    return " ".join(words)[:60]


# the processes of the latest measure() at its peak: (command, GiB), largest first
PEAK_PROCESSES: list[tuple[str, float]] = []


def measure(cmd: list[str], env: dict | None = None) -> tuple[float, float, int]:
    """(wall seconds, peak RSS of the process tree in GiB, exit code) of one command; which
    processes held that peak is left in PEAK_PROCESSES."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak, done = 0, threading.Event()
    PEAK_PROCESSES.clear()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            by_pid = tree_rss(proc.pid)
            if sum(by_pid.values()) > peak:
                peak = sum(by_pid.values())
                PEAK_PROCESSES[:] = sorted(((command(pid), rss / 2**30) for pid, rss in by_pid.items()),
                                           key=lambda item: -item[1])
            time.sleep(0.2)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    _, err = proc.communicate()
    done.set()
    watcher.join()
    if proc.returncode != 0:
        print(err[-3000:], file=sys.stderr)
    return time.perf_counter() - start, peak / 2**30, proc.returncode


def peak_processes() -> str:
    return ", ".join(f"{name} {gib:.2f}" for name, gib in PEAK_PROCESSES if gib >= 0.05)


BASELINE = """
import duckdb, sys
con = duckdb.connect()
reader = "read_parquet" if sys.argv[1].endswith(".parquet") else "read_json_auto"
rows = con.execute(f'''
    select service, date_trunc('minute', cast("timestamp" as timestamp)) as minute,
           count(*) filter (where status_code < 500) as good, count(*) as total
    from {reader}(?) group by all''', [sys.argv[1:]]).fetchall()
print(len(rows))
"""


def slm(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "slm"), *args]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--services", type=int, default=50)
    ap.add_argument("--format", choices=("jsonl.gz", "parquet"), default="jsonl.gz")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    ap.add_argument("--whole-run-only", action="store_true", help="stop after the run over every day")
    args = ap.parse_args()
    global START
    START = dt.date.today() - dt.timedelta(days=args.days + 2)
    work = Path(tempfile.mkdtemp(prefix="slm-engine-bench-"))
    env = {**os.environ, "SLM_RETRIES": "0"}
    try:
        t0 = time.perf_counter()
        per_day = args.events // args.days
        files = write_landing(work / "landing", per_day, START, args.days, args.services, args.format)
        write_catalog(work / "catalog", args.services)
        size = sum(f.stat().st_size for f in files) / 2**20
        print(f"{args.events:,} events, {args.days} days, {args.services} services ({2 * args.services} SLOs), "
              f"{len(files)} {args.format} files, {size:,.0f} MiB; generated in {time.perf_counter() - t0:.0f} s")
        base = measure([sys.executable, "-c", BASELINE, *map(str, files)], env)
        print(f"bare DuckDB group by service, minute:  {base[0]:7.1f} s  {base[1]:5.2f} GiB")
        run = measure(slm("run", "--landing", str(work / "landing"), "--catalog", str(work / "catalog"),
                          "--home", str(work / "home")), env)
        print(f"slm run, {args.days} days from an empty home: {run[0]:7.1f} s  {run[1]:5.2f} GiB  "
              f"({run[0] / base[0]:.1f}x the baseline; exit {run[2]})")
        print(f"  at its peak (GiB): {peak_processes()}")
        if args.whole_run_only:
            return
        # one new day: land it beside the history, compute just that day
        new_day = START + dt.timedelta(days=args.days)
        [next_file] = write_landing(work / "next", per_day, new_day, 1, args.services, args.format)
        target = work / "landing" / "all" / next_file.name
        shutil.copy(next_file, target)
        day = new_day.isoformat()
        inc = measure(slm("run", "--landing", str(work / "landing"), "--catalog", str(work / "catalog"),
                          "--home", str(work / "home"), "--start", day, "--end", day), env)
        alone_landing = work / "alone" / "all"
        alone_landing.mkdir(parents=True)
        shutil.copy(next_file, alone_landing / target.name)
        alone = measure(slm("run", "--landing", str(work / "alone"), "--catalog", str(work / "catalog"),
                            "--home", str(work / "alone-home"), "--start", day, "--end", day), env)
        print(f"one new day on the {args.days}-day home:    {inc[0]:7.1f} s  {inc[1]:5.2f} GiB")
        print(f"the same day alone in an empty home:  {alone[0]:7.1f} s  {alone[1]:5.2f} GiB  "
              f"(new day / alone = {inc[0] / alone[0]:.2f}x)")
        # the fixed cost: the same catalog over as many events as services, in an empty home
        write_landing(work / "tiny", args.services, new_day, 1, args.services, args.format)
        empty = measure(slm("run", "--landing", str(work / "tiny"), "--catalog", str(work / "catalog"),
                            "--home", str(work / "empty-home"), "--start", day, "--end", day), env)
        print(f"an empty run ({args.services} events, one day): {empty[0]:7.1f} s  {empty[1]:5.2f} GiB  "
              f"(where it goes: benchmarks/stages.py {work / 'empty-home'})")
        print(f"the issue's bound, 3x the bare pass + the empty run: {3 * base[0] + empty[0]:.1f} s "
              f"against {run[0]:.1f} s ({(run[0] - empty[0]) / base[0]:.1f}x the bare pass above the fixed cost)")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
