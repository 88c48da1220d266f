"""How the pipeline copes with transient failures and when its outputs count as stale.

Retries: a warehouse briefly locked by another process, an S3 read that times out or is
throttled are worth another try; a bad catalog, a SQL error or bad input are not, and fail at
once. A step whose failure looks transient is retried with exponential backoff (`SLM_RETRIES`,
default 2; `SLM_RETRY_DELAY_SECONDS`, default 30, doubling). A step that still fails leaves the
last published marts in place.

Freshness: the daily schedule runs at 00:30 UTC, so marts older than 26 hours are late (warn)
and older than 30 hours are stale (fail); Dagster shows it on every mart and the BI release.
"""

import datetime as dt

import dagster as dg

from ..settings import retry_settings

# What transient failures say (DuckDB's file lock; botocore's network and throttling errors).
TRANSIENT_MARKERS = ("could not set lock on file", "conflicting lock is held", "connection reset",
                     "read timeout", "connect timeout", "endpointconnectionerror", "slowdown", "throttl",
                     "serviceunavailable", "requesttimeout", "internalerror")

DAILY_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=30),
                                                 warn_window=dt.timedelta(hours=26))


def retry_if_transient(context: dg.AssetExecutionContext, exc: BaseException) -> None:
    """Ask Dagster to run the step again when `exc` looks transient and retries are left;
    otherwise return, and the caller re-raises."""
    retries, delay = retry_settings()
    text = f"{type(exc).__name__}: {exc}"
    attempt = context.retry_number
    if attempt >= retries or not any(m in text.lower() for m in TRANSIENT_MARKERS):
        return
    wait = delay * 2 ** attempt
    line = next((ln for ln in text.splitlines() if any(m in ln.lower() for m in TRANSIENT_MARKERS)), text)
    context.log.warning(f"transient failure, retry {attempt + 1} of {retries} in {wait:g}s: {line.strip()[:200]}")
    raise dg.RetryRequested(max_retries=retries, seconds_to_wait=wait) from exc
