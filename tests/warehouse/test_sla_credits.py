"""SLA credits for finance (issue 8): credit tables shaped like the public cloud SLAs, exact
decimal amounts rounded half up to cents, a minimum issued credit, partial periods pro rata, and
an object-storage style uptime (the mean of 5-minute error rates, empty intervals at 0 %).

Every expected figure is worked out here from the events written below."""

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest


TIERS = "[{below: 99.99, creditPercent: 10}, {below: 99.0, creditPercent: 30}, {below: 95.0, creditPercent: 100}]"


def contract(name, slo, fee, currency="USD", **extra):
    lines = "".join(f"\n  {k}: {v}" for k, v in extra.items())
    return f"""---
apiVersion: slm/v1
kind: Contract
metadata: {{name: {name}}}
spec:
  customer: Customer {name}
  slo: {slo}
  period: month
  fee: {{amount: {fee}, currency: {currency}}}
  creditTiers: {TIERS}{lines}
"""


CATALOG = """
apiVersion: openslo/v1
kind: Service
metadata: {name: pay}
spec: {description: Payments}
---
apiVersion: openslo/v1
kind: Service
metadata: {name: store}
spec: {description: Object storage}
---
apiVersion: openslo/v1
kind: Service
metadata: {name: queue}
spec: {description: Message queue that reports until 10-10 only}
---
apiVersion: openslo/v1
kind: SLI
metadata: {name: http-success}
spec:
  ratioMetric:
    counter: true
    good: {metricSource: {type: warehouse, spec: {filter: "status_code < 500"}}}
    total: {metricSource: {type: warehouse, spec: {filter: "true"}}}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: pay-availability}
spec:
  service: pay
  indicatorRef: http-success
  timeWindow: [{duration: 1M, isRolling: false, calendar: {startTime: "2026-01-01 00:00:00", timeZone: UTC}}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: store-uptime}
spec:
  service: store
  indicatorRef: http-success
  timeWindow: [{duration: 1M, isRolling: false, calendar: {startTime: "2026-01-01 00:00:00", timeZone: UTC}}]
  budgetingMethod: RatioTimeslices
  objectives: [{target: 0.999, timeSliceWindow: 5m}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: queue-availability}
spec:
  service: queue
  indicatorRef: http-success
  timeWindow: [{duration: 1M, isRolling: false, calendar: {startTime: "2026-01-01 00:00:00", timeZone: UTC}}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
""" + "".join([
    contract("exact-99", "pay-availability", "1234.55"),
    contract("tiny-fee", "pay-availability", "9.90", minimumCredit="1.00"),
    contract("small-fee", "pay-availability", "10.00", minimumCredit="1.00"),
    contract("late-start", "pay-availability", "3100.00", start="2026-10-11"),
    contract("late-start-odd", "pay-availability", "1000.00", start="2026-10-11"),
    contract("early-end", "pay-availability", "3100.00", end="2026-10-21"),
    contract("uptime", "store-uptime", "1000.00", currency="EUR"),
    contract("queue-open", "queue-availability", "1000.00"),
])


