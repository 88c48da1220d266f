"""The catalog as data: Parquet tables under lake/catalog that dbt reads as sources.

Schemas are fixed here so that an empty table (no exclusions, say) still has its columns, and
every table is replaced atomically so dbt never reads a half-exported catalog.
"""


from pathlib import Path

import dagster as dg
import pyarrow as pa

from .catalog import Catalog, require_catalog
from .resources import SlmResource
from .storage import write_parquet_atomic

SCHEMAS: dict[str, pa.Schema] = {
    "services": pa.schema([
        ("service_name", pa.string()), ("display_name", pa.string()), ("description", pa.string()),
        ("definition_hash", pa.string()),
    ]),
    "slos": pa.schema([
        ("slo_name", pa.string()), ("slo_document", pa.string()), ("objective", pa.string()),
        ("service", pa.string()), ("display_name", pa.string()), ("indicator_name", pa.string()),
        ("good_filter_sql", pa.string()), ("total_filter_sql", pa.string()), ("target", pa.float64()),
        ("budgeting_method", pa.string()), ("window_kind", pa.string()), ("window_days", pa.int32()),
        ("calendar_unit", pa.string()), ("time_zone", pa.string()), ("definition_hash", pa.string()),
    ]),
    "contracts": pa.schema([
        ("contract_name", pa.string()), ("customer", pa.string()), ("slo_name", pa.string()),
        ("period", pa.string()), ("time_zone", pa.string()), ("start_date", pa.date32()),
        ("end_date", pa.date32()), ("fee_amount", pa.string()), ("currency", pa.string()),
        ("credit_cap_pct", pa.float64()), ("minimum_credit", pa.string()),
        ("exclusion_kinds", pa.string()), ("missing_data", pa.string()), ("definition_hash", pa.string()),
    ]),
    "credit_tiers": pa.schema([
        ("contract_name", pa.string()), ("below_pct", pa.float64()), ("credit_pct", pa.float64()),
    ]),
    "exclusions": pa.schema([
        ("exclusion_name", pa.string()), ("service", pa.string()), ("kind", pa.string()),
        ("start_ts", pa.timestamp("us")), ("end_ts", pa.timestamp("us")), ("reason", pa.string()),
        ("approved_by", pa.string()), ("ticket", pa.string()), ("definition_hash", pa.string()),
    ]),
    "dependencies": pa.schema([
        ("dependency_name", pa.string()), ("service", pa.string()), ("depends_on", pa.string()),
        ("hard", pa.bool_()),
    ]),
}


def export_catalog(cat: Catalog, lake: Path) -> dict[str, int]:
    """Write every catalog table; return row counts."""
    counts = {}
    for name, schema in SCHEMAS.items():
        rows = getattr(cat, name)
        write_parquet_atomic(pa.Table.from_pylist(rows, schema=schema), lake / "catalog" / f"{name}.parquet")
        counts[name] = len(rows)
    return counts


@dg.multi_asset(
    name="slo_catalog",
    specs=[
        dg.AssetSpec(["catalog", name], kinds={"python", "parquet"}, group_name="catalog",
                     description=f"Catalog table `{name}`, exported from the YAML catalog for dbt.")
        for name in SCHEMAS
    ],
)
def slo_catalog(context: dg.AssetExecutionContext, slm: SlmResource):
    """The SLO catalog (OpenSLO v1 + slm/v1 YAML), validated and exported as Parquet tables for dbt."""
    settings = slm.settings()
    cat = require_catalog(settings.catalog)
    counts = export_catalog(cat, settings.lake)
    context.log.info(f"catalog {settings.catalog}: {counts}")
    for name, rows in counts.items():
        yield dg.MaterializeResult(asset_key=["catalog", name], metadata={
            "rows": rows, "catalog_path": str(settings.catalog), "catalog_sha256": cat.content_hash,
        })
