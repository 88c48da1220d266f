"""The SLO mathematics beyond the basics (issue 4): calendar windows in a catalog time zone across
a daylight-saving change, projected exhaustion from the trailing burn, canary (per-version) SLIs,
per-source reconciliation and composite SLOs of user journeys. One pipeline run on hand-built
events; every expected figure is worked out in the test from those events."""

import datetime as dt
import json
import textwrap

import duckdb
import pytest

from pipelines.catalog import load_catalog

D = dt.date


def slo(name, service, target, window, total="not is_probe", method="Occurrences", objective_extra=""):
    return f"""---
apiVersion: openslo/v1
kind: SLO
metadata: {{name: {name}}}
spec:
  service: {service}
  indicator:
    metadata: {{name: {name}-ok}}
    spec:
      ratioMetric:
        counter: true
        good: {{metricSource: {{type: warehouse, spec: {{filter: "status_code < 500"}}}}}}
        total: {{metricSource: {{type: warehouse, spec: {{filter: "{total}"}}}}}}
  timeWindow: [{window}]
  budgetingMethod: {method}
  objectives: [{{target: {target}{objective_extra}}}]
"""


BERLIN_MONTH = '{duration: 1M, isRolling: false, calendar: {startTime: "2026-01-01 00:00:00", timeZone: Europe/Berlin}}'
UTC_MONTH = '{duration: 1M, isRolling: false, calendar: {startTime: "2026-01-01 00:00:00", timeZone: UTC}}'
ROLLING_7D = "{duration: 7d, isRolling: true}"

CATALOG = "".join(f"""---
apiVersion: openslo/v1
kind: Service
metadata: {{name: {svc}}}
spec: {{}}
""" for svc in ("berlin", "shop", "cart", "pay", "checkout", "ingestor", "exporter")) + "".join([
    slo("berlin-monthly", "berlin", 0.99, BERLIN_MONTH),
    slo("berlin-hours", "berlin", 0.99, BERLIN_MONTH, method="Timeslices",
        objective_extra=", timeSliceTarget: 0.9, timeSliceWindow: 1h"),
    slo("shop-monthly", "shop", 0.99, UTC_MONTH),
    slo("shop-weekly", "shop", 0.99, ROLLING_7D),
    slo("cart-availability", "cart", 0.9995, ROLLING_7D, total="source = 'server'"),
    slo("pay-availability", "pay", 0.9998, ROLLING_7D),
    slo("checkout-availability", "checkout", 0.999, ROLLING_7D),
]) + """---
apiVersion: slm/v1
kind: Dependency
metadata: {name: checkout-needs-cart}
spec: {service: checkout, dependsOn: cart, hard: true}
---
apiVersion: slm/v1
kind: Dependency
metadata: {name: cart-needs-pay}
spec: {service: cart, dependsOn: pay, hard: true}
---
apiVersion: slm/v1
kind: Dependency
metadata: {name: checkout-needs-pay}
spec: {service: checkout, dependsOn: pay, hard: true, slo: pay-availability}
---
apiVersion: slm/v1
kind: Dependency
metadata: {name: checkout-likes-berlin}
spec: {service: checkout, dependsOn: berlin, hard: false}
"""


def slice_slo(name, service, indicator, objective):
    return f"""---
apiVersion: openslo/v1
kind: SLO
metadata: {{name: {name}}}
spec:
  service: {service}
  indicator:
    metadata: {{name: {name}-sli}}
    spec: {indicator}
  timeWindow: [{ROLLING_7D}]
  budgetingMethod: Timeslices
  objectives: [{objective}]
"""


def count_per_hour(filter_text):
    return f'{{thresholdMetric: {{metricSource: {{type: warehouse, spec: {{measure: count, filter: "{filter_text}"}}}}}}}}'


# Throughput: hours with at least 5 requests. Batch: hours in which every run of the job succeeded
# (Timeslices with a slice target of 1), and hours in which the job ran at all (at least 1 run).
CATALOG += "".join([
    slice_slo("ingestor-throughput", "ingestor", count_per_hour("not is_probe"),
              "{target: 0.9, op: gte, value: 5, timeSliceWindow: 1h}"),
    slice_slo("exporter-runs-succeed", "exporter",
              '{ratioMetric: {counter: true, good: {metricSource: {type: warehouse, spec: {filter: "outcome = \'ok\'"}}}, '
              'total: {metricSource: {type: warehouse, spec: {filter: "true"}}}}}',
              "{target: 0.9, timeSliceTarget: 1, timeSliceWindow: 1h}"),
    slice_slo("exporter-runs-every-hour", "exporter", count_per_hour("true"),
              "{target: 0.9, op: gte, value: 1, timeSliceWindow: 1h}"),
])

