"""`slm review`: record the decision taken at an SLO's review."""

import click

from ..settings import Settings
from .app import HOME_HELP, main, terminal_safe


@main.command()
@click.option("--slo", required=True, help="The SLO reviewed (as in marts.dim_slos).")
@click.option("--decision", required=True, type=click.Choice(["keep", "tighten", "loosen", "retire"]),
              help="What the review decided.")
@click.option("--note", default="", help="Why, or what changes (up to 2,000 characters).")
@click.option("--by", "who", default="", help="Who reviewed (default: the OS user).")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
def review(slo: str, decision: str, note: str, who: str, home: str | None) -> None:
    """Append an attributed SLO review (who, when); the next run puts it in marts.fct_slo_reviews."""
    import getpass

    from ..audit.snapshot import built_from
    from ..catalog.reviews import ReviewError, add_review

    settings = Settings.from_env(home=home)
    cat = built_from(settings)
    known = {s["slo_name"] for s in cat.slos} if cat is not None else set()
    try:
        record = add_review(settings.reviews, slo=slo, decision=decision, note=note, who=who or getpass.getuser(),
                            known=known)
    except ReviewError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(terminal_safe(f"review {record['review_id']} of {record['slo_name']}: {record['decision']}, "
                             f"by {record['who']} at {record['reviewed_at']}"))
