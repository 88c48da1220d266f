"""`slm`: the command line. Every command ends with one clear line and a non-zero exit on bad input.

Set SLM_DEBUG=1 to see the traceback behind an unexpected error.
"""

import json
import os
import sys
import warnings
from pathlib import Path

import click

from .demo_data import DEMO_DAYS
from .settings import Settings

HOME_HELP = "Home folder for the lake, warehouse and snapshots (default: $SLM_HOME, else ./.slm)."


class SlmGroup(click.Group):
    """Turns any failure into one line on stderr and exit code 1 (2 for usage errors)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("slm: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - the one place that decides how failures look
            if os.environ.get("SLM_DEBUG"):
                raise
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            click.echo(f"slm: error: {message}", err=True)
            sys.exit(1)


@click.group(cls=SlmGroup)
@click.version_option(package_name="slm-warehouse")
def main() -> None:
    """SLM Warehouse: SLIs, error budgets and SLA credits you can recompute and audit."""
    # Dagster flags the single-run backfill policy as beta on every start; users can't act on it.
    warnings.filterwarnings("ignore", message=".*is currently in beta.*")


def _finish(settings: Settings, outcome, snapshot: dict | None) -> None:
    from .summary import render

    click.echo(render(settings.warehouse, outcome.checks, snapshot))
    errors = [f"{c.asset}/{c.name}" for c in outcome.checks if not c.passed and c.severity == "ERROR"]
    if not outcome.success:
        failed = ", ".join(outcome.failed_steps) or ", ".join(errors)
        raise click.ClickException(f"the run did not complete: {failed} (run id {outcome.run_id})")
    if errors:
        raise click.ClickException(f"error-level data-quality check(s) failed: {', '.join(errors)}; the marts are "
                                   f"built, their snapshot is blocked until fixed or overridden (run id {outcome.run_id})")


@main.command()
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
@click.option("--seed", default=7, show_default=True, help="Seed of the generated telemetry.")
@click.option("--days", default=DEMO_DAYS, show_default=True, type=click.IntRange(1, 366),
              help="Days of telemetry to generate from 2026-10-01.")
def demo(home: str | None, seed: int, days: int) -> None:
    """Generate a realistic landing zone and catalog, run everything, print a summary."""
    from .demo_data import DEMO_START, SERVICES, generate_landing, write_catalog
    from .runner import run_pipeline, run_snapshot

    # the demo owns its home: landing and catalog are the home's defaults, whatever SLM_LANDING says
    settings = Settings.resolve(Settings.from_env(home=home).home)
    landing, catalog = Path(settings.landing), settings.catalog
    marker = landing / ".demo-seed"
    if marker.exists() and marker.read_text().strip() == f"{seed} {days}":
        click.echo(f"Demo landing zone already generated in {landing} (seed {seed}, {days} days)")
    else:
        click.echo(f"Generating {days} days of telemetry for {len(SERVICES)} services from {DEMO_START} "
                   f"into {landing} (seed {seed})")
        tty = sys.stdout.isatty()
        rows = generate_landing(landing, seed=seed, days=days, progress=(lambda i, n: print(
            f"\r  day {i}/{n}", end="\n" if i == n else "", flush=True)) if tty else None)
        click.echo(f"  {sum(rows.values())} records in {len(rows) * days} files")
        marker.write_text(f"{seed} {days}")
    write_catalog(catalog)
    outcome = run_pipeline(settings, out=click.echo)
    snapshot = None
    if outcome.success:
        click.echo("Writing the audit snapshot of the last complete month")
        snapshot = run_snapshot(settings)
    _finish(settings, outcome, snapshot)


@main.command()
@click.option("--landing", required=True, help="Landing folder (or s3://bucket/prefix).")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
@click.option("--dry-run", is_flag=True, help="Only show, per file, what would land; write nothing.")
def ingest(landing: str, home: str | None, dry_run: bool) -> None:
    """Land new files into the lake and republish the days they touch (no models, no checks)."""
    from .ingest import Lake, land, plan, publish_day

    settings = Settings.from_env(home=home, landing=landing)
    lake = Lake(settings.lake)
    if dry_run:
        deliveries = plan(lake, settings.landing)
        for d in deliveries:
            note = f"  (supersedes {d.supersedes[:12]})" if d.supersedes else ""
            click.echo(f"  {d.status:<14}  {d.file.rel}  {d.file.size:,} bytes{note}")
        counts = {s: sum(d.status == s for d in deliveries) for s in ("new", "correction", "already landed")}
        click.echo(f"{counts['new']} new, {counts['correction']} correction(s), {counts['already landed']} "
                   f"already landed in {settings.landing} (dry run: nothing written)")
        return
    report = land(lake, settings.landing, formats=settings.formats)
    for e in report.landed:
        kind = "correction" if e.supersedes else "new"
        click.echo(f"  {kind:<10}  {e.path}: {e.rows_read} read = {e.rows_landed} landed + "
                   f"{e.rows_quarantined} quarantined")
    days = sorted({d for e in report.landed for d in e.days})
    active = lake.active()
    for day in days:
        publish_day(lake, day, active)
    listed = f": {days[0]}" + (f" .. {days[-1]}" if len(days) > 1 else "") if days else ""
    click.echo(f"{len(report.landed)} file(s) landed ({len(report.corrections)} correction(s)), "
               f"{report.already_landed} landed before; published {len(days)} day partition(s){listed}")


@main.command()
@click.option("--landing", required=True, help="Landing folder (or s3://bucket/prefix).")
@click.option("--catalog", required=True, type=click.Path(), help="Catalog folder of YAML documents.")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
@click.option("--start", help="First day to compute, YYYY-MM-DD (default: first landed day).")
@click.option("--end", help="Last day to compute, inclusive (default: last landed day).")
@click.option("--full-refresh", is_flag=True,
              help="Rebuild every landed day and the incremental models from the lake (after a definition change).")
def run(landing: str, catalog: str, home: str | None, start: str | None, end: str | None, full_refresh: bool) -> None:
    """Ingest -> models -> checks for the given days (both inclusive)."""
    from .runner import run_pipeline

    settings = Settings.from_env(home=home, landing=landing, catalog=catalog)
    outcome = run_pipeline(settings, start, end, out=click.echo, full_refresh=full_refresh)
    _finish(settings, outcome, None)


@main.command()
@click.argument("path", type=click.Path())
def validate(path: str) -> None:
    """Check a catalog folder (or file); report every problem with file, document and field."""
    from .catalog import load_catalog

    cat = load_catalog(path)
    for p in cat.problems:
        click.echo(str(p))
    for n in cat.notes:
        click.echo(f"note: {n}")
    if cat.problems:
        raise click.ClickException(f"{len(cat.problems)} problem(s) in {path}")
    computed = sum(1 for s in cat.slos if s["computed"])
    click.echo(f"{path}: {len(cat.documents)} document(s), {len(cat.slos)} SLO objective(s) "
               f"({computed} computed here), {len(cat.contracts)} contract(s), "
               f"{len(cat.exclusions)} exclusion window(s): OK")


@main.command()
@click.option("--slo", required=True, help="The SLO whose budget policy decides.")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
def gate(slo: str, home: str | None, as_json: bool) -> None:
    """Exit 0 when a deploy may go ahead; 1 with the reasons when the budget policy freezes it."""
    from .gate import evaluate_gate

    decision = evaluate_gate(Settings.from_env(home=home).warehouse, slo)
    if as_json:
        click.echo(json.dumps(decision.as_dict(), indent=2, default=str))
    else:
        remaining = "n/a" if decision.budget_remaining is None else f"{decision.budget_remaining:.1%}"
        click.echo(f"{slo}: budget {decision.status or 'unknown'} ({remaining} left as of {decision.as_of}), "
                   f"latest burn-rate evaluation {decision.evaluated_at}")
        for reason in decision.reasons:
            click.echo(f"  FREEZE: {reason}")
        for alert in decision.firing:
            if alert["severity"] != "page":
                click.echo(f"  note: {alert['severity']} alert firing over {alert['long_window']}")
        click.echo("deploy allowed" if decision.allowed else "deploy frozen")
    if not decision.allowed:
        sys.exit(1)


@main.command()
@click.option("--period", required=True, help="Month YYYY-MM.")
@click.option("--format", "formats", default="html,csv,pdf", show_default=True, help="Any of html, csv, pdf, comma-separated.")
@click.option("--out", type=click.Path(file_okay=False), help="Folder for the report files (default: $SLM_HOME/reports).")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
def report(period: str, formats: str, out: str | None, home: str | None) -> None:
    """The SLA report for finance: per contract attainment, tier, credit and the evidence."""
    from .report import parse_formats, write_report

    settings = Settings.from_env(home=home)
    chosen = parse_formats(formats)
    for path in write_report(settings.warehouse, period, chosen, Path(out) if out else settings.home / "reports"):
        click.echo(f"{path.suffix[1:]:4} {path} ({path.stat().st_size:,} bytes)")


@main.group()
def snapshot() -> None:
    """Immutable audit snapshots."""


@snapshot.command("create")
@click.option("--period", default="", help="Month YYYY-MM (default: the newest complete month).")
@click.option("--contract", default="", help="Freeze one contract only.")
@click.option("--override-reason", default="",
              help="Snapshot although an error-level data-quality check failed; the reason, who and when go into the manifest.")
@click.option("--restate-reason", default="",
              help="Why a period snapshotted before is frozen again with changed numbers (a restatement).")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
def snapshot_create(period: str, contract: str, override_reason: str, restate_reason: str, home: str | None) -> None:
    """Freeze a month's marts into the write-once store."""
    from .runner import run_snapshot

    meta = run_snapshot(Settings.from_env(home=home), period, contract, override_reason, restate_reason)
    click.echo(f"snapshot {meta['snapshot_id']} (period {meta['period']}): {meta['path']}")


