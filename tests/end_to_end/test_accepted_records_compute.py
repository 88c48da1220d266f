"""Whatever ingest accepts computes (issue 16): records drawn by Hypothesis from everything the
canonical format allows (values at the bounds, any text in the free-text fields) are landed, and
every landed one goes through the whole dbt build. `sample_rate: 1e-300` (once valid) or a counter
increase of 1e308 landed and then failed every build over its day."""

import datetime as dt
import json
import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pipelines.core.events import LATENCY_RANGE_MS, OUTCOMES, SAMPLE_RATE_RANGE, STATUS_CODE_RANGE
from pipelines.settings import Settings


START = dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc)
text = st.text(max_size=30)
maybe = lambda s: st.none() | s  # noqa: E731

timestamps = st.datetimes(min_value=dt.datetime(2026, 10, 1), max_value=dt.datetime(2026, 10, 2, 23, 59),
                          timezones=st.sampled_from([dt.timezone.utc, dt.timezone(dt.timedelta(hours=-7)),
                                                     dt.timezone(dt.timedelta(hours=5, minutes=30))]))
record = st.fixed_dictionaries({
    "timestamp": timestamps.map(lambda t: t.isoformat()) | timestamps.map(lambda t: int(t.timestamp() * 1000)),
    "service": st.sampled_from(["web", "api"]) | text.filter(str.strip),
    "status_code": maybe(st.integers(*STATUS_CODE_RANGE)),
    "outcome": maybe(st.sampled_from(OUTCOMES)),
}, optional={
    "operation": maybe(text), "source": maybe(text), "region": maybe(text), "version": maybe(text),
    "trace_id": maybe(text), "is_probe": maybe(st.booleans()),
    "latency_ms": maybe(st.floats(*LATENCY_RANGE_MS, allow_nan=False)),
    "sample_rate": maybe(st.floats(*SAMPLE_RATE_RANGE, allow_nan=False)),
})
EXTREMES = [
    {"timestamp": "2026-10-01T00:00:00Z", "service": "web", "status_code": 599, "sample_rate": SAMPLE_RATE_RANGE[0],
     "latency_ms": LATENCY_RANGE_MS[1], "version": "'; drop table x; --", "trace_id": "\u0000"},
    {"timestamp": "2026-10-02T23:59:59.999999Z", "service": "api", "outcome": "timeout", "sample_rate": 1,
     "latency_ms": 0, "source": "\u202e\U0001F600", "is_probe": True},
    {"timestamp": 1790812800000, "service": "  web  ", "status_code": 100, "region": "x" * 10_000},
]


# one drawn example, no replay of stored ones: each is a whole pipeline run (about 50 s)
@settings(max_examples=1, phases=[Phase.generate], database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(drawn=st.lists(record, min_size=1, max_size=150))
def test_every_record_ingest_accepts_goes_through_the_dbt_build(catalog_of, drawn):
    records = EXTREMES + drawn  # one pipeline run: the bounds themselves always among them
    from pipelines.cli.runner import PipelineError, run_pipeline

    with tempfile.TemporaryDirectory(prefix="slm-property-") as tmp:
        root = Path(tmp)
        (root / "landing" / "web").mkdir(parents=True)
        (root / "landing" / "web" / "drawn.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
        (root / "catalog").mkdir()
        (root / "catalog" / "catalog.yaml").write_text(catalog_of("web", "api", good="status_code < 500 or outcome = 'ok'"))
        home = Settings.resolve(root / "home", str(root / "landing"), root / "catalog")
        try:
            outcome = run_pipeline(home, out=lambda _: None)
        except PipelineError as exc:  # nothing accepted, nothing to compute: the run says so and stops
            assert "no telemetry landed" in str(exc)
            return
        with duckdb.connect() as con:
            landed = con.execute(f"select count(*) from read_parquet('{home.lake / 'files'}/*.parquet')").fetchone()[0]
        assert outcome.success, (outcome.failed_steps, outcome.failures)
        with duckdb.connect(str(home.warehouse), read_only=True) as con:
            staged = con.execute("select count(*) from staging.stg_lake__events").fetchone()[0]
            assert staged == landed
