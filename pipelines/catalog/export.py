"""The catalog as data: Parquet tables under lake/catalog that dbt reads as sources.

Schemas are fixed here so that an empty table (no exclusions, say) still has its columns, and
every table is replaced atomically so dbt never reads a half-exported catalog.

SLO definitions are versioned in `slo_versions.parquet`, a history this module only ever extends:
when an SLO's definition changes, the version in force is closed (`valid_to`) and the new one
opens (`valid_from`) on the day named by the `slm/valid-from` annotation, else on the day the
change is first exported. A version is never rewritten or dropped, so days before a change keep
being computed with the definition that was valid on them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..core.hashing import canonical_json
from ..core.storage import write_bytes_atomic, write_parquet_atomic
from .model import Catalog, CatalogError, Problem

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
    ]),
    "contracts": pa.schema([
        ("contract_name", pa.string()), ("customer", pa.string()), ("slo_name", pa.string()),
        ("period", pa.string()), ("time_zone", pa.string()), ("start_date", pa.date32()),
        ("end_date", pa.date32()), ("fee_amount", pa.string()), ("currency", pa.string()),
        ("credit_cap_pct", pa.float64()), ("minimum_credit", pa.string()),
        ("missing_data", pa.string()), ("computed", pa.bool_()),
        ("not_computed_reason", pa.string()), ("definition_hash", pa.string()),
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
    "alert_conditions": pa.schema([
        ("slo_document", pa.string()), ("alert_policy", pa.string()), ("condition_name", pa.string()),
        ("severity", pa.string()), ("op", pa.string()), ("threshold", pa.float64()),
        ("lookback_minutes", pa.int32()), ("alert_after_minutes", pa.int32()),
    ]),
}


VERSIONS_SCHEMA = pa.schema(list(SCHEMAS["slos"]) + [
    pa.field("valid_from", pa.date32()), pa.field("valid_to", pa.date32()),
])


def update_versions(history: list[dict], current: list[dict], today: dt.date) -> tuple[list[dict], list[str]]:
    """The SLO version history extended by the current definitions; (rows, problems)."""
    rows = [dict(r) for r in history]
    open_by_name = {r["slo_name"]: r for r in rows if r["valid_to"] is None}
    seen = {r["slo_name"] for r in rows}
    problems = []
    for slo in current:
        name, opened = slo["slo_name"], open_by_name.pop(slo["slo_name"], None)
        if opened and opened["definition_hash"] == slo["definition_hash"]:
            continue
        start = slo["valid_from_annotation"] or (today if name in seen else None)
        if opened:
            if start is None or (opened["valid_from"] is not None and start <= opened["valid_from"]):
                problems.append(f"SLO {name}: the new definition must take effect after {opened['valid_from']} "
                                f"(set metadata.annotations.slm/valid-from to a later day)")
                continue
            opened["valid_to"] = start
        rows.append({**slo, "valid_from": start, "valid_to": None})
    for gone in open_by_name.values():  # removed from the catalog: no longer in force from today
        gone["valid_to"] = today
    return rows, problems


TABLES = [*SCHEMAS, "slo_versions", "annotations"]  # every table the catalog asset writes


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
    versions_path = lake / "catalog" / "slo_versions.parquet"
    history = pq.read_table(versions_path).to_pylist() if versions_path.exists() else []
    versions, problems = update_versions(history, cat.slos, today)
    if problems:
        raise CatalogError([Problem(str(cat.root), 0, "SLO", "", "metadata.annotations", p) for p in problems])
    counts = {}
    for name, schema in SCHEMAS.items():
        rows = getattr(cat, name)
        write_parquet_atomic(pa.Table.from_pylist(rows, schema=schema), lake / "catalog" / f"{name}.parquet")
        counts[name] = len(rows)
    write_parquet_atomic(pa.Table.from_pylist(versions, schema=VERSIONS_SCHEMA), versions_path)
    counts["slo_versions"] = len(versions)
    write_bytes_atomic(catalog_document(cat), lake / "catalog" / EXPORTED_DOCUMENT)
    return counts
