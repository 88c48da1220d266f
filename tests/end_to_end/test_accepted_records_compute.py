"""Whatever ingest accepts computes, and whatever `slm validate` accepts computes (issue 16):
records drawn by Hypothesis from everything the canonical format allows (values at the bounds, any
text in the free-text fields) are landed, and every landed one goes through the whole dbt build,
under a catalog holding values at its bounds and every hostile catalog variant validate accepted.
`sample_rate: 1e-300` (once valid) or a counter increase of 1e308 landed and then failed every
build over its day; a fee of 1e30 validated and then failed the finance models."""

import datetime as dt
import json
import tempfile
from decimal import Decimal
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

# A catalog at the bounds `slm validate` accepts computes too: the longest rolling window, a target
# of 0, amounts just under the limit, dates at the ends of the calendar (a fee of 1e30 validated, then failed the
# finance models).
CATALOG_AT_BOUNDS = """
---
apiVersion: openslo/v1
kind: SLI
metadata: {name: api-ok}
spec:
  ratioMetric:
    counter: true
    good: {metricSource: {type: warehouse, spec: {filter: "status_code < 500"}}}
    total: {metricSource: {type: warehouse, spec: {filter: "true"}}}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: api-decade, annotations: {slm/valid-from: "0001-01-01"}}
spec: {service: api, indicatorRef: api-ok, timeWindow: [{duration: 3660d, isRolling: true}],
       budgetingMethod: Occurrences, objectives: [{target: 0}]}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: api-someday, annotations: {slm/valid-from: "9999-12-31"}}
spec: {service: api, indicatorRef: api-ok, timeWindow: [{duration: 1d, isRolling: true}],
       budgetingMethod: Occurrences, objectives: [{target: 0.999999}]}
---
apiVersion: slm/v1
kind: Contract
metadata: {name: everything}
spec:
  customer: Everyone
  slo: api-decade
  period: quarter
  start: 0001-01-01
  end: 9999-12-31
  fee: {amount: 999999999999.99, currency: USD}
  minimumCredit: 999999999999.99
  creditTiers: [{below: 100, creditPercent: 100}]
---
apiVersion: slm/v1
kind: Exclusion
metadata: {name: forever}
spec: {services: [api], kind: other, start: "0001-01-01T00:00:00Z", end: "9999-12-31T23:59:59Z", reason: at the bounds}
"""


# one drawn example, no replay of stored ones: each is a whole pipeline run (about 50 s)
@settings(max_examples=1, phases=[Phase.generate], database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(drawn=st.lists(record, min_size=1, max_size=150))
def test_every_record_ingest_accepts_goes_through_the_dbt_build(catalog_of, hostile_catalog_outcomes, drawn):
    """... and so does every hostile catalog variant `slm validate` accepted (merged, renamed)."""
    from hostile_catalogs import mergeable, merged, merged_names

    records = EXTREMES + drawn  # one pipeline run: the bounds themselves always among them
    accepted = [v for v, code, _ in hostile_catalog_outcomes if code == 0 and mergeable(v)]
    from pipelines.cli.runner import PipelineError, run_pipeline

    with tempfile.TemporaryDirectory(prefix="slm-property-") as tmp:
        root = Path(tmp)
        (root / "landing" / "web").mkdir(parents=True)
        (root / "landing" / "web" / "drawn.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
        (root / "catalog").mkdir()
        (root / "catalog" / "catalog.yaml").write_text(
            catalog_of("web", "api", good="status_code < 500 or outcome = 'ok'") + CATALOG_AT_BOUNDS + merged(accepted))
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
            contract = con.execute("select fee_amount, credit_amount from marts.fct_sla_compliance "
                                   "where contract_name = 'everything'").fetchall()
            # each accepted hostile SLO and contract variant reached the marts under its new name
            slos = {r[0].split(".")[0] for r in con.execute("select slo_name from marts.dim_slos").fetchall()}
            contracts = {r[0] for r in con.execute("select contract_name from marts.dim_contracts").fetchall()}
        # api's records land on 2026-10-01..02 (and the UTC-7 ones late on 10-02 may be 10-03): Q4
        assert contract and all(fee == Decimal("999999999999.99") and 0 <= credit <= fee for fee, credit in contract)
        wanted = merged_names(accepted)
        assert len(accepted) > 20 and wanted["SLO"] <= slos and wanted["Contract"] <= contracts, wanted
