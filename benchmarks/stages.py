"""Where a home's runs spent their time (issue 15): each Dagster run's wall time, the time before
its first step (landing runs in the CLI before the Dagster run starts), each step's, and the
slowest dbt nodes of its build.

    .venv/bin/python benchmarks/stages.py HOME [--nodes 8]

Read from the home's own records: the Dagster instance (steps' start and end) and the
run_results.json each dbt build leaves under dbt/runs/<run id>/ (each node's execution time).
"""

import argparse
import json
from pathlib import Path

import dagster as dg


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("home", type=Path)
    ap.add_argument("--nodes", type=int, default=8, help="how many of the slowest dbt nodes to list")
    args = ap.parse_args()
    instance = dg.DagsterInstance.from_config(str(args.home / "dagster"))
    for record in reversed(instance.get_run_records()):
        run = record.dagster_run
        steps = sorted((s for s in instance.get_run_step_stats(run.run_id) if s.start_time and s.end_time),
                       key=lambda s: s.start_time)
        if not steps:
            continue
        start, end = record.start_time or steps[0].start_time, record.end_time or steps[-1].end_time
        print(f"run {run.run_id[:8]} ({run.tags.get('dagster/partition_range_start', '')}.."
              f"{run.tags.get('dagster/partition_range_end', '')}): {end - start:6.1f} s in Dagster, "
              f"{steps[0].start_time - start:5.1f} s before the first step")
        for s in steps:
            print(f"  {s.step_key:45s} {s.end_time - s.start_time:7.1f} s")
        results = args.home / "dbt" / "runs" / run.run_id / "run_results.json"
        if results.exists():
            doc = json.loads(results.read_text())
            nodes = sorted(doc["results"], key=lambda r: -r["execution_time"])
            print(f"  dbt: {doc['elapsed_time']:.1f} s elapsed, {len(nodes)} nodes; slowest:")
            for r in nodes[:args.nodes]:
                print(f"    {r['unique_id'].split('.', 2)[-1]:60s} {r['execution_time']:6.1f} s")


if __name__ == "__main__":
    main()
