"""Audit snapshots as a Dagster asset (run monthly by the `slm_snapshot` job)."""

import dagster as dg

from ..orchestration.resources import SlmLocations
from .contents import snapshot_marts
from .snapshot import create_snapshot, latest_complete_period


class SnapshotConfig(dg.Config):
    period: str = ""  # YYYY-MM; empty: the newest month the warehouse covers completely
    contract: str = ""  # optional: freeze one contract only
    override_reason: str = ""  # snapshot despite failed error-level checks; recorded in the manifest
    restate_reason: str = ""  # why a period snapshotted before is frozen again with changed numbers


@dg.asset(
    deps=[dg.AssetKey(m.asset_key) for m in snapshot_marts()],
    kinds={"python", "parquet"},
    group_name="audit",
    pool="warehouse",
)
def audit_snapshot(context: dg.AssetExecutionContext, config: SnapshotConfig, slm: SlmLocations) -> dg.MaterializeResult:
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


definitions = dg.Definitions(assets=[audit_snapshot])
