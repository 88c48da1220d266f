"""Audit snapshots: a period's mart rows frozen with a manifest, in a write-once store.

A snapshot is what a contract report was computed from, kept so that years later anyone can
re-hash it and get the same answer. This module decides what goes in (the marts, the lineage,
the data-quality evidence, restatements); `snapshot_stores` keeps it (a local write-once folder
or S3 Object Lock) and verifies it: every hash, the signature, and the chain of manifests.
"""

import datetime as dt
import getpass
import hashlib
import json
import os
import re
import subprocess
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow.parquet as pq

from .catalog import Catalog, load_catalog
from .ingest import Lake, LedgerEntry
from .quality import outcomes_for_period
from .resources import SlmResource
from .settings import Settings
from .signing import signing_key_id
from .snapshot_stores import (DEFAULT_RETENTION_DAYS, MANIFEST, SnapshotError, SnapshotInfo,
                              SnapshotStore, open_store)
from .storage import sha256_file

MANIFEST_SCHEMA = "slm-snapshot/1"
LINEAGE_FILE = "lineage.json"   # the lake state the period was computed from (for recompute, retention)
CATALOG_FILE = "catalog.yaml"   # the definitions in force

# Which rows of each mart belong to a period [start, end); `{slo}` narrows to one contract's SLO.
MART_SELECTIONS = {
    "fct_sli_daily": "day >= $start and day < $end{slo}",
    "fct_error_budget": "as_of >= $start and as_of < $end{slo}",
    "fct_sla_compliance": "period_start >= $start and period_start < $end{contract}",
    "fct_telemetry_gaps": "gap_start < cast($end as timestamp) and gap_end > cast($start as timestamp)",
    "fct_telemetry_volume": "day >= $start and day < $end",
    "dim_services": "true",
    "dim_slos": "true{slo}",
    "dim_contracts": "true{contract}",
}


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    m = re.fullmatch(r"(\d{4})-(\d{2})", period or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise SnapshotError(f"period {period!r} is not YYYY-MM")
    start = dt.date(int(m.group(1)), int(m.group(2)), 1)
    end = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


def code_version() -> dict:
    try:
        version = metadata.version("slm-warehouse")
    except metadata.PackageNotFoundError:
        version = "unknown"
    commit = None
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True,
                             text=True, timeout=5)
        commit = out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        pass
    return {"package": "slm-warehouse", "version": version, "git_commit": commit}


def freeze_marts(warehouse: Path, out_dir: Path, start: dt.date, end: dt.date,
                 contract: str | None = None) -> list[dict]:
    """Write the period's mart rows as deterministic Parquet: sorted rows, fixed writer settings."""
    files = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        slo = None
        if contract:
            row = con.execute("select slo_name from marts.dim_contracts where contract_name = ?", [contract]).fetchone()
            if row is None:
                raise SnapshotError(f"no contract named {contract!r} in the warehouse")
            slo = row[0]
        for mart, where in MART_SELECTIONS.items():
            where = where.format(slo=" and slo_name = $slo" if slo else "",
                                 contract=" and contract_name = $contract" if contract else "")
            values = {"start": start, "end": end, "slo": slo, "contract": contract}
            params = {k: v for k, v in values.items() if f"${k}" in where}
            table = con.execute(f"select * from marts.{mart} where {where} order by all", params).to_arrow_table()
            path = out_dir / f"{mart}.parquet"
            pq.write_table(table, path, compression="zstd", compression_level=3, write_statistics=True,
                           use_dictionary=True, data_page_size=1 << 20)
            files.append({"path": path.name, "rows": table.num_rows})
    return files


def input_lineage(active: list[LedgerEntry], start: dt.date, end: dt.date) -> list[dict]:
    """The landed files (by content hash) that hold events of the period."""
    out = []
    for e in active:
        if any(start.isoformat() <= d < end.isoformat() for d in e.days):
            out.append({"path": e.path, "sha256": e.file_sha256, "rows_landed": e.rows_landed,
                        "rows_quarantined": e.rows_quarantined})
    return out


# How far back telemetry can still move a period's rows: the volume baseline looks 7 weeks back;
# an error budget as of a day looks back over its SLO's window.
VOLUME_BASELINE_DAYS = 49
CALENDAR_UNIT_DAYS = {"week": 7, "month": 31, "quarter": 92}


def lineage_start(cat: Catalog | None, start: dt.date) -> dt.date:
    """The first day whose telemetry the period's mart rows can depend on (one more day covers
    windows in zones behind UTC, which begin on the UTC day before)."""
    windows = [s.get("window_days") or CALENDAR_UNIT_DAYS.get(s.get("calendar_unit"), 0)
               for s in (cat.slos if cat else [])]
    return start - dt.timedelta(days=max([VOLUME_BASELINE_DAYS, *windows]) + 1)