@snapshot.command("list")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
def snapshot_list(home: str | None) -> None:
    """List snapshots, oldest first."""
    from .snapshots import snapshot_store

    entries = snapshot_store(Settings.from_env(home=home)).entries()
    if not entries:
        click.echo("no snapshots yet")
    for s in entries:
        m = s.manifest or {}
        click.echo(f"{s.snapshot_id}  period={m.get('period', '?')}  created={m.get('created_at', 'INCOMPLETE')}"
                   f"  by={m.get('created_by', '?')}")


@snapshot.command("show")
@click.argument("snapshot_id")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
def snapshot_show(snapshot_id: str, home: str | None) -> None:
    """Print a snapshot's manifest."""
    from .snapshots import snapshot_store

    store = snapshot_store(Settings.from_env(home=home))
    info = store.get(snapshot_id)
    click.echo(json.dumps(info.manifest, indent=2, sort_keys=True) if info.manifest else "manifest missing")
    retention = (info.manifest or {}).get("retention") or {}
    hold = store.legal_hold(snapshot_id)
    # on stderr: stdout stays the manifest alone, for tools that parse it
    click.echo(f"retention: {retention.get('mode', 'not recorded')} until {retention.get('retain_until', '?')}; "
               f"legal hold: {'ON since ' + hold['at'] + ' by ' + hold['by'] + ': ' + hold['reason'] if hold else 'off'}",
               err=True)


