"""`slm lake ...`: the raw lake and its retention."""

import contextlib

import click

from ..settings import LAKE_RETENTION_ENV, Settings
from .app import HOME_HELP, main


@main.group()
def lake() -> None:
    """The raw lake: landed files and their retention."""


@lake.command("prune")
@click.option("--keep-days", type=click.IntRange(min=1), envvar=LAKE_RETENTION_ENV,
              help="Keep landed files with telemetry in the last N days (default: $SLM_LAKE_RETENTION_DAYS).")
@click.option("--dry-run", is_flag=True, help="Say what would be deleted; delete nothing.")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
def lake_prune(keep_days: int | None, dry_run: bool, home: str | None) -> None:
    """Delete landed files past retention, except what a retained snapshot's lineage needs."""
    from ..audit.stores import snapshot_store
    from ..ingest.remote_lake import reading, writing

    if keep_days is None:
        raise click.UsageError("give --keep-days N or set SLM_LAKE_RETENTION_DAYS")
    settings = Settings.from_env(home=home)
    with (contextlib.nullcontext(reading(settings)) if dry_run
          else writing(settings, "slm lake prune", progress=click.echo)) as lake_:
        if dry_run and lake_.remote:
            lake_.remote.pull(lake_, progress=click.echo)
        _prune(lake_, snapshot_store(settings), keep_days, dry_run)


def _prune(lake_, store, keep_days: int, dry_run: bool) -> None:
    from ..audit.retention import apply_prune, plan_prune

    plan = plan_prune(lake_, store, keep_days)
    snapshots = sorted({s for ids in plan.kept.values() for s in ids})
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"retention {keep_days} day(s): telemetry before {plan.cutoff}; {verb} {len(plan.prune)} landed file(s) "
               f"({sum(e.rows_landed for e in plan.prune)} events); kept {len(plan.kept)} needed by retained "
               f"snapshot(s) {', '.join(snapshots) or '-'}")
    if plan.days_removed or plan.days_republished:
        click.echo(f"  day partitions removed: {len(plan.days_removed)}; rebuilt from what is kept: "
                   f"{len(plan.days_republished)}")
    if not dry_run:
        apply_prune(lake_, plan, keep_days)
