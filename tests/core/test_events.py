"""The canonical event is spelled out once, in pipelines/core/events.py. The Great Expectations
suite (JSON, the engine of record for the landed-events check) and the dbt staging model restate
parts of it in their own languages; these tests hold them to it, so a rule changed in one place
and not the other fails here."""

import json
import re
from pathlib import Path

import pyarrow as pa

from pipelines.catalog.filters import FIELDS as FILTER_FIELDS
from pipelines.core import events
from pipelines.ingest.formats import READERS
from pipelines.ingest.validate import VALIDATE_SQL

ROOT = Path(__file__).resolve().parents[2]


def _suite(name: str) -> dict:
    suite = json.loads((ROOT / "expectations" / f"{name}.json").read_text())
    return {(e["type"], e["kwargs"].get("column") or e["kwargs"].get("column_A")): e["kwargs"]
            for e in suite["expectations"]}


def test_landed_schema_is_every_canonical_field_plus_where_it_came_from():
    # 13 canonical fields (the optional customer last), the UTC day after the timestamp, the
    # file's hash and the line
    assert len(events.FIELDS) == 13
    assert events.LANDED_COLUMNS == ("event_ts", "day", "service", "operation", "status_code", "outcome",
                                     "latency_ms", "source", "region", "is_probe", "sample_rate", "version",
                                     "trace_id", "customer", "file_sha256", "line")
    assert events.LANDED_SCHEMA.field("status_code").type == pa.int32()
    assert events.RAW_SCHEMA.names[:13] == list(events.CANONICAL_FIELDS)


def test_the_landed_events_suite_checks_the_same_columns_and_rules():
    kw = _suite("landed_events")
    columns = kw[("expect_table_columns_to_match_set", None)]["column_set"]
    assert columns == [*events.LANDED_COLUMNS, "event_day", "landing_path"]
    status = kw[("expect_column_values_to_be_between", "status_code")]
    assert (status["min_value"], status["max_value"]) == events.STATUS_CODE_RANGE
    assert tuple(kw[("expect_column_values_to_be_in_set", "outcome")]["value_set"]) == events.OUTCOMES
    latency = kw[("expect_column_values_to_be_between", "latency_ms")]
    assert (latency["min_value"], latency["max_value"]) == events.LATENCY_RANGE_MS
    rate = kw[("expect_column_values_to_be_between", "sample_rate")]
    assert (rate["min_value"], rate["max_value"], rate.get("strict_min")) == (*events.SAMPLE_RATE_RANGE, None)
    required = {c for (kind, c) in kw if kind == "expect_column_values_to_not_be_null"}
    assert {events.BY_NAME[f].column for f in events.REQUIRED} <= required


def test_validation_spells_the_same_rules():
    assert "_status < 100 or _status > 599" in VALIDATE_SQL and "is outside 100-599" in VALIDATE_SQL
    assert "not in ('ok', 'error', 'timeout')" in VALIDATE_SQL
    assert "is outside [1e-09, 1]" in VALIDATE_SQL and "is outside [0, 1000000000.0]" in VALIDATE_SQL
    assert f"length(trim(customer)) > {events.CUSTOMER_MAX_CHARS}" in VALIDATE_SQL


def test_the_staging_model_selects_every_landed_column():
    sql = (ROOT / "dbt_project" / "models" / "staging" / "lake" / "stg_lake__events.sql").read_text()
    selected = set(re.findall(r"^\s+(\w+)(?:\s+as\s+\w+)?,?$", sql, re.M))
    assert set(events.LANDED_COLUMNS) <= selected


def test_filters_name_exactly_the_canonical_fields_with_their_columns():
    assert list(FILTER_FIELDS) == list(events.CANONICAL_FIELDS)
    assert FILTER_FIELDS["timestamp"] == ("timestamp", "event_ts")
    assert {name for name, (kind, _) in FILTER_FIELDS.items() if kind == "number"} == {
        "status_code", "latency_ms", "sample_rate"}


def test_every_landing_format_has_one_reader():
    assert set(READERS) == set(events.LANDING_FORMATS)
