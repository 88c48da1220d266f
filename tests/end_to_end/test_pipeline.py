"""The whole pipeline on the hand-built scenario (tests/conftest.py), checked against arithmetic
done here by hand."""

import datetime as dt
import json
from decimal import Decimal

import duckdb
import pytest

from pipelines.ingest import Lake


def rows(settings, sql, params=()):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def one(settings, sql, params=()):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchone()


def test_run_succeeds_and_reports_each_stage(scenario_run):
    settings, outcome, lines = scenario_run
    assert outcome.success, outcome.failed_steps
    assert (outcome.start, outcome.end) == ("2026-10-01", "2026-10-29")
    assert any(line.startswith("  landed_events.publish_days: published 29 day partition(s)") for line in lines)


def test_rows_reconcile_from_files_to_partitions(scenario_run):
    settings, _, _ = scenario_run
    lake = Lake(settings.lake)
    ledger = lake.ledger()
    assert all(e.rows_read == e.rows_landed + e.rows_quarantined for e in ledger)
    web = next(e for e in ledger if e.path == "web/web-2026-10-01.jsonl")
    # 7 + 10 + 983 + 3 good lines, 1 with a negative latency
    assert (web.rows_read, web.rows_landed, web.rows_quarantined) == (1004, 1003, 1)
    with duckdb.connect() as con:
        published = con.execute(f"select count(*) from read_parquet('{lake.events}/*/*.parquet')").fetchone()[0]
    assert published == sum(e.rows_landed for e in ledger if e.events)  # incident timelines are published apart


def test_sli_counts_probes_out_and_exclusions_only_in_the_adjusted_figure(scenario_run):
    settings, _, _ = scenario_run
    row = one(settings, """select good_events, total_events, excluded_events, sli, sli_adjusted, coverage
                           from marts.fct_sli_daily where slo_name = 'web-availability' and day = '2026-10-01'""")
    # 1,003 events, 3 probes -> 1,000 counted; 7 server errors -> 993 good; SLI 0.993.
    # The maintenance window holds 17 counted events (7 errors + 10 successes): adjusted 983/983.
    assert row == (993.0, 1000.0, 17.0, pytest.approx(0.993, abs=1e-12), 1.0, 1.0)


def test_sampled_events_are_weighted_and_the_budget_allows_exactly_one_thousand(scenario_run):
    settings, _, _ = scenario_run
    row = one(settings, """select total_events, allowed_bad, actual_bad, budget_consumed, budget_remaining, status,
                                  window_start, window_end
                           from marts.fct_error_budget where slo_name = 'api-availability' and as_of = '2026-10-02'""")
    # 1,000 records at sample_rate 0.001 stand for 1,000,000 requests; at 99.9 % the 28-day budget
    # allows (1 - 0.999) * 1,000,000 = 1,000 bad ones. One sampled 500 stands for 1,000: all spent.
    assert row == (1_000_000.0, 1000.0, 1000.0, 1.0, 0.0, "exhausted",
                   dt.date(2026, 9, 5), dt.date(2026, 10, 3))


def test_calendar_month_budget_and_its_projection(scenario_run):
    settings, _, _ = scenario_run
    row = one(settings, """select window_start, window_end, allowed_bad, budget_consumed, status, projected_exhaustion
                           from marts.fct_error_budget where slo_name = 'api-monthly' and as_of = '2026-10-02'""")
    # 99 % of 1,000,000 allows 10,000 bad; 1,000 spent -> 10 % consumed. Over the 2 days so far
    # the burn is 500 bad a day while the allowance grows 5,000 a day: no exhaustion in sight.
    # (tests/test_slo_math.py has the cases where the trailing burn does run the budget out.)
    assert row == (dt.date(2026, 10, 1), dt.date(2026, 11, 1), 10000.0, pytest.approx(0.1), "healthy", None)


def test_a_contract_honouring_maintenance_is_not_breached(scenario_run):
    settings, _, _ = scenario_run
    row = one(settings, """select attained_pct, breached, credit_pct, credit_amount, excluded_events
                           from marts.fct_sla_compliance where contract_name = 'acme' and period_start = '2026-10-01'""")
    # The 17 events in the maintenance window leave the count: 983 good of 983 -> 100 %.
    assert row == (100.0, False, Decimal("0.0000"), Decimal("0.00"), 17.0)


def test_a_contract_that_honours_nothing_earns_the_tier_credit_rounded_half_up(scenario_run):
    settings, _, _ = scenario_run
    row = one(settings, """select attained_pct, breached, tier_below_pct, credit_pct, credit_amount, currency
                           from marts.fct_sla_compliance where contract_name = 'strict' and period_start = '2026-10-01'""")
    # 99.3 % is below 99.9 and below 99.5: the lowest threshold wins -> 25 %.
    # 25 % of EUR 1,234.58 = 308.645 -> half-up to cents: 308.65.
    assert row == (pytest.approx(99.3), True, 99.5, Decimal("25.0000"), Decimal("308.65"), "EUR")


