"""Audit snapshots: a period's mart rows frozen with a manifest, in a write-once store.

A snapshot is what a contract report was computed from, kept so that years later anyone can
re-hash it and get the same answer. `contents` decides what goes in (the marts, the lineage, the
data-quality evidence); this module decides when a new snapshot is due (restatements, reuse);
`stores` keeps it and verifies it: every hash, the signature, and the chain of manifests.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from pathlib import Path

import duckdb

from ..catalog import load_catalog
from ..catalog.export import EXPORTED_DOCUMENT, catalog_document
from ..catalog import journal
from ..catalog.reviews import LOG as REVIEW_LOG
from ..core.hashing import sha256_bytes, sha256_file
from ..core.storage import remove_abandoned
from ..core.periods import latest_complete_month, period_bounds
from ..ingest.lake import Lake
from ..settings import Settings, signing_key as configured_signing_key
from .contents import (CATALOG_FILE, LINEAGE_FILE, MANIFEST_SCHEMA, code_version, dbt_evidence,
                       freeze_marts, full_lineage, input_lineage, lineage_start, quality_evidence)
from .signing import signing_key_id
from .stores import MANIFEST, SnapshotError, SnapshotInfo, SnapshotStore, snapshot_store


def create_snapshot(settings: Settings, period: str, contract: str | None = None,
                    created_by: str | None = None, extra: dict | None = None,
                    override_reason: str | None = None, signing_key: Path | None = None,
                    restate_reason: str | None = None) -> SnapshotInfo:
    """Freeze a period (optionally one contract) into the store; `signing_key` (default:
    $SLM_SIGNING_KEY) signs the manifest with Ed25519. When the scope was snapshotted before and
    its numbers changed (late data, a fixed definition), the new snapshot is a restatement: it
    needs a reason and names the snapshot it supersedes; both stay."""
    signing_key = signing_key or configured_signing_key()
    if signing_key:
        signing_key_id(signing_key)  # a bad key fails before anything is written
    try:
        start, end = period_bounds(period)
    except ValueError as exc:
        raise SnapshotError(str(exc)) from None
    if not settings.warehouse.exists():
        raise SnapshotError(f"no warehouse at {settings.warehouse}: run the pipeline first")
    who = created_by or getpass.getuser()
    quality = quality_evidence(settings, start, end, override_reason, who)
    staging_root = settings.snapshots / ".staging"
    staging_root.mkdir(parents=True, exist_ok=True)
    remove_abandoned(staging_root.iterdir(), _staging_owner)  # left by a killed snapshot
    staging = staging_root / f"{os.getpid()}-{dt.datetime.now().timestamp():.6f}"
    staging.mkdir()
    try:
        files = [dict(f, kind="mart") for f in freeze_marts(settings.warehouse, staging, start, end, contract)]
        cat = built_from(settings)
        active = Lake(settings.lake).active()
        first_day = lineage_start(cat, start)
        lineage = full_lineage(active, first_day)
        (staging / LINEAGE_FILE).write_bytes(json.dumps(lineage, indent=1, sort_keys=True).encode())
        files.append({"path": LINEAGE_FILE, "rows": len(lineage["files"]), "kind": "lineage"})
        if cat is not None:
            (staging / CATALOG_FILE).write_bytes(catalog_document(cat))
            files.append({"path": CATALOG_FILE, "rows": len(cat.documents), "kind": "catalog"})
        reviews = settings.reviews / REVIEW_LOG
        if reviews.exists():  # the SLO reviews recorded so far (`slm review`), as the log holds them
            (staging / REVIEW_LOG).write_bytes(reviews.read_bytes())
            files.append({"path": REVIEW_LOG, "rows": len(journal.read(staging / REVIEW_LOG)), "kind": "reviews"})
        for f in files:
            f["sha256"] = sha256_file(staging / f["path"])
            f["bytes"] = (staging / f["path"]).stat().st_size
        store = snapshot_store(settings)
        previous = _latest_of_scope(store, period, contract)
        if previous and _same_content(previous, files, cat.content_hash if cat else None):
            return SnapshotInfo(previous.snapshot_id, previous.path, previous.manifest, reused=True)
        restatement = None
        if previous:
            if not (restate_reason or "").strip():
                raise SnapshotError(f"{period}{' ' + contract if contract else ''} was snapshotted as "
                                    f"{previous.snapshot_id} and its numbers have changed since; a new snapshot "
                                    f"restates it: give the reason with --restate-reason \"...\"")
            restatement = {"supersedes": previous.snapshot_id,
                           "supersedes_manifest_sha256": sha256_bytes(store.read(previous.snapshot_id, MANIFEST)),
                           "reason": restate_reason.strip()}
        manifest = {
            "schema": MANIFEST_SCHEMA,
            "period": period,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "contract": contract,
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "created_by": who,
            "code_version": code_version(),
            "catalog_sha256": cat.content_hash if cat else None,
            "files": files,
            "row_counts": {Path(f["path"]).stem: f["rows"] for f in files if f["kind"] == "mart"},
            "inputs": input_lineage(active, start, end),
            "lineage": {"file": LINEAGE_FILE, "start": first_day.isoformat(), "files": len(lineage["files"])},
            "dbt": dbt_evidence(settings, first_day, end),
            "data_quality": quality,
            "restatement": restatement,
            **(extra or {}),
        }
        return store.create(staging, manifest, period, contract, signing_key)
    finally:
        for p in staging.iterdir():
            p.unlink()
        staging.rmdir()


def built_from(settings: Settings):
    """The catalog the marts were built from: the one the last run exported into the lake (the
    catalog folder may have been edited since, or never set for this command); else the folder's."""
    exported = settings.lake / "catalog" / EXPORTED_DOCUMENT
    if exported.exists():
        return load_catalog(exported)
    return load_catalog(settings.catalog) if settings.catalog.exists() else None


def _staging_owner(path: Path) -> int | None:
    pid = path.name.split("-", 1)[0]
    return int(pid) if pid.isdigit() else None


def _latest_of_scope(store: SnapshotStore, period: str, contract: str | None) -> SnapshotInfo | None:
    same = [s for s in store.entries() if s.manifest and s.manifest.get("period") == period
            and s.manifest.get("contract") == contract]
    return same[-1] if same else None


def _same_content(snapshot: SnapshotInfo, files: list[dict], catalog_sha256: str | None) -> bool:
    """No number a new snapshot would hold differs from this one (no restatement needed); the
    lineage file is left out: later telemetry landing outside the period changes it, not the rows."""
    def marts(fs):
        return {f["path"]: f["sha256"] for f in fs if f.get("kind", "mart") == "mart"}
    return marts(snapshot.manifest["files"]) == marts(files) and snapshot.manifest.get("catalog_sha256") == catalog_sha256


def latest_complete_period(warehouse: Path) -> str:
    """The newest month the warehouse covers completely (else the newest month it has)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute("select min(day), max(day) from marts.fct_sli_daily").fetchone()
    if row is None or row[1] is None:
        raise SnapshotError("the warehouse has no SLI rows yet: nothing to snapshot")
    return latest_complete_month(*row)
