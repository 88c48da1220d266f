"""The one daily partitioning of the pipeline (UTC days, today included)."""

import dagster as dg

# Days before this cannot be run as partitions; telemetry older than this still lands
# (in the per-file layer) but is not published. Far enough back for real histories.
PARTITION_START = "2020-01-01"

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=PARTITION_START, timezone="UTC", end_offset=1
)

# A run tagged with this rebuilds every incremental model from the whole lake (after a changed
# definition that should apply to history, or a warehouse from an older version); its range
# must then cover every landed day.
FULL_REFRESH_TAG = "slm/full-refresh"
