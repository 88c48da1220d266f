"""Ingest: landing files (a folder or S3, in any supported format) -> the lake (per-file Parquet,
quarantine, ledger) -> daily partitions that dbt reads."""

from .lake import Lake, LedgerEntry, landed_days, write_day_partition
from .land import Delivery, LandingReport, land, plan
from .landing import LandingError, LandingFile, open_landing
from .formats import detect_format

# A problem with the landing location itself (not with a record: those are quarantined).
IngestError = LandingError

__all__ = ["Delivery", "IngestError", "LandingError", "LandingFile", "LandingReport", "Lake", "LedgerEntry",
           "detect_format", "land", "landed_days", "open_landing", "plan", "write_day_partition"]
