"""The one place that decides what a valid canonical record is; the reason names the field.

The rules themselves (ranges, allowed values, defaults) come from `core.events`; this module
spells them in SQL, so a batch of any size is judged by DuckDB, never row by row in Python.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

import datetime as dt

from ..core.events import (CUSTOMER_MAX_CHARS, DEFAULT_SAMPLE_RATE, DEFAULT_SOURCE, LANDED_SCHEMA, LATENCY_RANGE_MS, OUTCOMES,
                            QUARANTINE_SCHEMA, SAMPLE_RATE_RANGE, STATUS_CODE_RANGE)

_LOW, _HIGH = STATUS_CODE_RANGE
_OUTCOMES_SQL = ", ".join(f"'{o}'" for o in OUTCOMES)
_OUTCOMES_TEXT = ", ".join(OUTCOMES[:-1]) + f" or {OUTCOMES[-1]}"
_RATE_LOW, _RATE_HIGH = SAMPLE_RATE_RANGE
_LATENCY_LOW, _LATENCY_HIGH = LATENCY_RANGE_MS
# epoch milliseconds DuckDB can turn into a timestamp (years 1 to 9999); beyond, a plain number
_EPOCH_MS = (-62135596800000, 253402300799999)

VALIDATE_SQL = f"""
with parsed as (
    select *,
        case when regexp_full_match(trim("timestamp"), '-?[0-9]{{1,18}}')
             then case when cast(trim("timestamp") as bigint) between {_EPOCH_MS[0]} and {_EPOCH_MS[1]}
                       then epoch_ms(cast(trim("timestamp") as bigint)) end
             when regexp_full_match(trim("timestamp"), '-?[0-9]+') then null
             else try_cast(try_cast(trim("timestamp") as timestamptz) as timestamp) end as _ts,
        try_cast(status_code as double) as _status,
        try_cast(latency_ms as double) as _latency,
        try_cast(sample_rate as double) as _rate,
        try_cast(is_probe as boolean) as _probe
    from raw
),
checked as (
    select *,
        case
            when _error is not null then _error
            when "timestamp" is null then 'missing field timestamp'
            when _ts is null and regexp_full_match(trim("timestamp"), '-?[0-9]+')
                then 'timestamp: ' || "timestamp" || ' is outside the plausible range ' || $plausible
            when _ts is null then 'timestamp: ' || "timestamp" || ' is neither RFC 3339 nor epoch milliseconds'
            when not (_ts between $earliest and $latest)
                then 'timestamp: ' || "timestamp" || ' is outside the plausible range ' || $plausible
            when nullif(trim(service), '') is null then 'missing field service'
            when status_code is null and outcome is null then 'needs status_code or outcome'
            when status_code is not null and (_status is null or _status <> floor(_status))
                then 'status_code: ' || status_code || ' is not an integer'
            when _status is not null and (_status < {_LOW} or _status > {_HIGH})
                then 'status_code: ' || status_code || ' is outside {_LOW}-{_HIGH}'
            when outcome is not null and outcome not in ({_OUTCOMES_SQL})
                then 'outcome: ' || outcome || ' is not {_OUTCOMES_TEXT}'
            when latency_ms is not null and _latency is null then 'latency_ms: ' || latency_ms || ' is not a number'
            when _latency < {_LATENCY_LOW} then 'latency_ms: ' || latency_ms || ' is negative'
            when isnan(_latency) or not (_latency between {_LATENCY_LOW} and {_LATENCY_HIGH})
                then 'latency_ms: ' || latency_ms || ' is outside [{_LATENCY_LOW}, {_LATENCY_HIGH}]'
            when sample_rate is not null and (_rate is null or isnan(_rate) or not (_rate between {_RATE_LOW} and {_RATE_HIGH}))
                then 'sample_rate: ' || sample_rate || ' is outside [{_RATE_LOW}, {_RATE_HIGH}]'
            when is_probe is not null and _probe is null then 'is_probe: ' || is_probe || ' is not a boolean'
            when length(trim(customer)) > {CUSTOMER_MAX_CHARS}
                then 'customer: longer than {CUSTOMER_MAX_CHARS} characters'
        end as _reason
    from parsed
)
"""


# What lands of the judged records, and what waits in quarantine (its raw: the line as read, or
# the fields as JSON for formats without lines); parameters: the file's hash (and path). Both in
# the order the records were judged, which is line order: DuckDB keeps insertion order in results
# without ORDER BY (preserve_insertion_order, on by default), and sorting a whole file's records
# cost 0.1 GiB and 10 % of landing a million of them.
LANDED_SQL = f"""
    select _ts as event_ts, cast(_ts as date) as day, trim(service) as service,
           nullif(operation, '') as operation, cast(_status as integer) as status_code,
           nullif(outcome, '') as outcome, _latency as latency_ms,
           coalesce(nullif(source, ''), '{DEFAULT_SOURCE}') as source, nullif(region, '') as region,
           coalesce(_probe, false) as is_probe, coalesce(_rate, {DEFAULT_SAMPLE_RATE}) as sample_rate,
           nullif(version, '') as version, nullif(trace_id, '') as trace_id,
           nullif(trim(customer), '') as customer,
           ? as file_sha256, _line as line
    from checked_batch where _reason is null
"""
QUARANTINED_SQL = """
    select ? as file_sha256, ? as file, _line as line, _reason as reason,
           coalesce(_raw, to_json(struct_pack(
               "timestamp", service, operation, status_code, outcome, latency_ms,
               source, region, is_probe, sample_rate, version, trace_id, customer))::varchar) as raw
    from checked_batch where _reason is not null
"""


def judge(con: duckdb.DuckDBPyConnection, plausible: tuple[dt.datetime, dt.datetime]) -> None:
    """Every record of the relation `raw` (RAW_SCHEMA) with its reason to be quarantined, or none,
    into the temporary table `checked_batch`; timestamps outside `plausible` (UTC, both inclusive)
    are quarantined."""
    earliest, latest = plausible
    # con.execute, not con.sql(params=...): the latter ran 30x slower here (duckdb 1.5).
    con.execute("create or replace temp table checked_batch as " + VALIDATE_SQL + " select * from checked",
                {"earliest": earliest, "latest": latest,
                 "plausible": f"{earliest:%Y-%m-%dT%H:%M:%SZ} .. {latest:%Y-%m-%dT%H:%M:%SZ}"})


def validated(con: duckdb.DuckDBPyConnection, batch: pa.Table, sha: str, rel: str,
              plausible: tuple[dt.datetime, dt.datetime]) -> tuple[pa.Table, pa.Table]:
    """(landed rows, quarantined rows) of one RAW_SCHEMA batch of the landing file `rel`."""
    con.register("raw", batch)
    try:
        judge(con, plausible)
        landed = con.execute(LANDED_SQL, [sha]).to_arrow_table().cast(LANDED_SCHEMA)
        bad = con.execute(QUARANTINED_SQL, [sha, rel]).to_arrow_table().cast(QUARANTINE_SCHEMA)
    finally:
        con.unregister("raw")
    return landed, bad
