"""`slm claim`: the credit a vendor's SLA owes us for a period, as a pack to send."""

from pathlib import Path

import click

from ..settings import Settings
from .app import HOME_HELP, main, terminal_safe


@main.command()
@click.option("--contract", required=True, help="An inbound contract (a vendor's SLA to us).")
@click.option("--period", required=True, help="Month YYYY-MM.")
@click.option("--public-key", type=click.Path(exists=True, dir_okay=False),
              help="Verify the snapshot's signature with this Ed25519 public key (PEM) first.")
@click.option("--out", type=click.Path(file_okay=False), help="Folder for the pack (default: $SLM_HOME/claims/<contract>-<period>).")
@click.option("--by", "who", default="", help="Who prepares the claim (default: the OS user).")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
def claim(contract: str, period: str, public_key: str | None, out: str | None, who: str, home: str | None) -> None:
    """Write the claim pack from the period's verified audit snapshot and log the claim."""
    import getpass

    from ..reports.claim import write_claim

    settings = Settings.from_env(home=home)
    pack = write_claim(settings, contract, period, who or getpass.getuser(),
                       Path(public_key) if public_key else None, Path(out) if out else None)
    c = pack.claim
    click.echo(terminal_safe(f"claim {contract} {period}: {c['vendor']} owes {c['credit_amount']} {c['currency']} "
                             f"({c['attained_pct']:.4f} % attained, tier below {c['tier_below_pct']:g} %), "
                             f"claim by {c['claim_deadline']}"))
    click.echo(f"  from snapshot {c['snapshot']['id']} (manifest sha256 {c['snapshot']['manifest_sha256']}), verified")
    click.echo(f"  {len(pack.outages)} outage window(s); pack in {pack.folder}")
