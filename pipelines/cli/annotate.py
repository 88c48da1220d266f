"""`slm annotate`: say something about a stretch of an SLO's or a service's time."""

import click

from ..settings import Settings
from .app import HOME_HELP, main, terminal_safe


@main.command()
@click.option("--slo", help="The SLO the annotation is about.")
@click.option("--service", help="The service it is about (all its SLOs).")
@click.option("--from", "start", required=True, help="Start, RFC 3339 (e.g. 2026-10-05T10:00:00Z).")
@click.option("--to", "end", required=True, help="End, RFC 3339; the stretch is [from, to).")
@click.option("--text", required=True, help="What to say (up to 2,000 characters).")
@click.option("--by", "who", default="", help="Who says it (default: the OS user).")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
def annotate(slo: str | None, service: str | None, start: str, end: str, text: str, who: str, home: str | None) -> None:
    """Append an attributed annotation (who, when); the next run puts it in marts.fct_annotations."""
    import getpass

    from ..catalog.annotations import AnnotationError, add_annotation

    settings = Settings.from_env(home=home)
    try:
        record = add_annotation(settings.annotations, slo=slo, service=service, start=start, end=end, text=text,
                                who=who or getpass.getuser())
    except AnnotationError as exc:
        raise click.UsageError(str(exc)) from None
    about = f"SLO {record['slo_name']}" if record["slo_name"] else f"service {record['service']}"
    click.echo(terminal_safe(f"annotation {record['annotation_id']} on {about}, {record['from_ts']} .. {record['to_ts']}, "
                             f"by {record['who']} at {record['annotated_at']}"))
