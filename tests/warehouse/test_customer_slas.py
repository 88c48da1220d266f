"""Per-customer SLIs and contracts (issue 20, item 1): an SLO with `groupBy: [customer]` is computed
per customer group, at most `groupLimit` of them plus `<slo>[(other)]`; a contract scoped to a
customer is computed on that customer's traffic only; a contract without a scope keeps the figures
of the whole service.

Worked by hand. Service api, 2026-10-01: acme 400 requests (8 fail), bolt 300 (none), cyan 200 (4),
and 100 without a customer (1). 2026-10-02: zeta, first seen, 100 (5), and acme 100 (none).
`api-by-customer` has a limit of 2 groups: acme and bolt are the first seen (day 1, most records
first); cyan is seen the same day with fewer records and goes to `(other)` with the 100 events
without a customer (300 requests, 5 failed); zeta, seen last, has a group anyway because the
contract `zeta-sla` is scoped to it.
- acme: day 1 392/400, day 2 100/100; October so far 492/500 = 98.4 %; at 99 % its 28-day budget
  allows 0.01 x 500 = 5 and 8 were spent: 1 - 8/5 = -0.6 remaining, exhausted.
- the ungrouped `api-availability` over the same events: day 1 987/1,000, day 2 195/200; October
  1,182/1,200 = 98.5 %, the contract `everyone` on it as if no event had a customer.
Tiers below 99.0 -> 10 %, below 97.0 -> 25 % of a 1,000 USD fee: everyone 100.00 (98.5 %),
acme-sla 100.00 (98.4 %), zeta-sla 250.00 (95/100 = 95.0 %).
"""

import json
import textwrap
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.catalog import load_catalog

SLO = """
---
apiVersion: openslo/v1
kind: SLO
metadata: {{name: {name}}}
spec:
  service: api
  indicator:
    metadata: {{name: {name}-ok}}
    spec:
      ratioMetric:
        counter: true
        good: {{metricSource: {{type: warehouse, spec: {{filter: "status_code < 500"}}}}}}
        total: {{metricSource: {{type: warehouse, spec: {{filter: "true"}}}}}}
  timeWindow: [{{duration: 28d, isRolling: true}}]
  budgetingMethod: Occurrences
  objectives: [{{target: 0.99}}]
{extra}"""

CONTRACT = """
---
apiVersion: slm/v1
kind: Contract
metadata: {{name: {name}}}
spec:
  customer: {customer}
  slo: {slo}
  fee: {{amount: "1000.00", currency: USD}}
  creditTiers: [{{below: 99.0, creditPercent: 10}}, {{below: 97.0, creditPercent: 25}}]
{extra}"""

CATALOG = ("""
apiVersion: openslo/v1
kind: Service
metadata: {name: api}
spec: {}
""" + SLO.format(name="api-availability", extra="")
           + SLO.format(name="api-by-customer", extra="  groupBy: [customer]\n  groupLimit: 2\n")
           + CONTRACT.format(name="everyone", customer="All of them", slo="api-availability", extra="")
           + CONTRACT.format(name="acme-sla", customer="ACME Corp", slo="api-by-customer",
                             extra="  scope: {customer: acme}\n")
           + CONTRACT.format(name="zeta-sla", customer="Zeta Ltd", slo="api-by-customer",
                             extra="  scope: {customer: zeta}\n"))

# (day, customer, requests, failed)
TRAFFIC = [("2026-10-01", "acme", 400, 8), ("2026-10-01", "bolt", 300, 0), ("2026-10-01", "cyan", 200, 4),
           ("2026-10-01", None, 100, 1), ("2026-10-02", "zeta", 100, 5), ("2026-10-02", "acme", 100, 0)]


def write_landing(landing: Path) -> None:
    (landing / "api").mkdir(parents=True)
    for day in ("2026-10-01", "2026-10-02"):
        lines = []
        for when, customer, requests, failed in TRAFFIC:
            if when != day:
                continue
            for i in range(requests):
                event = {"timestamp": f"{day}T10:{i % 60:02d}:00Z", "service": "api",
                         "status_code": 500 if i < failed else 200}
                if customer:
                    event["customer"] = customer
                lines.append(json.dumps(event))
        (landing / "api" / f"{day}.jsonl").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def built(run_scenario, tmp_path_factory):
    return run_scenario(tmp_path_factory.mktemp("customers"), write_landing, CATALOG)