def test_the_open_period_projection_uses_each_contracts_own_exclusions(scenario_run):
    settings, _, _ = scenario_run
    got = {r[0]: r[1:] for r in rows(settings, """
        select contract_name, trailing_error_rate, projected_attained_pct, projected_credit_amount
        from marts.fct_sla_exposure where period_start = '2026-10-01'""")}
    # web's October is open (data on 10-01 only). acme honours the maintenance window, so its 7
    # errors there do not weigh on the projection: 983 of 983 good -> 100 %, no credit. strict
    # honours nothing: 7 of 1,000 bad carried to the month's end -> 99.3 %, 25 % of EUR 1,234.58.
    assert got["acme"] == (0.0, 100.0, Decimal("0.00"))
    assert got["strict"][0] == pytest.approx(0.007) and got["strict"][1] == pytest.approx(99.3)
    assert got["strict"][2] == Decimal("308.65")


@pytest.mark.parametrize(("slo", "good"), [
    # web's hours on 10-01: 02:00 holds 7 errors and 10 successes (10/17 good), 04:00-20:00 only
    # successes, the other six hours are empty and count as good. The 02:00 hour is the one with
    # events inside the maintenance window: the adjusted figures leave it out.
    ("web-hours-up", 23.0),               # Timeslices at 95 %: 10/17 < 0.95, 23 of 24 hours good
    ("web-hours-ratio", 23 + 10 / 17),    # RatioTimeslices: the mean of the 24 hourly ratios
])
def test_time_slice_slos_count_slices(scenario_run, slo, good):
    settings, _, _ = scenario_run
    row = one(settings, """select good_events, total_events, excluded_events, sli, sli_adjusted
                           from marts.fct_sli_daily where slo_name = ? and day = '2026-10-01'""", [slo])
    assert row == (pytest.approx(good), 24.0, 1.0, pytest.approx(good / 24), pytest.approx(1.0))
    budget = one(settings, """select allowed_bad, actual_bad from marts.fct_error_budget
                              where slo_name = ? and as_of = '2026-10-01'""", [slo])
    assert budget == (pytest.approx(0.23), pytest.approx(0.0))  # 1 % of the 23 hours left after the exclusion


def test_the_telemetry_gap_is_found_and_lowers_coverage(scenario_run):
    settings, outcome, _ = scenario_run
    gaps = rows(settings, "select service, source, gap_start, gap_end, gap_minutes, expected_by "
                          "from marts.fct_telemetry_gaps order by source")
    # both sources of catalog (its server log and the synthetic prober) went silent for 3 hours;
    # nothing else in 36 days of Poisson traffic (quiet minutes included) is called a gap
    start, end = dt.datetime(2026, 10, 27, 9), dt.datetime(2026, 10, 27, 12)
    assert gaps == [("catalog", "server", start, end, 180, "pattern"), ("catalog", "synthetic", start, end, 180, "pattern")]
    coverage = one(settings, "select expected_minutes, gap_minutes, coverage from marts.fct_sli_daily "
                             "where slo_name = 'catalog-availability' and day = '2026-10-27'")
    assert coverage == (1440, 180, pytest.approx(1 - 180 / 1440))  # 3 of 24 expected hours missing
    checks = {c.name: c for c in outcome.checks}
    assert checks["landed_events_valid"].passed
    gap_check = checks["telemetry_complete"]
    assert not gap_check.passed and gap_check.severity == "WARN"
    assert [(g["service"], g["source"], g["gap_minutes"]) for g in gap_check.metadata["gap_list"]] == [
        ("catalog", "server", 180), ("catalog", "synthetic", 180)]


def test_every_dbt_test_ran_as_an_asset_check_and_passed(scenario_run, dbt_manifest):
    _, outcome, _ = scenario_run
    declared = {n["name"] for n in json.loads(dbt_manifest.read_text())["nodes"].values()
                if n["resource_type"] == "test"}
    ran = {c.name: c.passed for c in outcome.checks if c.name in declared}
    assert set(ran) == declared and all(ran.values())


def test_dbt_evidence_is_kept_in_the_home_and_only_that(scenario_run):
    settings, outcome, _ = scenario_run
    target = settings.home / "dbt" / "runs" / outcome.run_id
    assert sorted(p.name for p in target.iterdir()) == ["run_results.json", "window.json"]
    # the run's days, half-open: the landed days, October 1 to 29
    assert (outcome.start, outcome.end) == ("2026-10-01", "2026-10-29")
    assert json.loads((target / "window.json").read_text()) == {"min_date": "2026-10-01", "max_date": "2026-10-30"}
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert results and all(r["status"] in ("success", "pass") for r in results if r["status"] != "no-op")
    # dbt lists the exposures (the report, the BI marts) as no-op nodes: nothing runs for them
    assert {r["unique_id"] for r in results if r["status"] == "no-op"} == {
        "exposure.slm_warehouse.sla_report", "exposure.slm_warehouse.bi_marts"}


