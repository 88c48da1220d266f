"""A contract's money terms at their edges (issue 22): fee, tiers, cap, minimum credit, period
dates and a vendor's claim window, each exactly at its bound and one step beyond. The catalog is
the first gate of every credit: a term it lets through is computed and paid."""

import json

import pytest

from conftest import availability_catalog
from pipelines.catalog import load_catalog

BASE = {
    "slo": "web-availability",
    "fee": {"amount": 1000, "currency": "USD"},
    "creditTiers": [{"below": 99.9, "creditPercent": 10}],
}


def resolve(tmp_path, budgeting="Occurrences", grouped=False, notes=None, **spec):
    """(problem paths, the contract row or None, its tiers) of one contract on BASE + `spec`; the
    catalog's notes are appended to `notes` when given."""
    body = dict(BASE, **spec)
    catalog = availability_catalog("web")
    if budgeting == "Timeslices":
        catalog = catalog.replace("budgetingMethod: Occurrences", "budgetingMethod: Timeslices").replace(
            "{target: 0.99}", "{target: 0.99, timeSliceTarget: 0.9, timeSliceWindow: 5m}")
    if grouped:
        catalog += "  groupBy: [customer]\n"
    doc = {"apiVersion": "slm/v1", "kind": "Contract", "metadata": {"name": "acme"}, "spec": body}
    (tmp_path / "catalog.yaml").write_text(catalog + "---\n" + json.dumps(doc))
    cat = load_catalog(tmp_path)
    if notes is not None:
        notes.extend(n.path for n in cat.notes)
    paths = sorted(p.path for p in cat.problems)
    row = next((c for c in cat.contracts if c["contract_name"] == "acme"), None)
    return paths, row, sorted((t["below_pct"], t["credit_pct"]) for t in cat.credit_tiers)


@pytest.mark.parametrize("amount, ok", [(0, True), (999_999_999_999.99, True), (10**12, False), (-0.01, False),
                                        ("12.50", True), ("lots", False)])
def test_the_fee_is_from_zero_to_under_a_trillion(tmp_path, amount, ok):
    paths, row, _ = resolve(tmp_path, fee={"amount": amount, "currency": "USD"})
    assert paths == ([] if ok else ["spec.fee.amount"])
    assert (row is not None) == ok


@pytest.mark.parametrize("currency, ok", [("USD", True), ("EUR", True), ("usd", False), ("USDX", False), (None, False)])
def test_the_currency_is_an_iso_code(tmp_path, currency, ok):
    assert resolve(tmp_path, fee={"amount": 1, "currency": currency})[0] == ([] if ok else ["spec.fee.currency"])


@pytest.mark.parametrize("below, ok", [(100, True), (100.01, False), (0.01, True), (0, False), (-1, False)])
def test_a_tier_threshold_is_in_zero_to_a_hundred(tmp_path, below, ok):
    paths, _, tiers = resolve(tmp_path, creditTiers=[{"below": below, "creditPercent": 10}])
    assert paths == ([] if ok else ["spec.creditTiers[0].below"])
    assert tiers == ([(float(below), 10.0)] if ok else [])


@pytest.mark.parametrize("pct, ok", [(0, True), (100, True), (100.5, False), (-1, False)])
def test_a_tier_credit_is_a_percentage(tmp_path, pct, ok):
    paths, _, tiers = resolve(tmp_path, creditTiers=[{"below": 99, "creditPercent": pct}])
    assert paths == ([] if ok else ["spec.creditTiers[0].creditPercent"])
    assert tiers == ([(99.0, float(pct))] if ok else [])


