"""Benchmark (issue 18): `slm run` on the Spark engine against the DuckDB engine, side by side.

    .venv/bin/python benchmarks/spark.py [--days 6]

Generates `--days` days of the demo's five services (the demo's catalog: 11 SLOs, alerting,
contracts, exclusions), then runs `slm run` from an empty home twice, each in a fresh process
measured the same way as benchmarks/engine.py (wall time, peak resident memory of the whole
process tree, the Spark JVM included): `SLM_ENGINE=duckdb`, then `SLM_ENGINE=spark` (dbt-spark
on a local pyspark session, Java 17). Then checks that every mart is the same in both homes
(columns, types and rows; doubles to 1e-12 relative) and prints both figures and the ratio.
Correctness is the bar (tests/warehouse/test_spark_parity.py proves it in `make test`); this
says what it costs on one machine.
"""

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from engine import measure, slm  # noqa: E402  (the same measurement as the engine benchmark)

from pipelines.demo import DEMO_START, generate_landing, write_catalog  # noqa: E402
from pipelines.warehouse.parity import mart_differences  # noqa: E402
from pipelines.warehouse.project import marts  # noqa: E402


def marts_differ(a: Path, b: Path) -> list[str]:
    """The marts of two warehouse files that differ in columns, types or rows."""
    return mart_differences(a, b, [m.name for m in marts()])[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=6)
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="slm-spark-bench-"))
    try:
        rows = generate_landing(work / "landing", days=args.days, start=DEMO_START)
        write_catalog(work / "catalog")
        print(f"{sum(rows.values()):,} records, {args.days} days of the demo's {len(rows)} services")
        figures = {}
        for engine in ("duckdb", "spark"):
            env = {**os.environ, "SLM_RETRIES": "0", "SLM_ENGINE": engine}
            wall, gib, code = measure(slm("run", "--landing", str(work / "landing"), "--catalog", str(work / "catalog"),
                                          "--home", str(work / engine)), env)
            figures[engine] = (wall, gib)
            print(f"slm run, SLM_ENGINE={engine:<6}  {wall:7.1f} s  {gib:5.2f} GiB  (exit {code})")
        differ = marts_differ(work / "duckdb" / "warehouse.duckdb", work / "spark" / "warehouse.duckdb")
        print(f"spark / duckdb: {figures['spark'][0] / figures['duckdb'][0]:.1f}x the time, "
              f"{figures['spark'][1] / figures['duckdb'][1]:.1f}x the memory; marts "
              + ("identical" if not differ else "DIFFER: " + ", ".join(differ)))
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
