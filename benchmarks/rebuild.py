"""Benchmark: a full rebuild of N days of demo history (default 90), then a one-day incremental run.

    .venv/bin/python benchmarks/rebuild.py [--days 90] [--home /tmp/slm-bench]

Prints the wall time of each stage as the runner reports it, the total, the rows landed and the
peak memory of this process and its children (dbt runs as a subprocess). The incremental run adds
one new day to the landing zone and runs only that day: the minute base, the source days and the
ingest partitions are rebuilt for that day alone; the marts above them are tables rebuilt from the
intermediate layer. Results are machine-dependent: record them with the machine in README.md.
"""

import argparse
import datetime as dt
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.warehouse.project import prepare_manifest  # noqa: E402
from pipelines.demo import DEMO_START, generate_landing, write_catalog  # noqa: E402
from pipelines.cli.runner import run_pipeline  # noqa: E402
from pipelines.settings import Settings  # noqa: E402


def peak_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def timed(label: str, settings: Settings, **kwargs) -> float:
    t0 = time.perf_counter()
    outcome = run_pipeline(settings, out=lambda line: print(f"    {line}"), **kwargs)
    elapsed = time.perf_counter() - t0
    if not outcome.success:
        sys.exit(f"{label} failed: {outcome.failed_steps}")
    print(f"{label}: {elapsed:.1f} s, peak RSS {peak_mib():.0f} MiB")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--home", type=Path, default=None, help="work folder (default: a temporary one, removed)")
    args = parser.parse_args()
    root = args.home or Path(tempfile.mkdtemp(prefix="slm-bench-"))
    try:
        landing, catalog = root / "landing", root / "catalog"
        prepare_manifest()
        t0 = time.perf_counter()
        rows = generate_landing(landing, start=DEMO_START, days=args.days)
        write_catalog(catalog)
        print(f"generated {sum(rows.values()):,} records over {args.days} days in {time.perf_counter() - t0:.1f} s")
        settings = Settings.resolve(root / "home", str(landing), catalog)
        full = timed(f"full rebuild of {args.days} days", settings)
        next_day = DEMO_START + dt.timedelta(days=args.days)
        extra = generate_landing(landing, start=next_day, days=1)  # new files, one per service
        print(f"added {sum(extra.values()):,} records for {next_day}")
        one = timed("one-day incremental run", settings, start=str(next_day), end=str(next_day))
        print(f"incremental / full: {one / full:.2f}")
    finally:
        if args.home is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