def test_tiers_are_distinct_and_a_lower_attainment_never_earns_less(tmp_path):
    same_credit = [{"below": 99.9, "creditPercent": 10}, {"below": 99, "creditPercent": 10}]
    assert resolve(tmp_path, creditTiers=same_credit)[0] == []  # equal credits are allowed
    rising = [{"below": 99.9, "creditPercent": 10}, {"below": 99, "creditPercent": 25}, {"below": 95, "creditPercent": 50}]
    paths, row, tiers = resolve(tmp_path, creditTiers=rising)
    assert paths == [] and tiers == [(95.0, 50.0), (99.0, 25.0), (99.9, 10.0)]
    falling = [{"below": 99.9, "creditPercent": 25}, {"below": 99, "creditPercent": 24.99}]
    assert resolve(tmp_path, creditTiers=falling)[0] == ["spec.creditTiers"]
    twice = [{"below": 99, "creditPercent": 10}, {"below": 99, "creditPercent": 20}]
    assert resolve(tmp_path, creditTiers=twice)[0] == ["spec.creditTiers"]
    assert resolve(tmp_path, creditTiers=[])[0] == ["spec.creditTiers"]


@pytest.mark.parametrize("cap, ok", [(0, True), (100, True), (100.01, False), (-0.01, False)])
def test_the_cap_is_a_percentage(tmp_path, cap, ok):
    paths, row, _ = resolve(tmp_path, creditCapPercent=cap)
    assert paths == ([] if ok else ["spec.creditCapPercent"])
    assert (row["credit_cap_pct"] if row else None) == (float(cap) if ok else None)


@pytest.mark.parametrize("minimum, ok", [(0, True), ("999999999999.99", True), (10**12, False), (-1, False)])
def test_the_minimum_credit_is_from_zero_to_under_a_trillion(tmp_path, minimum, ok):
    paths, row, _ = resolve(tmp_path, minimumCredit=minimum)
    assert paths == ([] if ok else ["spec.minimumCredit"])
    assert (row["minimum_credit"] if row else None) == (str(minimum) if ok else None)


def test_defaults_cap_100_no_minimum_missing_data_excluded_monthly_utc(tmp_path):
    paths, row, _ = resolve(tmp_path)
    assert paths == []
    assert (row["credit_cap_pct"], row["minimum_credit"], row["missing_data"], row["period"], row["time_zone"],
            row["computed"], row["direction"], row["fee_amount"]) == (100.0, "0", "excluded", "month", "UTC", True,
                                                                      "outbound", "1000")


@pytest.mark.parametrize("missing, ok", [("good", True), ("bad", True), ("excluded", True), ("ignored", False)])
def test_missing_data_is_good_bad_or_excluded(tmp_path, missing, ok):
    assert resolve(tmp_path, missingData=missing)[0] == ([] if ok else ["spec.missingData"])


@pytest.mark.parametrize("start, end, ok", [("2026-10-01", "2026-10-02", True), ("2026-10-01", "2026-10-01", False),
                                            ("2026-10-02", "2026-10-01", False)])
def test_a_contract_ends_after_it_starts(tmp_path, start, end, ok):
    paths, row, _ = resolve(tmp_path, start=start, end=end)
    assert paths == ([] if ok else ["spec.end"])


def test_a_contract_on_a_timeslices_slo_or_a_local_period_is_listed_not_computed(tmp_path):
    notes = []
    paths, row, _ = resolve(tmp_path, budgeting="Timeslices", notes=notes)
    assert paths == [] and row["computed"] is False and "Timeslices" in row["not_computed_reason"]
    assert notes == ["spec.slo"]
    notes.clear()
    paths, row, _ = resolve(tmp_path, timeZone="Europe/Berlin", notes=notes)
    assert paths == [] and row["computed"] is False and "Europe/Berlin" in row["not_computed_reason"]
    assert notes == ["spec.timeZone"]
    notes.clear()
    assert resolve(tmp_path, notes=notes)[1]["computed"] is True and notes == []


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../../etc/passwd", "A" * 300])
def test_an_unknown_time_zone_is_a_problem_not_a_crash(tmp_path, zone):
    assert resolve(tmp_path, timeZone=zone)[0] == ["spec.timeZone"]


