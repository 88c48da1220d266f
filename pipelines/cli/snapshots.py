"""`slm snapshot ...`: the compliance officer's commands."""

import json
from pathlib import Path

import click

from ..settings import VERIFY_KEY_ENV, Settings
from .app import HOME_HELP, main, terminal_safe


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
    from ..audit.stores import snapshot_store

    entries = snapshot_store(Settings.from_env(home=home)).entries()
    if not entries:
        click.echo("no snapshots yet")
    for s in entries:
        m = s.manifest or {}
        created = m.get("created_at") or ("PARTIAL (not in the chain)" if s.partial else "INCOMPLETE")
        click.echo(terminal_safe(f"{s.snapshot_id}  period={m.get('period', '?')}  created={created}  "
                                 f"by={m.get('created_by', '?')}"))


@snapshot.command("show")
@click.argument("snapshot_id")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
def snapshot_show(snapshot_id: str, home: str | None) -> None:
    """Print a snapshot's manifest."""
    from ..audit.stores import snapshot_store

    store = snapshot_store(Settings.from_env(home=home))
    info = store.get(snapshot_id)
    click.echo(json.dumps(info.manifest, indent=2, sort_keys=True) if info.manifest else "manifest missing")
    retention = (info.manifest or {}).get("retention") or {}
    hold = store.legal_hold(snapshot_id)
    # on stderr: stdout stays the manifest alone, for tools that parse it
    click.echo(terminal_safe(
        f"retention: {retention.get('mode', 'not recorded')} until {retention.get('retain_until', '?')}; "
        f"legal hold: {'ON since ' + hold['at'] + ' by ' + hold['by'] + ': ' + hold['reason'] if hold else 'off'}"),
        err=True)


@snapshot.command("verify")
@click.argument("snapshot_id", required=False)
@click.option("--all", "all_", is_flag=True, help="Verify every snapshot and the whole chain.")
@click.option("--recompute", is_flag=True,
              help="Also rebuild the period from the retained lake and check the marts come out with the same hashes.")
@click.option("--public-key", type=click.Path(dir_okay=False, exists=True), envvar=VERIFY_KEY_ENV,
              help="Ed25519 public key (PEM) that must have signed every manifest (default: $SLM_VERIFY_KEY).")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
def snapshot_verify(snapshot_id: str | None, all_: bool, recompute: bool, public_key: str | None,
                    home: str | None) -> None:
    """Recompute every hash, the chain and the signatures; non-zero exit naming what is wrong."""
    from ..audit.stores import in_chain, snapshot_store
    from ..audit.stores.verify import PARTIAL

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
    ids = [s.snapshot_id for s in in_chain(entries)] if all_ else [snapshot_id]
    if all_:
        for partial in (s for s in entries if s.partial):
            click.echo(f"{partial.snapshot_id}: {PARTIAL}")
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
    from ..audit.recompute import recompute
    from .runner import run_pipeline

    def rebuild(scratch: Settings, out):
        return run_pipeline(scratch, full_refresh=True, out=out)

    comparisons = recompute(settings, store, snapshot_id, rebuild, out=click.echo, public_key=public_key)
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

    from ..audit.stores import snapshot_store

    record = snapshot_store(Settings.from_env(home=home)).set_legal_hold(snapshot_id, not lift, reason,
                                                                          who or getpass.getuser())
    click.echo(terminal_safe(f"{snapshot_id}: legal hold {'ON' if record['on'] else 'lifted'} ({record['by']}, {record['at']})"))


@snapshot.command("pull")
@click.argument("snapshot_id")
@click.option("--to", "to", required=True, type=click.Path(file_okay=False), help="Folder to copy the snapshot into.")
@click.option("--public-key", type=click.Path(dir_okay=False, exists=True), envvar=VERIFY_KEY_ENV,
              help="Ed25519 public key that must have signed the manifest (default: $SLM_VERIFY_KEY).")
@click.option("--home", type=click.Path(file_okay=False), help=HOME_HELP)
def snapshot_pull(snapshot_id: str, to: str, public_key: str | None, home: str | None) -> None:
    """Verify a snapshot, then copy its files, manifest and signature out, ready to hand over."""
    from ..audit.stores import snapshot_store

    target = snapshot_store(Settings.from_env(home=home)).pull(snapshot_id, Path(to), Path(public_key) if public_key else None)
    click.echo(f"{snapshot_id} verified and copied to {target} ({len(list(target.iterdir()))} files)")


@snapshot.command("keygen")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder for the key pair.")
def snapshot_keygen(out: str) -> None:
    """Make an Ed25519 key pair for signing manifests (SLM_SIGNING_KEY=<private key>)."""
    from ..audit.signing import generate_keypair

    private, public = generate_keypair(Path(out))
    click.echo(f"private key {private} (keep it secret; set SLM_SIGNING_KEY to it)")
    click.echo(f"public key  {public} (give it to auditors: slm snapshot verify --public-key)")
