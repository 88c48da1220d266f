"""The dbt project (staging -> intermediate -> marts) as Dagster assets.

dbt is the only writer of warehouse.duckdb. Each run passes its partition window as the
half-open `--vars {min_date, max_date}`; incremental models replace exactly those days.
"""

import json
from typing import Any, Mapping

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from .dbt_manifest import dbt_project
from .partitions import daily_partitions


class SlmDbtTranslator(DagsterDbtTranslator):
    """Groups models by layer (staging / intermediate / marts) in the Dagster UI."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props.get("resource_type") == "model":
            return dbt_resource_props["fqn"][1]
        return super().get_group_name(dbt_resource_props)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=SlmDbtTranslator(),
    pool="warehouse",
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """dbt build of the warehouse: SLIs, error budgets, SLA credits and telemetry gaps."""
    window = context.partition_time_window
    dbt_vars = {"min_date": window.start.date().isoformat(), "max_date": window.end.date().isoformat()}
    yield from dbt.cli(["build", "--vars", json.dumps(dbt_vars)], context=context).stream()