def full_lineage(active: list[LedgerEntry], first_day: dt.date) -> dict:
    """Every active landed file with telemetry on or after `first_day`, as its ledger entry:
    exactly the lake state that `verify --recompute` rebuilds the period from, and what lake
    retention must keep while the snapshot is retained."""
    files = [asdict(e) for e in active if e.days and e.days[-1] >= first_day.isoformat()]
    return {"schema": "slm-lineage/1", "lineage_start": first_day.isoformat(), "files": files}


def catalog_document(cat: Catalog) -> bytes:
    """The definitions in force as one YAML stream (each document as canonical JSON, which is
    YAML): loading it gives back the same catalog hash, so a recompute years later uses exactly
    these definitions."""
    return "\n---\n".join(sorted(json.dumps(d.body, sort_keys=True, separators=(",", ":"), default=str)
                                 for d in cat.documents)).encode() + b"\n"


def dbt_evidence(settings: Settings, first_day: dt.date, end: dt.date) -> dict:
    """What dbt did for the days behind the period: every run whose window touched them (from
    the run_results.json each run keeps), and each node's newest status among those runs."""
    runs, nodes = [], {}
    for path in sorted((settings.home / "dbt" / "runs").glob("*/run_results.json")):
        try:
            results = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        args = results.get("args") or {}
        window = args.get("vars") or {}
        if isinstance(window, str):
            window = json.loads(window or "{}")
        full = bool(args.get("full_refresh")) or not window.get("min_date")
        if not full and not (window["min_date"] < end.isoformat() and window.get("max_date", "9999") > first_day.isoformat()):
            continue
        meta = results.get("metadata", {})
        statuses: dict[str, int] = {}
        for r in results.get("results", []):
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        runs.append({"dagster_run_id": path.parent.name, "invocation_id": meta.get("invocation_id"),
                     "generated_at": meta.get("generated_at"), "dbt_version": meta.get("dbt_version"),
                     "window": None if full else {"min_date": window["min_date"], "max_date": window.get("max_date")},
                     "full_refresh": bool(args.get("full_refresh")), "statuses": statuses})
        for r in results.get("results", []):
            seen = nodes.get(r["unique_id"])
            if seen is None or seen["generated_at"] <= meta.get("generated_at", ""):
                nodes[r["unique_id"]] = {"status": r["status"], "generated_at": meta.get("generated_at", ""),
                                         "invocation_id": meta.get("invocation_id")}
    runs.sort(key=lambda r: r["generated_at"] or "")
    return {"runs": runs, "nodes": dict(sorted(nodes.items())),
            # exposures are listed by `dbt build` as "no-op": nothing to run for them
            "not_ok": sorted(k for k, v in nodes.items() if v["status"] not in ("success", "pass", "no-op"))}