# An OpenSLO v1 composite SLO (issue 17): no indicator of its own, each objective brings one and a
# weight; both objectives share a displayName.
CATALOG += f"""---
apiVersion: openslo/v1
kind: SLI
metadata: {{name: shop-ok}}
spec:
  ratioMetric:
    counter: true
    good: {{metricSource: {{type: warehouse, spec: {{filter: "status_code < 500"}}}}}}
    total: {{metricSource: {{type: warehouse, spec: {{filter: "not is_probe"}}}}}}
---
apiVersion: openslo/v1
kind: SLO
metadata: {{name: shop-journey}}
spec:
  service: shop
  timeWindow: [{ROLLING_7D}]
  budgetingMethod: Occurrences
  objectives:
    - {{displayName: Shop, target: 0.99, compositeWeight: 2, indicatorRef: shop-ok}}
    - displayName: Shop
      target: 0.995
      indicator:
        metadata: {{name: shop-any}}
        spec:
          ratioMetric:
            counter: true
            good: {{metricSource: {{type: warehouse, spec: {{filter: "status_code < 500"}}}}}}
            total: {{metricSource: {{type: warehouse, spec: {{filter: "true"}}}}}}
"""


def event(ts: dt.datetime, service: str, status: int, **extra) -> str:
    return json.dumps({"timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "service": service,
                       "status_code": status, **extra})


def minutes_of(day: dt.datetime, start_minute: int, count: int):
    return [day + dt.timedelta(minutes=start_minute + i) for i in range(count)]


