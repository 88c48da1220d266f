"""BI: the marts published as a read-only release (DuckDB file and Parquet), swapped in atomically."""