@snapshot.command("verify")
@click.argument("snapshot_id", required=False)
@click.option("--all", "all_", is_flag=True, help="Verify every snapshot and the whole chain.")
@click.option("--recompute", is_flag=True,
              help="Also rebuild the period from the retained lake and check the marts come out with the same hashes.")
@click.option("--public-key", type=click.Path(dir_okay=False, exists=True), envvar="SLM_VERIFY_KEY",
              help="Ed25519 public key (PEM) that must have signed every manifest (default: $SLM_VERIFY_KEY).")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
def snapshot_verify(snapshot_id: str | None, all_: bool, recompute: bool, public_key: str | None,
                    home: str | None) -> None:
    """Recompute every hash, the chain and the signatures; non-zero exit naming what is wrong."""
    from .snapshots import snapshot_store

    settings = Settings.from_env(home=home)
    store = snapshot_store(settings)
    if bool(snapshot_id) == all_:
        raise click.UsageError("give a snapshot id or --all")
    if recompute:
        if all_:
            raise click.UsageError("--recompute rebuilds one period: give a snapshot id")
        _verify_recompute(settings, store, snapshot_id, Path(public_key) if public_key else None)
        return
    entries = store.entries()
    ids = [s.snapshot_id for s in entries] if all_ else [snapshot_id]
    key = Path(public_key) if public_key else None
    problems = [p for i in ids for p in store.verify(i, key, entries)]
    for p in problems:
        click.echo(p)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in {len(ids)} snapshot(s)")
    if key:
        click.echo(f"{len(ids)} snapshot(s) verified: every file hash, the chain and every signature match")
        return
    signed = any(isinstance((e.manifest or {}).get("signature"), dict) for e in entries if e.snapshot_id in ids)
    click.echo(f"{len(ids)} snapshot(s) verified: every file hash and the chain match"
               + (" (signatures not checked: give --public-key)" if signed else ""))