def event(ts, service, status):
    return json.dumps({"timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "service": service, "status_code": status})


def write_landing(landing):
    oct20, oct31, oct1 = dt.datetime(2026, 10, 20), dt.datetime(2026, 10, 31), dt.datetime(2026, 10, 1)
    # pay: 10-20 has 890 successes and 10 server errors (one a minute from 00:00), 10-31 has 100
    # successes: 990 good of 1,000 in October, exactly 99.0 %
    pay = [event(oct20 + dt.timedelta(minutes=i), "pay", 500 if i < 10 else 200) for i in range(900)]
    pay += [event(oct31 + dt.timedelta(minutes=i), "pay", 200) for i in range(100)]
    # store: interval 00:00-00:05 on 10-01 has 10 requests, 5 failed (50 % errors); 00:05-00:10 has
    # 4, 1 failed (25 %); 00:10-00:15 has 2, both failed (100 %); one good request on 10-31 at
    # 12:00; every other interval is empty
    store = [event(oct1 + dt.timedelta(seconds=20 * i), "store", 500 if i < 5 else 200) for i in range(10)]
    store += [event(oct1 + dt.timedelta(minutes=5, seconds=30 * i), "store", 500 if i == 0 else 200) for i in range(4)]
    store += [event(oct1 + dt.timedelta(minutes=10, seconds=60 * i), "store", 503) for i in range(2)]
    store.append(event(oct31 + dt.timedelta(hours=12), "store", 200))
    # queue: 100 requests a day on 10-01 .. 10-10, all good for 7 days, then 3 failures a day
    queue = [event(oct1 + dt.timedelta(days=d, minutes=10 * i), "queue", 500 if d >= 7 and i < 3 else 200)
             for d in range(10) for i in range(100)]
    for service, lines in (("pay", pay), ("store", store), ("queue", queue)):
        (landing / service).mkdir(parents=True)
        (landing / service / f"{service}-2026-10.jsonl").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def finance(tmp_path_factory, run_scenario):
    return run_scenario(tmp_path_factory.mktemp("finance"), write_landing, CATALOG)


def compliance(settings, name):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        cur = con.execute("select * from marts.fct_sla_compliance where contract_name = ? and period_start = '2026-10-01'",
                          [name])
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
    assert len(rows) == 1, rows
    return dict(zip(cols, rows[0]))


def cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def tier(attained: Decimal) -> Decimal:
    """The cloud-style table: the lowest `below` the attainment is under wins; bounds inclusive."""
    for below, pct in ((Decimal("95.0"), 100), (Decimal("99.0"), 30), (Decimal("99.99"), 10)):
        if attained < below:
            return Decimal(pct)
    return Decimal(0)


def test_exactly_99_percent_is_not_below_99_and_earns_the_first_tier(finance):
    row = compliance(finance, "exact-99")
    attained = Decimal(990) * 100 / Decimal(1000)
    assert attained == Decimal(99) and tier(attained) == 10
    assert (row["good_events"], row["total_events"], row["attained_pct"]) == (990.0, 1000.0, 99.0)
    assert row["unit"] == "events" and row["breached"] is False  # the SLO target is 99 %: met, exactly
    # 10 % of USD 1,234.55 = 123.455 -> half up to cents: 123.46
    assert row["credit_pct"] == Decimal("10.0000") and row["credit_amount"] == cents(Decimal("1234.55") * 10 / 100)
    assert row["credit_amount"] == Decimal("123.46") and row["currency"] == "USD"
    assert (row["days_in_period"], row["days_in_force"], row["fee_in_force"]) == (31, 31, Decimal("1234.55"))


def test_a_credit_below_the_minimum_is_not_issued(finance):
    tiny, small = compliance(finance, "tiny-fee"), compliance(finance, "small-fee")
    assert cents(Decimal("9.90") * 10 / 100) == Decimal("0.99") < Decimal("1.00")
    assert tiny["credit_amount"] == Decimal("0.00") and tiny["below_minimum_credit"] is True
    assert small["credit_amount"] == Decimal("1.00") and small["below_minimum_credit"] is False


@pytest.mark.parametrize(("name", "fee", "days", "good", "total"), [
    # starts 10-11: 21 of October's 31 days; both pay days are in force -> 990 / 1,000
    ("late-start", "3100.00", 21, 990, 1000),
    ("late-start-odd", "1000.00", 21, 990, 1000),
    # ends before 10-21: 20 days; only 10-20 is in force -> 890 / 900 = 98.89 %
    ("early-end", "3100.00", 20, 890, 900),
])
def test_partial_periods_are_pro_rated(finance, name, fee, days, good, total):
    row = compliance(finance, name)
    fee_in_force = cents(Decimal(fee) * days / 31)
    attained = Decimal(good) * 100 / Decimal(total)
    credit = cents(fee_in_force * tier(attained) / 100)
    assert (row["days_in_force"], row["fee_in_force"]) == (days, fee_in_force)
    assert (row["good_events"], row["total_events"]) == (good, total)
    assert row["credit_pct"] == tier(attained) and row["credit_amount"] == credit
    expected = {"late-start": ("2100.00", "210.00"), "late-start-odd": ("677.42", "67.74"),
                "early-end": ("2000.00", "600.00")}[name]
    assert (str(fee_in_force), str(credit)) == expected  # the same, worked out by hand


def test_uptime_is_the_mean_of_5_minute_error_rates_with_empty_intervals_at_0_percent(finance):
    row = compliance(finance, "uptime")
    intervals = 31 * 24 * 12  # 8,928 five-minute intervals in October
    error_rates = [Decimal(5) / 10, Decimal(1) / 4, Decimal(1)] + [Decimal(0)] * (intervals - 3)
    uptime = 100 * (1 - sum(error_rates) / intervals)
    assert intervals == 8928 and 99.0 < uptime < 99.99  # 99.9804 %: the 10 % tier
    assert row["unit"] == "slices" and row["total_events"] == 4.0  # intervals that had requests
    assert row["counted_total_events"] == intervals
    assert row["counted_good_events"] == Decimal(intervals) - Decimal("1.75")
    assert row["attained_pct"] == pytest.approx(float(uptime), abs=1e-9)
    assert row["credit_pct"] == Decimal(10) and row["credit_amount"] == Decimal("100.00") and row["currency"] == "EUR"


def test_the_open_period_is_projected_from_the_trailing_error_rate(finance):
    with duckdb.connect(str(finance.warehouse), read_only=True) as con:
        cur = con.execute("select * from marts.fct_sla_exposure order by contract_name")
        cols = [d[0] for d in cur.description]
        rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    # every other contract's October has data on its last day: only the queue's is open
    assert [r["contract_name"] for r in rows] == ["queue-open"]
    row = rows[0]
    good, total = 7 * 100 + 3 * 97, 10 * 100                  # 991 of 1,000 so far: 99.1 %
    trailing = Decimal(4 * 100 + 3 * 97) / Decimal(7 * 100)   # 10-04 .. 10-10: 691 of 700 good
    projected_total = Decimal(total) * 31 / 10                # 100 a day for all 31 days: 3,100
    projected_good = good + (projected_total - total) * trailing  # 991 + 2,100 x 691/700 = 3,064
    assert projected_good == 3064
    assert (row["as_of"], row["days_counted"], row["days_remaining"]) == (dt.date(2026, 10, 10), 10, 21)
    assert row["attained_pct_to_date"] == pytest.approx(99.1) and row["credit_pct_to_date"] == Decimal(10)
    assert row["credit_amount_to_date"] == Decimal("100.00")
    assert row["trailing_error_rate"] == pytest.approx(9 / 700)
    assert row["projected_total_events"] == projected_total and row["projected_good_events"] == pytest.approx(3064, abs=1e-5)
    # 3,064 / 3,100 = 98.84 %: below 99.0 at the end of the month -> the 30 % tier
    assert row["projected_attained_pct"] == pytest.approx(float(projected_good / projected_total * 100))
    assert row["projected_credit_pct"] == tier(projected_good / projected_total * 100) == Decimal(30)
    assert row["projected_credit_amount"] == Decimal("300.00")
