"""The catalog as data: Parquet tables under lake/catalog that dbt reads as sources.

Schemas are fixed here so that an empty table (no exclusions, say) still has its columns, and
every table is replaced atomically so dbt never reads a half-exported catalog.

SLO definitions are versioned in `slo_versions.parquet`, a history this module only ever extends:
when an SLO's definition changes, the version in force is closed (`valid_to`) and the new one
opens (`valid_from`) on the day named by the `slm/valid-from` annotation, else on the day the
change is first exported. A version is never rewritten or dropped, so days before a change keep
being computed with the definition that was valid on them. Recurring exclusions are versioned the
same way (`exclusion_versions.parquet`), and each version is expanded into the `exclusions` windows
of its own days (`recurrence.py`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..core.hashing import canonical_json
from ..core.storage import write_bytes_atomic, write_parquet_atomic
from .model import REVIEW_CADENCE_START, Catalog, CatalogError, Problem
from .recurrence import HORIZON_DAYS, days, horizon, occurrences

SCHEMAS: dict[str, pa.Schema] = {
    "services": pa.schema([
        ("service_name", pa.string()), ("display_name", pa.string()), ("description", pa.string()),
        ("definition_hash", pa.string()),
    ]),
    "slos": pa.schema([
        ("slo_name", pa.string()), ("slo_document", pa.string()), ("objective", pa.string()),
        ("service", pa.string()), ("display_name", pa.string()), ("indicator_name", pa.string()),
        ("indicator_kind", pa.string()), ("good_filter_sql", pa.string()), ("total_filter_sql", pa.string()),
        ("target", pa.float64()), ("budgeting_method", pa.string()), ("time_slice_target", pa.float64()),
        ("time_slice_minutes", pa.int32()), ("slice_count_op", pa.string()),
        ("slice_count_value", pa.float64()), ("window_kind", pa.string()), ("window_days", pa.int32()),
        ("calendar_unit", pa.string()), ("calendar_count", pa.int32()), ("calendar_anchor", pa.date32()),
        ("time_zone", pa.string()), ("computed", pa.bool_()),
        ("not_computed_reason", pa.string()), ("definition_hash", pa.string()),
        ("valid_from_annotation", pa.date32()), ("composite_weight", pa.float64()),
        ("group_by", pa.string()), ("group_limit", pa.int32()),
    ]),
    "contracts": pa.schema([
        ("contract_name", pa.string()), ("customer", pa.string()), ("slo_name", pa.string()),
        ("period", pa.string()), ("time_zone", pa.string()), ("start_date", pa.date32()),
        ("end_date", pa.date32()), ("fee_amount", pa.string()), ("currency", pa.string()),
        ("credit_cap_pct", pa.float64()), ("minimum_credit", pa.string()),
        ("missing_data", pa.string()), ("computed", pa.bool_()),
        ("not_computed_reason", pa.string()), ("definition_hash", pa.string()),
        ("direction", pa.string()), ("vendor", pa.string()), ("claim_window_months", pa.int32()),
        ("claim_window_days", pa.int32()), ("claim_evidence", pa.string()),
        ("scope_customer", pa.string()),
    ]),
    "credit_tiers": pa.schema([
        ("contract_name", pa.string()), ("below_pct", pa.float64()), ("credit_pct", pa.float64()),
    ]),
    "contract_exclusion_kinds": pa.schema([("contract_name", pa.string()), ("kind", pa.string())]),
    "exclusion_kinds": pa.schema([("kind", pa.string())]),
    "exclusions": pa.schema([
        ("exclusion_name", pa.string()), ("service", pa.string()), ("kind", pa.string()),
        ("start_ts", pa.timestamp("us")), ("end_ts", pa.timestamp("us")), ("reason", pa.string()),
        ("approved_by", pa.string()), ("ticket", pa.string()), ("definition_hash", pa.string()),
    ]),
    "dependencies": pa.schema([
        ("dependency_name", pa.string()), ("service", pa.string()), ("depends_on", pa.string()),
        ("hard", pa.bool_()), ("slo_name", pa.string()), ("definition_hash", pa.string()),
    ]),
    "composite_members": pa.schema([
        ("journey_service", pa.string()), ("member_service", pa.string()), ("depth", pa.int32()),
        ("slo_name", pa.string()),
    ]),
    "service_components": pa.schema([("component", pa.string()), ("service_name", pa.string())]),
    # the days an SLO's review falls due, from three years before the export day to 400 days after
    "review_schedule": pa.schema([("slo_name", pa.string()), ("cadence", pa.string()), ("due_on", pa.date32())]),
    "alert_conditions": pa.schema([
        ("slo_document", pa.string()), ("alert_policy", pa.string()), ("condition_name", pa.string()),
        ("severity", pa.string()), ("condition_kind", pa.string()), ("op", pa.string()), ("threshold", pa.float64()),
        ("lookback_minutes", pa.int32()), ("alert_after_minutes", pa.int32()), ("horizon_days", pa.int32()),
    ]),
}


VERSIONED = pa.schema([pa.field("valid_from", pa.date32()), pa.field("valid_to", pa.date32())])
VERSIONS_SCHEMA = pa.schema(list(SCHEMAS["slos"]) + list(VERSIONED))
EXCLUSION_VERSIONS_SCHEMA = pa.schema([
    ("exclusion_name", pa.string()), ("services", pa.list_(pa.string())), ("kind", pa.string()),
    ("rrule", pa.string()), ("local_start", pa.timestamp("us")), ("duration_minutes", pa.int32()),
    ("time_zone", pa.string()), ("reason", pa.string()), ("approved_by", pa.string()), ("ticket", pa.string()),
    ("definition_hash", pa.string()), ("valid_from_annotation", pa.date32()), *VERSIONED,
])


def update_versions(history: list[dict], current: list[dict], today: dt.date, key: str = "slo_name",
                    kind: str = "SLO") -> tuple[list[dict], list[str]]:
    """A version history (rows with `key`, `definition_hash`, `valid_from`, `valid_to`) extended
    by the current definitions; (rows, problems)."""
    rows = [dict(r) for r in history]
    open_by_name = {r[key]: r for r in rows if r["valid_to"] is None}
    seen = {r[key] for r in rows}
    problems = []
    for definition in current:
        name, opened = definition[key], open_by_name.pop(definition[key], None)
        if opened and opened["definition_hash"] == definition["definition_hash"]:
            continue
        start = definition["valid_from_annotation"] or (today if name in seen else None)
        if opened:
            if start is None or (opened["valid_from"] is not None and start <= opened["valid_from"]):
                problems.append(f"{kind} {name}: the new definition must take effect after {opened['valid_from']} "
                                f"(set metadata.annotations.slm/valid-from to a later day)")
                continue
            opened["valid_to"] = start
        rows.append({**definition, "valid_from": start, "valid_to": None})
    for gone in open_by_name.values():  # removed from the catalog: no longer in force from today
        gone["valid_to"] = today
    return rows, problems


def recurring_windows(versions: list[dict], through: dt.datetime) -> list[dict]:
    """The `exclusions` rows of every recurring exclusion version: one per window and service."""
    rows = []
    for v in versions:
        about = {k: v[k] for k in ("exclusion_name", "kind", "reason", "approved_by", "ticket", "definition_hash")}
        for start, end in occurrences(v, through):
            rows += [{**about, "service": svc, "start_ts": start, "end_ts": end} for svc in v["services"]]
    return rows


def review_schedule(cadences: list[dict], today: dt.date) -> list[dict]:
    """Each SLO's review due days around `today` (`resolve/review.py` says how they are counted)."""
    first, last = today - dt.timedelta(days=3 * 366), today + dt.timedelta(days=HORIZON_DAYS)
    return [{**c, "due_on": day} for c in cadences for day in days(c["cadence"], REVIEW_CADENCE_START, first, last)]