def test_every_tier_is_checked_even_after_a_bad_one(tmp_path):
    paths = resolve(tmp_path, creditTiers=[{"below": 0, "creditPercent": 10}, {"below": 99, "creditPercent": 101},
                                           {"below": 98, "creditPercent": -1}, {"below": 90, "creditPercent": 50}])[0]
    assert paths == ["spec.creditTiers[0].below", "spec.creditTiers[1].creditPercent", "spec.creditTiers[2].creditPercent"]


@pytest.mark.parametrize("kinds, ok", [([], True), (["maintenance", "third_party"], True), (["maintenance", "nap"], False),
                                       ("maintenance", False), ("", False), (None, False)])
def test_exclusion_kinds_are_a_list_of_known_kinds(tmp_path, kinds, ok):
    assert resolve(tmp_path, exclusionKinds=kinds)[0] == ([] if ok else ["spec.exclusionKinds"])


def test_the_customer_is_kept_as_written(tmp_path):
    assert resolve(tmp_path, customer="Initech")[1]["customer"] == "Initech"
    assert resolve(tmp_path)[1]["customer"] == ""


@pytest.mark.parametrize("scope, grouped, problem, customer", [
    ({"customer": "acme"}, True, None, "acme"),
    ({"customer": " acme "}, True, None, "acme"),
    ({"customer": 0}, True, None, "0"),                          # YAML may read a name as a number
    ({"customer": "acme"}, False, "spec.scope.customer", None),  # the SLO is not grouped
    ({"customer": " "}, True, "spec.scope.customer", None),
    ({}, True, "spec.scope.customer", None),
])
def test_a_scope_names_a_customer_of_a_grouped_slo(tmp_path, scope, grouped, problem, customer):
    paths, row, _ = resolve(tmp_path, grouped=grouped, scope=scope)
    assert paths == ([problem] if problem else [])
    if customer is not None:
        assert row["scope_customer"] == customer
    assert resolve(tmp_path, grouped=grouped)[1]["scope_customer"] is None


@pytest.mark.parametrize("claim, ok", [
    ({"windowMonths": 0}, True), ({"windowMonths": 24}, True), ({"windowMonths": 25}, False), ({"windowMonths": -1}, False),
    ({"windowDays": 1}, True), ({"windowDays": 730}, True), ({"windowDays": 0}, False), ({"windowDays": 731}, False),
    ({"windowDays": 1.5}, False), ({"windowMonths": 1, "windowDays": 30}, False), ({}, False),
])
def test_a_vendor_claim_window_is_months_0_to_24_or_days_1_to_730(tmp_path, claim, ok):
    paths, row, _ = resolve(tmp_path, direction="inbound", vendor="cloudco", claim=claim)
    assert len(paths) == (0 if ok else 1) and all(p.startswith("spec.claim") for p in paths), paths
    assert (row is not None) == ok  # a contract with a bad claim window is not listed
    if ok:
        assert (row["claim_window_months"], row["claim_window_days"]) == (claim.get("windowMonths"), claim.get("windowDays"))


def test_inbound_needs_a_vendor_and_outbound_has_none(tmp_path):
    paths, row, _ = resolve(tmp_path, direction="inbound", claim={"windowDays": 30})
    assert paths == ["spec.vendor"] and row is None
    paths, row, _ = resolve(tmp_path, direction="inbound", vendor="  ", claim={"windowDays": 30})
    assert paths == ["spec.vendor"] and row is None
    paths, row, _ = resolve(tmp_path, direction="inbound", vendor="cloudco", customer="us", claim={"windowDays": 30})
    assert paths == ["spec.customer"] and row is None
    assert resolve(tmp_path, vendor="cloudco")[0] == ["spec.vendor"]
    assert resolve(tmp_path, direction="sideways")[0] == ["spec.direction"]
    paths, row, _ = resolve(tmp_path, direction="inbound", vendor=" cloudco ", claim={"windowMonths": 2, "evidence": ["logs", "tickets"]})
    assert paths == [] and (row["vendor"], row["claim_evidence"]) == ("cloudco", "logs; tickets")