def query(settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_each_customer_group_and_the_rest_are_computed_apart(built):
    groups = query(built, """select slo_name, parent_slo_name, group_value, is_other from marts.dim_slo_groups
                             order by slo_name""")
    assert groups == [("api-availability", "api-availability", None, False),
                      ("api-by-customer[(other)]", "api-by-customer", None, True),
                      ("api-by-customer[acme]", "api-by-customer", "acme", False),
                      ("api-by-customer[bolt]", "api-by-customer", "bolt", False),
                      ("api-by-customer[zeta]", "api-by-customer", "zeta", False)]
    daily = query(built, """select slo_name, cast(day as varchar), cast(good_events as integer),
                                   cast(total_events as integer)
                            from marts.fct_sli_daily order by slo_name, day""")
    assert daily == [("api-availability", "2026-10-01", 987, 1000), ("api-availability", "2026-10-02", 195, 200),
                     ("api-by-customer[(other)]", "2026-10-01", 295, 300),
                     ("api-by-customer[acme]", "2026-10-01", 392, 400),
                     ("api-by-customer[acme]", "2026-10-02", 100, 100),
                     ("api-by-customer[bolt]", "2026-10-01", 300, 300),
                     ("api-by-customer[zeta]", "2026-10-02", 95, 100)]
    # the groups add up to the whole service, day by day
    for day in ("2026-10-01", "2026-10-02"):
        whole = [r for r in daily if r[0] == "api-availability" and r[1] == day][0]
        parts = [r for r in daily if r[0].startswith("api-by-customer[") and r[1] == day]
        assert (sum(r[2] for r in parts), sum(r[3] for r in parts)) == whole[2:]


def test_budgets_and_burn_rates_are_kept_per_group(built):
    acme = query(built, """select cast(allowed_bad as double), cast(actual_bad as double),
                                  round(budget_remaining, 6), status
                           from marts.fct_error_budget
                           where slo_name = 'api-by-customer[acme]' and as_of = date '2026-10-02'""")
    assert acme == [(5.0, 8.0, -0.6, "exhausted")]
    burning = {r[0] for r in query(built, "select distinct slo_name from marts.fct_burn_rate")}
    assert {"api-by-customer[acme]", "api-by-customer[bolt]", "api-by-customer[(other)]",
            "api-by-customer[zeta]", "api-availability"} <= burning
    assert "api-by-customer" not in burning  # a grouped SLO is only its groups


def test_a_scoped_contract_counts_its_customer_only_and_an_unscoped_one_the_whole_service(built):
    got = query(built, """select contract_name, cast(attained_pct as decimal(9, 4)), credit_pct, credit_amount
                          from marts.fct_sla_compliance order by contract_name""")
    assert got == [("acme-sla", Decimal("98.4000"), 10.0, Decimal("100.00")),
                   ("everyone", Decimal("98.5000"), 10.0, Decimal("100.00")),
                   ("zeta-sla", Decimal("95.0000"), 25.0, Decimal("250.00"))]
    terms = query(built, """select contract_name, slo_name, scope_customer, measured_slo_name
                            from marts.dim_contracts order by contract_name""")
    assert terms == [("acme-sla", "api-by-customer", "acme", "api-by-customer[acme]"),
                     ("everyone", "api-availability", None, "api-availability"),
                     ("zeta-sla", "api-by-customer", "zeta", "api-by-customer[zeta]")]


def test_grouping_and_scopes_are_checked(tmp_path):
    bad = (SLO.format(name="by-region", extra="  groupBy: [region]\n")
           + SLO.format(name="too-many", extra="  groupBy: [customer]\n  groupLimit: 0\n")
           + SLO.format(name="limit-alone", extra="  groupLimit: 5\n")
           + CONTRACT.format(name="whole-service", customer="X", slo="api-availability",
                             extra="  scope: {customer: acme}\n")
           + CONTRACT.format(name="no-one", customer="Y", slo="too-many", extra="  scope: {customer: ' '}\n"))
    (tmp_path / "catalog.yaml").write_text(textwrap.dedent(CATALOG + bad))
    found = {(p.name, p.path): p.message for p in load_catalog(tmp_path).problems}
    assert found[("by-region", "spec.groupBy")] == 'must be [customer] (one field), got ["region"]'
    assert found[("too-many", "spec.groupLimit")] == "must be a whole number from 1 to 1000, got 0"
    assert found[("limit-alone", "spec.groupLimit")] == "only with groupBy"
    assert found[("whole-service", "spec.scope.customer")] == ("the SLO 'api-availability' is not grouped by customer "
                                                               "(add groupBy: [customer] to it)")
    assert found[("no-one", "spec.scope.customer")] == "required in a scope (the customer whose traffic counts)"
    assert len(found) == 5, found
