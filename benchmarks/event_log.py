"""Dagster's SQLite event log as Dagster writes it against `slm`'s (issue 15): one job run that
materializes ASSETS partitioned assets over DAYS days, a materialization per asset and day, as
`warehouse_models` does for every dbt model of a run's window.

    .venv/bin/python benchmarks/event_log.py [--assets 30] [--days 78]

Each side is a fresh process with a home of its own: `dagster` is the instance as
`DagsterInstance.from_config` makes it, with Dagster's defaults, `slm` the one `slm run` uses
(`instance_for`, with `orchestration.event_log`) and the environment `slm run` exports (a plan per
asset for the range, each asset's days stored as one batch). Prints each side's wall time for the
run and the ratio.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(storage: str, assets: int, days: int, home: Path) -> dict:
    """In this process (called through `--side`): build the job, run it once, time it."""
    import datetime as dt

    import dagster as dg

    from pipelines.cli.runner import instance_for
    from pipelines.settings import Settings

    start = dt.date(2026, 1, 1)
    partitions = dg.DailyPartitionsDefinition(start_date=start.isoformat())
    specs = [dg.AssetSpec(f"model_{i}") for i in range(assets)]

    @dg.multi_asset(specs=specs, partitions_def=partitions, backfill_policy=dg.BackfillPolicy.single_run())
    def models(context: dg.AssetExecutionContext):
        for spec in specs:
            yield dg.MaterializeResult(asset_key=spec.key, metadata={"days": len(context.partition_keys)})

    settings = Settings.from_env(home=home)
    instance = instance_for(settings, out=lambda line: None)  # the home's dagster.yaml, as `slm run` writes it
    if storage == "slm":
        settings.export()  # Dagster's settings as `slm run` has them (DAGSTER_RANGE_EVENTS)
    else:
        instance.dispose()
        instance = dg.DagsterInstance.from_config(str(settings.dagster_home))
    job = dg.Definitions(assets=[models]).get_implicit_global_asset_job_def()
    last = start + dt.timedelta(days=days - 1)
    began = time.perf_counter()
    with instance:
        result = job.execute_in_process(instance=instance, tags={
            "dagster/asset_partition_range_start": start.isoformat(),
            "dagster/asset_partition_range_end": last.isoformat()})
        seconds = time.perf_counter() - began
        events = len(instance.all_logs(result.run_id))
    return {"success": result.success, "seconds": seconds, "events": events}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--assets", type=int, default=30)
    ap.add_argument("--days", type=int, default=78)
    ap.add_argument("--side", choices=["dagster", "slm"], help=argparse.SUPPRESS)
    ap.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.side:
        print(json.dumps(_run(args.side, args.assets, args.days, args.home)))
        return
    print(f"{args.assets} partitioned assets x {args.days} days = {args.assets * args.days:,} materializations")
    seen = {}
    with tempfile.TemporaryDirectory(prefix="slm-event-log-bench-") as scratch:
        for side in ("dagster", "slm"):
            done = subprocess.run([sys.executable, __file__, "--side", side, "--assets", str(args.assets),
                                   "--days", str(args.days), "--home", str(Path(scratch) / side)],
                                  cwd=ROOT, capture_output=True, text=True, check=True)
            seen[side] = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"  {side:8s} {seen[side]['seconds']:7.1f} s  ({seen[side]['events']:,} events; "
                  f"success {seen[side]['success']})")
    print(f"  ratio    {seen['dagster']['seconds'] / seen['slm']['seconds']:7.1f}x faster as slm writes it")


if __name__ == "__main__":
    main()