def _verify_recompute(settings: Settings, store, snapshot_id: str, public_key: Path | None) -> None:
    from .recompute import recompute

    comparisons = recompute(settings, store, snapshot_id, out=click.echo, public_key=public_key)
    for c in comparisons:
        click.echo(c.describe())
    differing = [c.mart for c in comparisons if not c.same]
    if differing:
        raise click.ClickException(f"{snapshot_id} is not reproducible from the lake: {', '.join(differing)} differ")
    click.echo(f"{snapshot_id} verified and recomputed: all {len(comparisons)} marts reproduce byte for byte")


@snapshot.command("hold")
@click.argument("snapshot_id")
@click.option("--off", "lift", is_flag=True, help="Lift the legal hold instead of putting one on.")
@click.option("--reason", required=True, help="Why (a matter, a ticket); kept with who and when.")
@click.option("--by", "who", default="", help="Who asks (default: the OS user).")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
def snapshot_hold(snapshot_id: str, lift: bool, reason: str, who: str, home: str | None) -> None:
    """Put a legal hold on a snapshot (or lift it): kept beyond its retention, and its lake lineage too."""
    import getpass

    from .snapshots import snapshot_store

    record = snapshot_store(Settings.from_env(home=home)).set_legal_hold(snapshot_id, not lift, reason,
                                                                          who or getpass.getuser())
    click.echo(f"{snapshot_id}: legal hold {'ON' if record['on'] else 'lifted'} ({record['by']}, {record['at']})")


@snapshot.command("pull")
@click.argument("snapshot_id")
@click.option("--to", "to", required=True, type=click.Path(file_okay=False), help="Folder to copy the snapshot into.")
@click.option("--public-key", type=click.Path(dir_okay=False, exists=True), envvar="SLM_VERIFY_KEY",
              help="Ed25519 public key that must have signed the manifest (default: $SLM_VERIFY_KEY).")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
def snapshot_pull(snapshot_id: str, to: str, public_key: str | None, home: str | None) -> None:
    """Verify a snapshot, then copy its files, manifest and signature out, ready to hand over."""
    from .snapshots import snapshot_store

    target = snapshot_store(Settings.from_env(home=home)).pull(snapshot_id, Path(to), Path(public_key) if public_key else None)
    click.echo(f"{snapshot_id} verified and copied to {target} ({len(list(target.iterdir()))} files)")


@snapshot.command("keygen")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder for the key pair.")
def snapshot_keygen(out: str) -> None:
    """Make an Ed25519 key pair for signing manifests (SLM_SIGNING_KEY=<private key>)."""
    from .signing import generate_keypair

    private, public = generate_keypair(Path(out))
    click.echo(f"private key {private} (keep it secret; set SLM_SIGNING_KEY to it)")
    click.echo(f"public key  {public} (give it to auditors: slm snapshot verify --public-key)")


@main.group()
def lake() -> None:
    """The raw lake: landed files and their retention."""


@lake.command("prune")
@click.option("--keep-days", type=click.IntRange(min=1), envvar="SLM_LAKE_RETENTION_DAYS",
              help="Keep landed files with telemetry in the last N days (default: $SLM_LAKE_RETENTION_DAYS).")
@click.option("--dry-run", is_flag=True, help="Say what would be deleted; delete nothing.")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
def lake_prune(keep_days: int | None, dry_run: bool, home: str | None) -> None:
    """Delete landed files past retention, except what a retained snapshot's lineage needs."""
    from .ingest import Lake
    from .retention import apply_prune, plan_prune
    from .snapshots import snapshot_store

    if keep_days is None:
        raise click.UsageError("give --keep-days N or set SLM_LAKE_RETENTION_DAYS")
    settings = Settings.from_env(home=home)
    lake_ = Lake(settings.lake)
    plan = plan_prune(lake_, snapshot_store(settings), keep_days)
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


if __name__ == "__main__":
    main()
