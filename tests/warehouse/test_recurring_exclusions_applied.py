"""A recurring exclusion reaches the SLIs (issue 19, item 5): every Sunday 02:00-04:00
Europe/Berlin removes exactly the events of its window in UTC, on a Sunday of winter time, on the
spring-forward Sunday (02:00 does not exist: read as 02:00 CET, 01:00 UTC) and on a Sunday of
summer time (00:00 UTC). The window is half-open: an event at its start instant is excluded, one at its end
instant is not. The fall-back Sunday is worked out in tests/catalog/test_recurring_exclusions.py
(a run over March to October would compute every day between)."""

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

SUNDAYS = (dt.date(2026, 3, 22), dt.date(2026, 3, 29), dt.date(2026, 4, 5))
# bad events at hh:30 UTC: 10 at 00:30, 20 at 01:30, 40 at 02:30, 80 at 03:30
AT = {0: 10, 1: 20, 2: 40, 3: 80}
# and on the first (winter) Sunday, bad events at the instants around its window [01:00, 03:00) UTC:
# the window is half-open, so its start instant is excluded and its end instant is not
EDGES = {"00:59:59.999": (1, False), "01:00:00": (2, True), "02:59:59.999": (4, True), "03:00:00": (8, False)}

# and on the Monday after, two one-off windows of different kinds overlapping: maintenance
# [01:00, 02:00) and third_party [01:30, 03:00) UTC; bad events at 00:45, 01:15, 01:45, 02:15 and 03:15
MONDAY = dt.date(2026, 3, 23)
OVERLAP = {"00:45": (3, ""), "01:15": (5, "maintenance"), "01:45": (7, "maintenance,third_party"),
           "02:15": (11, "third_party"), "03:15": (13, "")}

RULE = """
---
apiVersion: slm/v1
kind: Exclusion
metadata: {name: monday-upgrade}
spec: {services: [web], kind: maintenance, start: "2026-03-23T01:00:00Z", end: "2026-03-23T02:00:00Z"}
---
apiVersion: slm/v1
kind: Exclusion
metadata: {name: monday-vendor}
spec: {services: [web], kind: third_party, start: "2026-03-23T01:30:00Z", end: "2026-03-23T03:00:00Z"}
---
apiVersion: slm/v1
kind: Exclusion
metadata: {name: sunday-patching}
spec:
  services: [web]
  kind: maintenance
  recurrence: {rrule: FREQ=WEEKLY;BYDAY=SU, start: "2026-03-01T02:00:00", duration: 2h, timeZone: Europe/Berlin}
"""


def write_landing(landing: Path) -> None:
    (landing / "web").mkdir(parents=True)
    for day in SUNDAYS:
        lines = [json.dumps({"timestamp": f"{day}T{hour:02d}:30:00Z", "service": "web", "status_code": 500})
                 for hour, n in AT.items() for _ in range(n)]
        if day == SUNDAYS[0]:
            lines += [json.dumps({"timestamp": f"{day}T{at}Z", "service": "web", "status_code": 500})
                      for at, (n, _) in EDGES.items() for _ in range(n)]
        (landing / "web" / f"{day}.jsonl").write_text("\n".join(lines) + "\n")
    (landing / "web" / f"{MONDAY}.jsonl").write_text("".join(
        json.dumps({"timestamp": f"{MONDAY}T{at}:00Z", "service": "web", "status_code": 500}) + "\n"
        for at, (n, _) in OVERLAP.items() for _ in range(n)))


@pytest.fixture(scope="module")
def built(run_scenario, catalog_of, tmp_path_factory):
    return run_scenario(tmp_path_factory.mktemp("recurring"), write_landing, catalog_of("web") + RULE)


def test_each_sunday_excludes_its_window_in_utc(built):
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        got = con.execute("select day, total_events, excluded_events from marts.fct_sli_daily "
                          "where slo_name = 'web-availability' and day <> ? order by day", [MONDAY]).fetchall()
        excluded = con.execute("select day, bad_events from marts.fct_budget_attribution "
                               "where cause_kind = 'excluded' and cause_id = 'sunday-patching' order by day").fetchall()
    total = sum(AT.values())
    winter = AT[1] + AT[2]          # [01:00, 03:00) UTC
    summer = AT[0] + AT[1]          # [00:00, 02:00) UTC
    edges_total = sum(n for n, _ in EDGES.values())                  # 15
    edges_excluded = sum(n for n, inside in EDGES.values() if inside)  # 2 + 4
    assert got == [(SUNDAYS[0], total + edges_total, winter + edges_excluded),
                   (SUNDAYS[1], total, winter), (SUNDAYS[2], total, summer)]
    assert excluded == [(d, float(n)) for d, _, n in got]


def test_overlapping_windows_of_two_kinds_mark_each_event_with_every_kind_in_force(built):
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        kinds = dict(con.execute("select exclusion_kinds, sum(records) from intermediate.int_slo_minutes "
                                 "where slo_name = 'web-availability' and event_date = ? group by all",
                                 [MONDAY]).fetchall())
        day = con.execute("select total_events, excluded_events from marts.fct_sli_daily "
                          "where slo_name = 'web-availability' and day = ?", [MONDAY]).fetchone()
    expected: dict[str, int] = {}
    for n, marked in OVERLAP.values():
        expected[marked] = expected.get(marked, 0) + n
    assert kinds == expected == {"": 16, "maintenance": 5, "maintenance,third_party": 7, "third_party": 11}
    # an event in both windows is excluded once
    assert day == (sum(n for n, _ in OVERLAP.values()), 5 + 7 + 11)
