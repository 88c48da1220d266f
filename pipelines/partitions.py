"""The one daily partitioning of the pipeline (UTC days, today included)."""

import dagster as dg

# Days before this cannot be run as partitions; telemetry older than this still lands
# (in the per-file layer) but is not published. Far enough back for real histories.
PARTITION_START = "2020-01-01"

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=PARTITION_START, timezone="UTC", end_offset=1
)
