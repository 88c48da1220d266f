"""The BI release as a Dagster asset: published after every successful dbt build."""

import shutil
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from ..orchestration.partitions import daily_partitions
from ..orchestration.policies import DAILY_FRESHNESS, retry_if_transient
from ..orchestration.resources import SlmLocations
from ..core.storage import write_bytes_atomic
from ..ingest.remote_lake import publish_tables
from ..settings import engine
from ..warehouse.project import BUILT_MANIFEST, built_manifest, marts, project_fingerprint, reuse_parse
from .release import DOCS_FILES, publish_marts

DOCS_STAMP = "project.sha256"  # the project fingerprint the docs site in dbt/docs was generated from


@dg.asset(
    deps=[dg.AssetKey(m.asset_key) for m in marts()],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"duckdb", "parquet"},
    group_name="bi",
    pool="warehouse",
    freshness_policy=DAILY_FRESHNESS,
)
def published_marts(context: dg.AssetExecutionContext, slm: SlmLocations, dbt: DbtCliResource) -> dg.MaterializeResult:
    """Every mart as Parquet and a read-only DuckDB file for BI tools, plus the dbt docs site
    (lineage down to the exposures), swapped in atomically. On the Spark engine with the lake on
    S3, the marts' tables are mirrored there too."""
    settings = slm.settings()

    def dbt_docs(folder: Path) -> None:
        # the site describes the project, not the data: regenerated only when the project changed
        target, fingerprint = settings.dbt_docs, project_fingerprint()
        stamp = target / DOCS_STAMP
        current = stamp.exists() and stamp.read_text() == fingerprint and all((target / n).exists() for n in DOCS_FILES)
        if not current:
            target.mkdir(parents=True, exist_ok=True)
            reuse_parse(settings.dbt_parse_cache, target)  # this run's build has just parsed the project
            built = built_manifest(settings.dbt_parse_cache, fingerprint)  # and compiled every node
            dbt.cli(["docs", "generate", *(["--no-compile"] if built else [])], target_path=target,
                    raise_on_error=True).wait()
            if built:  # --no-compile writes the catalog and the page, not the manifest
                shutil.copy(built, target / BUILT_MANIFEST)
            write_bytes_atomic(fingerprint.encode(), stamp)
            context.log.info("dbt docs generated (the dbt project changed since the last site)")
        folder.mkdir()
        for name in DOCS_FILES:
            shutil.copy(target / name, folder / name)

    try:
        published = publish_marts(settings, docs=dbt_docs)
        if engine() == "spark":  # with SLM_LAKE, the marts as Spark's tables on S3, for Trino or Athena
            publish_tables(settings, progress=context.log.info)
    except Exception as exc:
        retry_if_transient(context, exc)
        raise
    context.log.info(f"published {len(published['rows'])} marts as release {published['release']} ({published['path']})")
    return dg.MaterializeResult(metadata={
        "release": published["release"],
        "path": published["path"],
        "rows": dg.MetadataValue.json(published["rows"]),
    })


definitions = dg.Definitions(assets=[published_marts])