def test_the_next_run_starts_from_this_homes_dbt_parse(scenario_run, tmp_path):
    """The run's days are not dbt vars, and the home keeps dbt's parse: the next run's dbt, with
    other days, re-parses nothing (a full parse of the project is about 5 s a run)."""
    from conftest import run_dbt

    from pipelines.settings import tool_environment

    settings, _, _ = scenario_run
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "partial_parse.msgpack").write_bytes(settings.dbt_parse_cache.read_bytes())
    with settings.exported():
        env = tool_environment(SLM_RUN_MIN_DATE="2026-11-01", SLM_RUN_MAX_DATE="2026-11-02")
    done = run_dbt(["--debug", "parse"], env, tmp_path, timeout=300)
    assert "Partial parsing enabled: 0 files deleted, 0 files added, 0 files changed." in done.stdout
    assert "Unable to do partial parsing" not in done.stdout


# (sums of doubles are rounded: a parallel aggregation may add them in another order)
TOTALS = "select count(*), round(sum(good_events), 6), round(sum(total_events), 6) from marts.fct_sli_daily"
BURNS = """select md5(string_agg(concat_ws('|', slo_name, evaluated_at, long_window, short_window,
                                          burn_rate_long, burn_rate_short, firing), ';'
                                order by slo_name, evaluated_at, long_window)), count(*)
           from marts.fct_burn_rate"""


HISTORY = ["intermediate.int_source_minutes_classified", "intermediate.int_service_coverage_daily",
           "marts.fct_telemetry_gaps", "marts.fct_sli_by_version"]


def history(settings):
    """Row count and hash of each model that reads history incrementally."""
    from conftest import table_fingerprint

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return [table_fingerprint(con, table) for table in HISTORY]


def test_a_partial_range_recomputes_only_its_days(scenario_run):
    from pipelines.cli.runner import run_pipeline

    settings, _, _ = scenario_run
    # fct_burn_rate is incremental: the day re-computed alone (reading the 3 days of its longest
    # alert window before it) must give exactly the rows the full run gave
    before, burns_before, history_before = one(settings, TOTALS), one(settings, BURNS), history(settings)
    assert burns_before[1] > 0
    lines: list[str] = []
    outcome = run_pipeline(settings, "2026-10-27", "2026-10-27", out=lines.append)
    assert outcome.success and (outcome.start, outcome.end) == ("2026-10-27", "2026-10-27")
    assert "  landed_events.publish_days: published 1 day partition(s), " in "\n".join(lines)
    assert "0 new file(s)" in "\n".join(lines)
    # the same data gives the same marts: nothing outside the day was dropped or doubled
    assert one(settings, TOTALS) == before
    assert one(settings, BURNS) == burns_before
    # the day holds the 09:00-12:00 gap: re-judging it (and every later day its history feeds)
    # gives the same gaps, coverage and canary rows
    assert history(settings) == history_before


def test_a_full_refresh_rebuilds_every_day_to_the_same_marts(scenario_run):
    from pipelines.cli.runner import PipelineError, run_pipeline

    settings, _, _ = scenario_run
    before, burns_before = one(settings, TOTALS), one(settings, BURNS)
    with pytest.raises(PipelineError, match="leave out --start and --end"):
        run_pipeline(settings, "2026-10-27", None, out=lambda _: None, full_refresh=True)
    lines: list[str] = []
    outcome = run_pipeline(settings, out=lines.append, full_refresh=True)
    assert outcome.success
    assert ", full refresh) with Dagster job slm_daily" in "\n".join(lines)
    run = settings.dbt_runs / outcome.run_id
    assert json.loads((run / "run_results.json").read_text())["args"]["full_refresh"] is True
    assert json.loads((run / "window.json").read_text()) == {}  # every day
    assert one(settings, TOTALS) == before
    assert one(settings, BURNS) == burns_before


def test_a_run_reports_the_dbt_builds_progress(scenario_run):
    _, _, lines = scenario_run
    progress = [line for line in lines if "warehouse_models: dbt build " in line]
    percents = [int(line.rsplit("(", 1)[1].split(" %")[0]) for line in progress]
    # a line per tenth of the models and tests done, the last at 100 %
    assert len(progress) == 10 and percents == sorted(percents) and percents[-1] == 100
    assert progress[-1].split("dbt build ")[1].startswith("##########")