def quality_evidence(settings: Settings, start: dt.date, end: dt.date, override_reason: str | None,
                     who: str) -> dict:
    """The data-quality outcomes behind a period; refuses while an error-level check fails, unless
    a person overrides with a reason (which the manifest then records with who and when)."""
    records = outcomes_for_period(settings.quality, start, end)
    failing = [r for r in records if r.severity == "ERROR" and not r.passed]
    if failing and not (override_reason or "").strip():
        names = ", ".join(sorted({f"{r.check} ({r.window_start}..{r.window_end})" for r in failing}))
        raise SnapshotError(f"error-level data-quality check(s) failed for this period: {names}; fix the data "
                            f"and re-run those days, or snapshot anyway with --override-reason \"...\"")
    evidence = {
        "checks": [{"check": r.check, "severity": r.severity, "passed": r.passed, "window_start": r.window_start,
                    "window_end": r.window_end, "run_id": r.run_id, "at": r.at, "failed": r.failed} for r in records],
        "warnings": sorted({r.check for r in records if r.severity == "WARN" and not r.passed}),
        "override": None,
    }
    if failing:
        evidence["override"] = {"reason": override_reason.strip(), "by": who,
                                "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                                "failed_checks": sorted({r.check for r in failing})}
    return evidence


def snapshot_store(settings: Settings) -> SnapshotStore:
    """The store snapshots go to: $SLM_SNAPSHOT_STORE (s3://bucket/prefix with Object Lock, or a
    folder), else `snapshots/` under the home; S3 retention from $SLM_SNAPSHOT_RETENTION_DAYS."""
    days = os.environ.get("SLM_SNAPSHOT_RETENTION_DAYS", str(DEFAULT_RETENTION_DAYS))
    if not days.isdigit():
        raise SnapshotError(f"SLM_SNAPSHOT_RETENTION_DAYS must be a whole number of days, got {days!r}")
    settings.snapshots.mkdir(parents=True, exist_ok=True)
    return open_store(os.environ.get("SLM_SNAPSHOT_STORE"), settings.snapshots, int(days))


def create_snapshot(settings: Settings, period: str, contract: str | None = None,
                    created_by: str | None = None, extra: dict | None = None,
                    override_reason: str | None = None, signing_key: Path | None = None,
                    restate_reason: str | None = None) -> SnapshotInfo:
    """Freeze a period (optionally one contract) into the store; `signing_key` (default:
    $SLM_SIGNING_KEY) signs the manifest with Ed25519. When the scope was snapshotted before and
    its numbers changed (late data, a fixed definition), the new snapshot is a restatement: it
    needs a reason and names the snapshot it supersedes; both stay."""
    signing_key = signing_key or (Path(os.environ["SLM_SIGNING_KEY"]) if os.environ.get("SLM_SIGNING_KEY") else None)
    if signing_key:
        signing_key_id(signing_key)  # a bad key fails before anything is written
    start, end = period_bounds(period)
    if not settings.warehouse.exists():
        raise SnapshotError(f"no warehouse at {settings.warehouse}: run the pipeline first")
    who = created_by or getpass.getuser()
    quality = quality_evidence(settings, start, end, override_reason, who)
    staging = settings.snapshots / ".staging" / f"{os.getpid()}-{dt.datetime.now().timestamp():.6f}"
    staging.mkdir(parents=True)
    try:
        files = [dict(f, kind="mart") for f in freeze_marts(settings.warehouse, staging, start, end, contract)]
        cat = load_catalog(settings.catalog) if settings.catalog.exists() else None
        active = Lake(settings.lake).active()
        first_day = lineage_start(cat, start)
        lineage = full_lineage(active, first_day)
        (staging / LINEAGE_FILE).write_bytes(json.dumps(lineage, indent=1, sort_keys=True).encode())
        files.append({"path": LINEAGE_FILE, "rows": len(lineage["files"]), "kind": "lineage"})
        if cat is not None:
            (staging / CATALOG_FILE).write_bytes(catalog_document(cat))
            files.append({"path": CATALOG_FILE, "rows": len(cat.documents), "kind": "catalog"})
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
                           "supersedes_manifest_sha256": hashlib.sha256(store.read(previous.snapshot_id, MANIFEST)).hexdigest(),
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
    first, last = row
    month_end = (dt.date(last.year + (last.month == 12), last.month % 12 + 1, 1) - dt.timedelta(days=1))
    if last == month_end:
        return last.strftime("%Y-%m")
    prev = dt.date(last.year, last.month, 1) - dt.timedelta(days=1)
    return (prev if prev >= first else last).strftime("%Y-%m")


class SnapshotConfig(dg.Config):
    period: str = ""  # YYYY-MM; empty: the newest month the warehouse covers completely
    contract: str = ""  # optional: freeze one contract only
    override_reason: str = ""  # snapshot despite failed error-level checks; recorded in the manifest
    restate_reason: str = ""  # why a period snapshotted before is frozen again with changed numbers


@dg.asset(
    deps=[dg.AssetKey(["marts", m]) for m in MART_SELECTIONS],
    kinds={"python", "parquet"},
    group_name="audit",
    pool="warehouse",
)
def audit_snapshot(context: dg.AssetExecutionContext, config: SnapshotConfig, slm: SlmResource) -> dg.MaterializeResult:
    """An immutable audit snapshot of one month's marts: Parquet plus a hash-chained manifest."""
    settings = slm.settings()
    period = config.period or latest_complete_period(settings.warehouse)
    info = create_snapshot(settings, period, config.contract or None,
                           extra={"dagster_run_id": context.run.run_id}, override_reason=config.override_reason,
                           restate_reason=config.restate_reason)
    verb = "unchanged since" if info.reused else "written to"
    context.log.info(f"snapshot {info.snapshot_id} {verb} {info.path}")
    return dg.MaterializeResult(metadata={
        "snapshot_id": info.snapshot_id,
        "path": str(info.path),
        "period": period,
        "reused": info.reused,
        "manifest_body_sha256": info.manifest["manifest_body_sha256"],
        "row_counts": dg.MetadataValue.json(info.manifest["row_counts"]),
    })
