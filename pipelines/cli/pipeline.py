"""The pipeline commands: demo, ingest, run, validate, gate, report."""

import json
import sys
from pathlib import Path

import click

from ..demo import DEMO_DAYS
from ..settings import VERIFY_KEY_ENV, Settings
from .app import HOME_HELP, finish, main


@main.command()
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
@click.option("--seed", default=7, show_default=True, help="Seed of the generated telemetry.")
@click.option("--days", default=DEMO_DAYS, show_default=True, type=click.IntRange(1, 366),
              help="Days of telemetry to generate from 2026-10-01.")
def demo(home: str | None, seed: int, days: int) -> None:
    """Generate a realistic landing zone and catalog, run everything, print a summary."""
    from ..demo import DEMO_START, SERVICES, generate_landing, write_catalog
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
    finish(settings, outcome, snapshot)


@main.command()
@click.option("--landing", required=True, help="Landing folder (or s3://bucket/prefix).")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
@click.option("--dry-run", is_flag=True, help="Only show, per file, what would land; write nothing.")
def ingest(landing: str, home: str | None, dry_run: bool) -> None:
    """Land new files into the lake and republish the days they touch (no models, no checks)."""
    from ..ingest import land, plan, write_day_partition
    from ..ingest.deploys import publish_deploys
    from ..ingest.incidents import publish_incidents
    from ..ingest.remote_lake import reading, writing

    settings = Settings.from_env(home=home, landing=landing)
    if dry_run:
        lake = reading(settings)
        if lake.remote:  # what S3 holds decides what is new; this copy is brought up to date, nothing more
            lake.remote.pull(lake, progress=click.echo)
        deliveries = plan(lake, settings.landing)
        for d in deliveries:
            note = f"  (supersedes {d.supersedes[:12]})" if d.supersedes else ""
            click.echo(f"  {d.status:<14}  {d.file.rel}  {d.file.size:,} bytes{note}")
        counts = {s: sum(d.status == s for d in deliveries) for s in ("new", "correction", "already landed")}
        click.echo(f"{counts['new']} new, {counts['correction']} correction(s), {counts['already landed']} "
                   f"already landed in {settings.landing} (dry run: nothing written)")
        return
    with writing(settings, "slm ingest", progress=click.echo) as lake:
        report = land(lake, settings.landing, formats=settings.formats)
        for rel, why in report.skipped:
            click.echo(f"  {'skipped':<10}  {rel}: {why}")
        for e in report.landed:
            kind = "correction" if e.supersedes else "new"
            click.echo(f"  {kind:<10}  {e.path}: {e.rows_read} read = {e.rows_landed} landed + "
                       f"{e.rows_quarantined} quarantined")
        days = sorted({d for e in report.landed if e.events for d in e.days})
        active = lake.active()
        for day in days:
            write_day_partition(lake, day, active)
        publish_incidents(lake)
        publish_deploys(lake)
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
    finish(settings, outcome, None)


@main.command()
@click.argument("path", type=click.Path())
def validate(path: str) -> None:
    """Check a catalog folder (or file); report every problem with file, document and field."""
    from ..catalog import load_catalog

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
    from ..reports.gate import evaluate_gate

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
                what = (f"over {alert['long_window']}" if "long_window" in alert else
                        f"{alert['condition']}: budget gone by {alert['projected_exhaustion'] or 'now'}, "
                        f"within {alert['horizon_days']} day(s)")
                click.echo(f"  note: {alert['severity']} alert firing {what}")
        click.echo("deploy allowed" if decision.allowed else "deploy frozen")
    if not decision.allowed:
        sys.exit(1)


@main.command()
@click.option("--period", required=True, help="Month YYYY-MM (a quarter YYYY-Qn for --kind review).")
@click.option("--kind", type=click.Choice(["sla", "incidents", "review", "statement"]), default="sla",
              show_default=True,
              help="sla: per contract attainment, tier, credit and the evidence (finance); statement: one "
                   "contract's statement for its customer (--contract), with how to verify it; incidents: the "
                   "period's incidents, what each cost every SLO, detection and missed alerts (SRE); review: the "
                   "quarter's SLO review, per SLO and as a portfolio (service owners).")
@click.option("--contract", default="", help="The contract of a statement (--kind statement).")
@click.option("--format", "formats", default="", help="Any of html, csv, pdf, comma-separated "
              "(default: all three; html,pdf for a statement).")
@click.option("--public-key", type=click.Path(dir_okay=False, exists=True), envvar=VERIFY_KEY_ENV,
              help="Check the audit snapshot's signature with this Ed25519 public key (sla and statement).")
@click.option("--out", type=click.Path(file_okay=False), help="Folder for the report files (default: $SLM_HOME/reports).")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
def report(period: str, kind: str, contract: str, formats: str, public_key: str | None, out: str | None,
           home: str | None) -> None:
    """A period's report: the SLA report, a customer's statement, the incident report or the SLO
    review. The SLA report and statements of a period with an audit snapshot come from that
    snapshot, verified first; otherwise they say "provisional" on every page."""
    from ..reports import incidents, review, sla, statement

    settings = Settings.from_env(home=home)
    chosen = sla.parse_formats(formats or ("html,pdf" if kind == "statement" else "html,csv,pdf"))
    folder = Path(out) if out else settings.reports
    key = Path(public_key) if public_key else None
    if kind == "statement":
        if not contract:
            raise click.UsageError("--kind statement needs --contract NAME")
        paths = statement.write_statement(settings, contract, period, chosen, folder, key)
    elif kind == "sla":
        paths = sla.write_report(settings, period, chosen, folder, key)
    else:
        paths = {"incidents": incidents.write_report, "review": review.write_report}[kind](
            settings.warehouse, period, chosen, folder)
    for path in paths:
        click.echo(f"{path.suffix[1:]:4} {path} ({path.stat().st_size:,} bytes)")
