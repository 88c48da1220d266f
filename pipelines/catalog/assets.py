"""The catalog as Dagster assets: one asset per exported table, so dbt's sources hang off them."""

import dagster as dg

from ..orchestration.resources import SlmLocations
from .annotations import export_annotations
from .claims import export_claims
from .export import TABLES, export_catalog
from .load import require_catalog
from .reviews import export_reviews


@dg.multi_asset(
    name="slo_catalog",
    specs=[
        dg.AssetSpec(["catalog", name], kinds={"python", "parquet"}, group_name="catalog",
                     description=f"Catalog table `{name}`, exported from the YAML catalog for dbt.")
        for name in TABLES
    ],
)
def slo_catalog(context: dg.AssetExecutionContext, slm: SlmLocations):
    """The SLO catalog (OpenSLO v1 + slm/v1 YAML), validated and exported as Parquet tables for dbt."""
    settings = slm.settings()
    cat = require_catalog(settings.catalog)
    counts = export_catalog(cat, settings.lake)
    counts["annotations"] = export_annotations(settings.annotations, settings.lake / "catalog" / "annotations.parquet")
    counts["reviews"] = export_reviews(settings.reviews, settings.lake / "catalog" / "reviews.parquet")
    counts["claims"] = export_claims(settings.claims, settings.lake / "catalog" / "claims.parquet")
    context.log.info(f"catalog {settings.catalog}: {counts}")
    for name, rows in counts.items():
        yield dg.MaterializeResult(asset_key=["catalog", name], metadata={
            "rows": rows, "catalog_path": str(settings.catalog), "catalog_sha256": cat.content_hash,
        })


definitions = dg.Definitions(assets=[slo_catalog])
