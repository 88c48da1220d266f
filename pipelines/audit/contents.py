"""What an audit snapshot holds besides the manifest's chain fields: the period's mart rows as
deterministic Parquet, the lineage (the lake state they were computed from), the definitions in
force, dbt's results and the data-quality evidence."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from ..catalog import Catalog
from ..catalog.model import CALENDAR_UNIT_DAYS
from ..ingest.lake import LedgerEntry
from ..quality.ledger import ERROR, WARN, checks_for_period
from ..settings import Settings
from ..warehouse.project import RUN_WINDOW_FILE, Mart, marts, project_var
from .stores import SnapshotError

MANIFEST_SCHEMA = "slm-snapshot/1"
LINEAGE_FILE = "lineage.json"   # the lake state the period was computed from (for recompute, retention)
CATALOG_FILE = "catalog.yaml"   # the definitions in force


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


def _selection(m: Mart) -> str:
    """Which of a mart's rows belong to a period [$start, $end), from its `meta` in the dbt
    project: by its period column, or by an interval overlapping the period; narrowed to one
    contract (and its SLO) in a contract's snapshot."""
    snap, col = m.snapshot or {}, m.period_column
    if snap.get("until_column"):
        where = f"{col} < cast($end as timestamp) and {snap['until_column']} > cast($start as timestamp)"
    elif col:
        where = f"{col} >= $start and {col} < $end"
    else:
        where = "true"
    return where + {"slo": "{slo}", "contract": "{contract}"}.get(snap.get("scope"), "")


def snapshot_marts() -> list[Mart]:
    """The marts an audit snapshot freezes: those whose dbt `meta` has `snapshot`."""
    return [m for m in marts() if m.snapshot is not None]


def freeze_marts(warehouse: Path, out_dir: Path, start: dt.date, end: dt.date,
                 contract: str | None = None) -> list[dict]:
    """Write the period's mart rows as deterministic Parquet: sorted rows, fixed writer settings."""
    files = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        slo = None
        if contract:
            # a contract scoped to a customer is measured on its SLO's group for that customer
            row = con.execute("select measured_slo_name, slo_name from marts.dim_contracts where contract_name = ?",
                              [contract]).fetchone()
            if row is None:
                raise SnapshotError(f"no contract named {contract!r} in the warehouse")
            slo, catalog_slo = row
        for m in snapshot_marts():
            mart, where = m.name, _selection(m)
            where = where.format(slo=" and slo_name in ($slo, $catalog_slo)" if slo else "",
                                 contract=" and contract_name = $contract" if contract else "")
            values = {"start": start, "end": end, "slo": slo, "catalog_slo": slo and catalog_slo, "contract": contract}
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


# How far back telemetry can still move a period's rows: the volume baseline looks back
# `volume_baseline_days` (a dbt var); an error budget as of a day looks back over its SLO's window.
def lineage_start(cat: Catalog | None, start: dt.date) -> dt.date:
    """The first day whose telemetry the period's mart rows can depend on (one more day covers
    windows in zones behind UTC, which begin on the UTC day before)."""
    windows = [s.get("window_days") or (s.get("calendar_count") or 1) * CALENDAR_UNIT_DAYS.get(s.get("calendar_unit"), 0)
               for s in (cat.slos if cat else [])]
    return start - dt.timedelta(days=max([int(project_var("volume_baseline_days")), *windows]) + 1)


def full_lineage(active: list[LedgerEntry], first_day: dt.date) -> dict:
    """Every active landed file with telemetry on or after `first_day`, as its ledger entry:
    exactly the lake state that `verify --recompute` rebuilds the period from, and what lake
    retention must keep while the snapshot is retained."""
    files = [asdict(e) for e in active if e.days and e.days[-1] >= first_day.isoformat()]
    return {"schema": "slm-lineage/1", "lineage_start": first_day.isoformat(), "files": files}


def _run_window(run: Path, args: dict) -> dict:
    """The days a dbt run built, {min_date, max_date} or {} for all: its window file (written by
    the warehouse asset), or the `--vars` it was given (runs before window.json existed)."""
    try:
        window = json.loads((run / RUN_WINDOW_FILE).read_text())
        return window if isinstance(window, dict) else {}
    except FileNotFoundError:
        window = args.get("vars") or {}
        return json.loads(window or "{}") if isinstance(window, str) else window
    except (OSError, ValueError):
        return {}


def dbt_evidence(settings: Settings, first_day: dt.date, end: dt.date) -> dict:
    """What dbt did for the days behind the period: every run whose window touched them (from
    the run_results.json each run keeps), and each node's newest status among those runs."""
    runs, nodes = [], {}
    for path in sorted(settings.dbt_runs.glob("*/run_results.json")):
        try:
            results = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        args = results.get("args") or {}
        window = _run_window(path.parent, args)
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
    records = checks_for_period(settings.quality, start, end)
    failing = [r for r in records if r.severity == ERROR and not r.passed]
    if failing and not (override_reason or "").strip():
        names = ", ".join(sorted({f"{r.check} ({r.window_start}..{r.window_end})" for r in failing}))
        raise SnapshotError(f"error-level data-quality check(s) failed for this period: {names}; fix the data "
                            f"and re-run those days, or snapshot anyway with --override-reason \"...\"")
    evidence = {
        "checks": [{"check": r.check, "severity": r.severity, "passed": r.passed, "window_start": r.window_start,
                    "window_end": r.window_end, "run_id": r.run_id, "at": r.at, "failed": r.failed} for r in records],
        "warnings": sorted({r.check for r in records if r.severity == WARN and not r.passed}),
        "override": None,
    }
    if failing:
        evidence["override"] = {"reason": override_reason.strip(), "by": who,
                                "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                                "failed_checks": sorted({r.check for r in failing})}
    return evidence