def write_landing(landing):
    def put(service, lines):
        (landing / service).mkdir(parents=True, exist_ok=True)
        (landing / service / f"{service}.jsonl").write_text("\n".join(lines) + "\n")

    # berlin: one request every hour on the hour, 2026-09-30 00:00 to 2026-11-01 23:00 UTC
    start = dt.datetime(2026, 9, 30)
    put("berlin", [event(start + dt.timedelta(hours=h), "berlin", 200) for h in range(33 * 24)])

    # shop: 1,000 requests a day on 10-01..10-10; 12 of them fail on each day from 10-04
    shop = []
    for d in range(10):
        day = dt.datetime(2026, 10, 1 + d)
        bad = 12 if d >= 3 else 0
        shop += [event(day + dt.timedelta(seconds=86 * i), "shop", 500 if i < bad else 200) for i in range(1000)]
    put("shop", shop)

    # cart on 10-01: v1 serves every minute of the day (1,440 requests, 6 fail at 12:00-12:05); a
    # canary v2 serves 12:00-12:59 beside it (60 requests, 12 fail). The load balancer counts
    # 1,500 requests, 30 failed. On 10-02 the server logs 1,000 with 1 failure and the load
    # balancer 1,000 with 2 (a difference of exactly 0.1 point: not more than the tolerance).
    day1, day2 = dt.datetime(2026, 10, 1), dt.datetime(2026, 10, 2)
    cart = [event(ts, "cart", 500 if 720 <= i < 726 else 200, version="v1", source="server")
            for i, ts in enumerate(minutes_of(day1, 0, 1440))]
    cart += [event(ts, "cart", 500 if i < 12 else 200, version="v2", source="server")
             for i, ts in enumerate(minutes_of(day1, 720, 60))]
    cart += [event(day1 + dt.timedelta(seconds=57 * i), "cart", 502 if i < 30 else 200, source="loadbalancer")
             for i in range(1500)]
    cart += [event(day2 + dt.timedelta(seconds=60 * i), "cart", 500 if i < 1 else 200, source="server", version="v2")
             for i in range(1000)]
    cart += [event(day2 + dt.timedelta(seconds=60 * i), "cart", 502 if i < 2 else 200, source="loadbalancer")
             for i in range(1000)]
    put("cart", cart)

    # pay on 10-01: 1,000 requests, 1 fails; checkout on 10-01: 1,000 requests, 25 fail
    put("pay", [event(day1 + dt.timedelta(seconds=60 * i), "pay", 500 if i < 1 else 200) for i in range(1000)])
    put("checkout", [event(day1 + dt.timedelta(seconds=60 * i), "checkout", 500 if i < 25 else 200)
                     for i in range(1000)])

    # ingestor on 10-01: 10 requests in each hour, except 2 in hours 3, 4 and 5 (those of hour 3
    # sampled at 1 in 4, so they stand for 8 requests) and only a health probe in hour 6
    ingestor = []
    for hour in range(24):
        n = 2 if hour in (3, 4, 5) else 0 if hour == 6 else 10
        extra = {"sample_rate": 0.25} if hour == 3 else {}
        ingestor += [event(day1 + dt.timedelta(hours=hour, minutes=5 * i), "ingestor", 200, **extra) for i in range(n)]
    ingestor.append(event(day1 + dt.timedelta(hours=6, minutes=1), "ingestor", 200, is_probe=True))
    put("ingestor", ingestor)

    # exporter on 10-01, a batch job without HTTP status: a run every 10 minutes from 00:00 to
    # 19:50; one run fails at 02:30 and all six fail in hour 7; nothing runs from 20:00
    def run_event(ts, outcome):
        return json.dumps({"timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "service": "exporter", "outcome": outcome})

    put("exporter", [run_event(ts, "error" if (ts.hour, ts.minute) == (2, 30) or ts.hour == 7 else "ok")
                     for ts in minutes_of(day1, 0, 20 * 60)[::10]])


@pytest.fixture(scope="module")
def run(tmp_path_factory, run_scenario):
    return run_scenario(tmp_path_factory.mktemp("slo-math"), write_landing, CATALOG)


def rows(settings, sql, params=()):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


# --- calendar windows in a time zone --------------------------------------------------------------

def test_a_berlin_month_across_the_dst_change_has_745_hours(run):
    # October 2026 in Europe/Berlin runs from 2026-09-30 22:00 UTC (00:00 CEST) to 2026-10-31
    # 23:00 UTC (00:00 CET): 31 x 24 hours + the hour repeated on 10-25 = 745 hours. With one
    # request per UTC hour, the month holds 2 (09-30 22:00, 23:00) + 30 x 24 + 23 (10-31 00:00 to
    # 22:00) = 745 requests.
    (hours, total, start, end), = rows(run, """
        select window_hours, total_events, window_start, window_end from marts.fct_error_budget
        where slo_name = 'berlin-monthly' and as_of = '2026-10-31'""")
    assert (hours, total, start, end) == (745, 745.0, D(2026, 10, 1), D(2026, 11, 1))
    september = rows(run, """select window_hours, total_events from marts.fct_error_budget
                             where slo_name = 'berlin-monthly' and as_of = '2026-09-30'""")
    # the local 09-30 holds the UTC hours 09-30 00:00 .. 21:00 (22 of them, from 02:00 CEST)
    assert september == [(720, 22.0)]


def test_local_days_are_23_24_or_25_hours_long(run):
    got = dict(((d, s), (m, t)) for d, s, m, t in rows(run, """
        select day, slo_name, day_minutes, total_events from marts.fct_sli_daily
        where slo_name in ('berlin-monthly', 'berlin-hours') and day in ('2026-10-01', '2026-10-25')"""))
    # 10-25 (local) is 25 hours: 25 hourly requests and 25 one-hour slices
    assert got[(D(2026, 10, 25), "berlin-monthly")] == (1500, 25.0)
    assert got[(D(2026, 10, 25), "berlin-hours")] == (1500, 25.0)
    assert got[(D(2026, 10, 1), "berlin-monthly")] == (1440, 24.0)
    assert got[(D(2026, 10, 1), "berlin-hours")] == (1440, 24.0)


# --- projected exhaustion ---------------------------------------------------------------------------

def test_projection_follows_the_trailing_burn_in_a_calendar_month(run):
    got = dict(rows(run, """select as_of, projected_exhaustion from marts.fct_error_budget
                            where slo_name = 'shop-monthly' and as_of in ('2026-10-05', '2026-10-10')"""))
    # as_of 10-10: 10 days x 1,000 at 99 % allow 100 bad; 7 x 12 = 84 spent, 16 left. The last 7
    # days burned 84 / 7 = 12 a day while the allowance grows 100 / 10 = 10 a day, so the rest
    # lasts 16 / (12 - 10) = 8 days: 2026-10-18. (The window's average, 8.4 a day, would never
    # exhaust it: the trailing burn is what shows the trend.)
    assert got[D(2026, 10, 10)] == D(2026, 10, 18)
    # as_of 10-05: 24 bad over the 5 days so far = 4.8 a day, below the 10 a day the allowance
    # grows: never exhausted.
    assert got[D(2026, 10, 5)] is None


def test_projection_in_a_rolling_window(run):
    (allowed, bad, projected), = rows(run, """
        select allowed_bad, actual_bad, projected_exhaustion from marts.fct_error_budget
        where slo_name = 'shop-weekly' and as_of = '2026-10-06'""")
    # window 09-30..10-06 holds 6 days of 1,000: 60 allowed, 3 x 12 = 36 spent, 24 left; the
    # trailing 7 days burned 36 / 7 a day, so 24 / (36 / 7) = 4.67 days -> 5 days: 2026-10-11.
    assert (allowed, bad, projected) == (pytest.approx(60.0), 36.0, D(2026, 10, 11))


# --- canary analysis -----------------------------------------------------------------------------------

def test_a_canary_is_compared_with_the_baseline_over_the_same_minutes(run):
    got = {v: r for v, *r in rows(run, """
        select version, good_events, total_events, sli, baseline_good_events, baseline_total_events,
               baseline_sli, sli_delta, shared_minutes
        from marts.fct_sli_by_version where slo_name = 'cart-availability' and day = '2026-10-01'""")}
    # v2: 48 of 60 good = 0.8. Over the same 60 minutes v1 served 60 with 6 failures = 0.9.
    assert got["v2"] == [48.0, 60.0, pytest.approx(0.8), 54.0, 60.0, pytest.approx(0.9),
                         pytest.approx(-0.1), 60]
    # v1 all day: 1,434 of 1,440; its baseline is v2 in the 60 minutes both served
    assert got["v1"] == [1434.0, 1440.0, pytest.approx(1434 / 1440), 48.0, 60.0, pytest.approx(0.8),
                         pytest.approx(1434 / 1440 - 0.8), 60]
    assert set(got) == {"v1", "v2"}  # the load balancer's records are outside the SLO's filter


# --- sources ---------------------------------------------------------------------------------------------

def test_sources_that_disagree_beyond_the_tolerance_are_flagged(run):
    got = {d: r for d, *r in rows(run, """
        select day, source, other_source, availability, other_availability, disagrees
        from marts.fct_source_reconciliation where service = 'cart' order by day""")}
    # 10-01: load balancer 1,470 / 1,500 = 0.98, server 1,482 / 1,500 = 0.988: 0.8 points apart
    assert got[D(2026, 10, 1)] == ["loadbalancer", "server", pytest.approx(0.98), pytest.approx(0.988), True]
    # 10-02: 0.998 against 0.999 is exactly the 0.1-point tolerance, which is not more than it
    assert got[D(2026, 10, 2)] == ["loadbalancer", "server", pytest.approx(0.998), pytest.approx(0.999), False]
    # one source only (pay) has nothing to reconcile
    assert rows(run, "select count(*) from marts.fct_source_reconciliation where service <> 'cart'") == [(0,)]


# --- composite SLOs --------------------------------------------------------------------------------------

def test_a_journey_composes_its_hard_dependencies_and_splits_its_budget(run):
    got = {m: r for m, *r in rows(run, """
        select member_service, depth, member_slo, member_target, member_sli, journey_target,
               dependencies_target, dependencies_sli, feasible, budget_share, error_vs_journey_budget
        from marts.fct_composite_slo where journey_service = 'checkout' and day = '2026-10-01'""")}
    # checkout needs cart (99.95 %) and pay (99.98 %); berlin is a soft dependency, not a member
    assert set(got) == {"checkout", "cart", "pay"}
    deps_target = 0.9995 * 0.9998          # 0.9993001: what checkout can expect from them
    deps_sli = (1482 / 1500) * (999 / 1000)  # that day's cart and pay SLIs
    journey_budget = 1 - 0.999
    for member, depth, target, sli in [("cart", 1, 0.9995, 1482 / 1500), ("pay", 1, 0.9998, 0.999)]:
        assert got[member] == [depth, f"{member}-availability", pytest.approx(target), pytest.approx(sli),
                               pytest.approx(0.999), pytest.approx(deps_target), pytest.approx(deps_sli), True,
                               pytest.approx((1 - target) / journey_budget),  # cart 0.5, pay 0.2
                               pytest.approx((1 - sli) / journey_budget)]     # cart 12x, pay 1x
    # checkout keeps what its dependencies do not take: 1 - 0.5 - 0.2 = 0.3 of its budget
    assert got["checkout"][0] == 0 and got["checkout"][8] == pytest.approx(0.3)
    assert got["checkout"][9] == pytest.approx(25.0)  # 2.5 % failed against a 0.1 % allowance
    # cart is a journey of its own, with pay reached directly
    cart = rows(run, """select member_service, depth from marts.fct_composite_slo
                        where journey_service = 'cart' and day = '2026-10-01' order by depth""")
    assert cart == [("cart", 0), ("pay", 1)]


def test_composite_members_are_resolved_transitively_and_cycles_refused(tmp_path):
    (tmp_path / "c.yaml").write_text(textwrap.dedent(CATALOG))
    cat = load_catalog(tmp_path)
    assert cat.problems == []
    members = [(m["journey_service"], m["member_service"], m["depth"], m["slo_name"]) for m in cat.composite_members]
    assert members == [("cart", "cart", 0, None), ("cart", "pay", 1, None),
                       ("checkout", "checkout", 0, None), ("checkout", "cart", 1, None),
                       ("checkout", "pay", 1, "pay-availability")]
    cyclic = CATALOG + """---
apiVersion: slm/v1
kind: Dependency
metadata: {name: pay-needs-checkout}
spec: {service: pay, dependsOn: checkout}
"""
    (tmp_path / "c.yaml").write_text(textwrap.dedent(cyclic))
    problems = [(p.name, p.path, p.message) for p in load_catalog(tmp_path).problems]
    assert problems and all("cycle" in m for _, _, m in problems)
    wrong = CATALOG.replace("slo: pay-availability", "slo: cart-availability")
    (tmp_path / "c.yaml").write_text(textwrap.dedent(wrong))
    assert [(p.name, p.path) for p in load_catalog(tmp_path).problems] == [("checkout-needs-pay", "spec.slo")]


def test_throughput_counts_hours_with_enough_requests(run):
    # 24 one-hour slices. Good: the 20 hours with 10 requests, and hour 3, whose 2 sampled
    # requests weigh 1 / 0.25 = 4 each: 8 >= 5. Bad: hours 4 and 5 (2 < 5) and hour 6, where only a
    # probe arrived and the filter "not is_probe" counts 0 requests. SLI = 21 / 24 = 0.875.
    (good, total, sli), = rows(run, """select good_events, total_events, sli from marts.fct_sli_daily
                                        where slo_name = 'ingestor-throughput' and day = '2026-10-01'""")
    assert (good, total) == (21.0, 24.0) and sli == pytest.approx(21 / 24)


def test_batch_time_window_slis_count_hours_where_the_condition_held(run):
    got = dict(rows(run, """select slo_name, good_events from marts.fct_sli_daily
                            where service = 'exporter' and day = '2026-10-01'"""))
    # Every run succeeded in 22 of 24 hours (hours 2 and 7 had failures); the empty hours 20-23
    # count as good, as an empty slice does for a ratio.
    assert got["exporter-runs-succeed"] == 22.0
    # The job ran (at least once) in hours 0-19 only: 20 of 24.
    assert got["exporter-runs-every-hour"] == 20.0
    (total, status), = rows(run, """select total_events, status from marts.fct_error_budget
                                    where slo_name = 'exporter-runs-every-hour' and as_of = '2026-10-01'""")
    # a 90 % target over 24 slices allows 2.4 bad slices; 4 were bad
    assert (total, status) == (24.0, "exhausted")


# --- OpenSLO composite SLOs (objectives with their own indicators and weights) ----------------------

def test_a_composite_slo_burns_at_the_weighted_sum_of_its_objectives(run):
    # shop: 1,000 requests a day from 10-01, 12 failed a day from 10-04. As of 10-04 the rolling 7
    # days hold 4 days: 4,000 requests, 12 bad. Objective 0 (99 %, weight 2) allows 40: 12 / 40 =
    # 0.3 consumed, weighed 0.6; objective 1 (99.5 %, weight 1) allows 20: 0.6. The composite has
    # consumed 1.2 of its budget: exhausted. On 10-03 nothing is spent.
    objectives = dict(rows(run, """select slo_name, budget_consumed from marts.fct_error_budget
                                   where slo_name like 'shop-journey.%' and as_of = '2026-10-04'"""))
    assert objectives == {"shop-journey.shop-0": pytest.approx(12 / 40), "shop-journey.shop-1": pytest.approx(12 / 20)}
    got = {as_of: rest for as_of, *rest in rows(run, """
        select as_of, objectives, good_events, total_events, budget_consumed, status from marts.fct_composite_budget
        where slo_document = 'shop-journey' and as_of in ('2026-10-03', '2026-10-04')""")}
    assert got[D(2026, 10, 4)] == [2, 2 * (4000 - 12), 2 * 4000, pytest.approx(2 * 12 / 40 + 12 / 20), "exhausted"]
    assert got[D(2026, 10, 3)] == [2, 2 * 3000, 2 * 3000, 0, "healthy"]