# every table the catalog asset writes
TABLES = [*SCHEMAS, "slo_versions", "exclusion_versions", "annotations", "reviews", "claims"]


EXPORTED_DOCUMENT = "catalog.yaml"  # the definitions a run computed with, beside its tables


def catalog_document(cat: Catalog) -> bytes:
    """The definitions in force as one YAML stream (each document as canonical JSON, which is
    YAML): loading it gives back the same catalog hash, so a recompute years later uses exactly
    these definitions."""
    return "\n---\n".join(sorted(canonical_json(d.body) for d in cat.documents)).encode() + b"\n"


def export_catalog(cat: Catalog, lake: Path, today: dt.date | None = None) -> dict[str, int]:
    """Write every catalog table and extend the SLO version history; return row counts. The
    definitions themselves are kept too (`catalog.yaml`): a snapshot freezes what the marts were
    built from, not whatever the catalog folder holds by then."""
    today = today or dt.datetime.now(dt.timezone.utc).date()
    folder = lake / "catalog"
    histories = {}
    problems = []
    for name, current, key, kind in (("slo_versions", cat.slos, "slo_name", "SLO"),
                                     ("exclusion_versions", cat.recurring_exclusions, "exclusion_name", "Exclusion")):
        path = folder / f"{name}.parquet"
        history = pq.read_table(path).to_pylist() if path.exists() else []
        histories[name], refused = update_versions(history, current, today, key, kind)
        problems += [(kind, p) for p in refused]
    if problems:
        raise CatalogError([Problem(str(cat.root), 0, kind, "", "metadata.annotations", p) for kind, p in problems])
    tables = {name: getattr(cat, name) for name in SCHEMAS if name != "review_schedule"}
    tables["exclusions"] = tables["exclusions"] + recurring_windows(histories["exclusion_versions"], horizon(today))
    tables["review_schedule"] = review_schedule(cat.review_cadences, today)
    counts = {}
    for name, schema in SCHEMAS.items():
        write_parquet_atomic(pa.Table.from_pylist(tables[name], schema=schema), folder / f"{name}.parquet")
        counts[name] = len(tables[name])
    for name, schema in (("slo_versions", VERSIONS_SCHEMA), ("exclusion_versions", EXCLUSION_VERSIONS_SCHEMA)):
        write_parquet_atomic(pa.Table.from_pylist(histories[name], schema=schema), folder / f"{name}.parquet")
        counts[name] = len(histories[name])
    write_bytes_atomic(catalog_document(cat), folder / EXPORTED_DOCUMENT)
    return counts
