"""The dbt `unit_tests:` of the project (in each folder's models/**/_*__models.yml) run against the scenario's
warehouse, which supplies the input relations' column types."""

import os

from conftest import dbt_unit_test_statuses


def test_dbt_unit_tests_pass(scenario_run, tmp_path):
    settings, outcome, _ = scenario_run
    assert outcome.success, (outcome.failed_steps, outcome.failures)
    env = {**os.environ, "SLM_HOME": str(settings.home), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    statuses = dbt_unit_test_statuses(env, tmp_path)
    assert statuses == {
        "error_budget_status_and_projection": "pass",
        "slo_windows_rolling_and_calendar": "pass",
        "sources_disagree_only_beyond_the_tolerance": "pass",
        "credit_tiers_cap_minimum_and_pro_rating": "pass",
        "contracts_honour_only_their_own_exclusion_kinds": "pass",
        "exhaustion_fires_within_the_horizon_and_when_exhausted": "pass",
        "slo_reviews_reviewed_due_overdue_retired": "pass",
        "vendor_claim_deadlines_and_status": "pass",
        "slo_groups_first_seen_up_to_the_limit_and_every_scoped_customer": "pass",
        "burn_rate_fires_only_when_both_windows_reach_the_threshold": "pass",
        "telemetry_gap_at_the_threshold_and_whole_silences": "pass",
        "telemetry_expected_by_the_hour_pattern_and_the_mirror": "pass",
        "missing_data_good_bad_or_excluded": "pass",
        "slo_days_take_the_version_in_force_and_the_local_day_length": "pass",
        "time_slices_at_the_slice_target_and_throughput_at_each_operator": "pass",
        "coverage_per_local_day_of_every_zone": "pass",
        "burn_alerts_are_the_workbook_pairs_or_the_slo_own": "pass",
        "customers_per_day_in_the_run_window": "pass",
        "customers_per_day_without_a_run_window": "pass",
        "canary_days_widened_around_the_run_window": "pass",
        "canary_days_of_a_whole_rebuild": "pass",
    }
