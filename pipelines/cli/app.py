"""`slm`: the command line. Every command ends with one clear line and a non-zero exit on bad input.

Set SLM_DEBUG=1 to see the traceback behind an unexpected error.
"""

import re
import sys
import warnings

import click

from .. import settings as configuration
from ..reports.summary import render
from ..settings import Settings

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """Text from the store (a hold reason, a user name) without the control characters a terminal
    would obey (ANSI escapes that clear the screen or rewrite earlier lines)."""
    return _CONTROL.sub("", text)


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
            if configuration.debug():
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

def finish(settings: Settings, outcome, snapshot: dict | None) -> None:
    """The run summary, then the exit: non-zero when the run failed or an error-level check did."""
    errors = [f"{c.asset}/{c.name}" for c in outcome.checks if not c.passed and c.severity == "ERROR"]
    if outcome.success:
        click.echo(render(settings.warehouse, outcome.checks, snapshot))
    else:
        try:  # a first run that failed before the marts has nothing to sum up: say why it failed
            click.echo(render(settings.warehouse, outcome.checks, snapshot))
        except Exception:  # noqa: BLE001 - the failure below is what the user needs
            pass
    if not outcome.success:
        for step, why in outcome.failures.items():
            click.echo(f"  {step} failed: {why}", err=True)
        failed = ", ".join(outcome.failed_steps) or ", ".join(errors)
        raise click.ClickException(f"the run did not complete: {failed} (run id {outcome.run_id})")
    if errors:
        raise click.ClickException(f"error-level data-quality check(s) failed: {', '.join(errors)}; the marts are "
                                   f"built, their snapshot is blocked until fixed or overridden (run id {outcome.run_id})")
