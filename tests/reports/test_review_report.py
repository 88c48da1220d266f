"""The quarterly SLO review (issue 20, item 4): `slm report --kind review --period 2026-Q3` (a
quarter in the past: telemetry from the future is not landed).

Worked by hand, both SLOs at 99 % (a month's budget is 1 % of its events):
- steady: 2 of 100 requests failed on 2026-06-30 (Q2: 98 %), none of 1,000 on each of 07-15,
  08-15 and 09-15: every month spends 0 % of its budget, so "the target may be loose"; Q3 is
  100 %, 2 points up on Q2. Reviewed (keep) before the run.
- flaky: 1,000 requests on each of those days, 5, 20 and 30 failed: July spends 5 of its 10
  (50 %), August 20 (200 %) and September 30 (300 %): exhausted two months running, "needs
  work"; the quarter is 2,945 / 3,000 = 98.1667 %, new this quarter. Never reviewed: the
  quarterly review due on 07-01 is overdue on 09-15, the last day with data.
steady has a contract; neither has an alert policy of its own."""

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipelines.cli.app import main

CONTRACT = """
---
apiVersion: slm/v1
kind: Contract
metadata: {name: steady-co}
spec:
  customer: Steady Co
  slo: steady-availability
  fee: {amount: "100.00", currency: EUR}
  creditTiers: [{below: 99.0, creditPercent: 10}]
"""
DAYS = {"steady": {"2026-06-30": (100, 2), "2026-07-15": (1000, 0), "2026-08-15": (1000, 0), "2026-09-15": (1000, 0)},
        "flaky": {"2026-07-15": (1000, 5), "2026-08-15": (1000, 20), "2026-09-15": (1000, 30)}}


def write_landing(landing: Path) -> None:
    for svc, days in DAYS.items():
        (landing / svc).mkdir(parents=True)
        for day, (n, bad) in days.items():
            lines = [json.dumps({"timestamp": f"{day}T{8 + i // 60 % 12:02d}:{i % 60:02d}:00Z", "service": svc,
                                 "status_code": 500 if i < bad else 200}) for i in range(n)]
            (landing / svc / f"{day}.jsonl").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def report(run_scenario, catalog_of, tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    from pipelines.catalog import load_catalog
    from pipelines.catalog.export import export_catalog
    from pipelines.settings import Settings

    # the review is recorded against the exported catalog, before the run that reports it
    catalog = catalog_of("steady", "flaky") + CONTRACT
    (root / "seed").mkdir()
    (root / "seed" / "catalog.yaml").write_text(catalog)
    export_catalog(load_catalog(root / "seed"), Settings.resolve(root / "home").lake)
    done = CliRunner().invoke(main, ["review", "--slo", "steady-availability", "--decision", "keep", "--by", "ana",
                                     "--home", str(root / "home")])
    assert done.exit_code == 0, done.output
    settings = run_scenario(root, write_landing, catalog)
    out = root / "out"
    done = CliRunner().invoke(main, ["report", "--kind", "review", "--period", "2026-Q3", "--out", str(out),
                                     "--home", str(settings.home)])
    assert done.exit_code == 0, done.output
    return settings, out


def test_the_csv_has_each_months_attainment_budget_and_hints(report):
    _, out = report
    got = [(r["slo_name"], r["month"], r["attainment"], r["budget_consumed"], r["events"], r["quarter_attainment"],
            r["previous_quarter_attainment"], r["review_status"], r["hints"])
           for r in csv.DictReader((out / "review-report-2026-Q3.csv").open())]
    flaky_q = f"{2945 / 3000:.6f}"
    assert [r[:2] for r in got] == [(slo, m) for slo in ("flaky-availability", "steady-availability")
                                    for m in ("2026-07", "2026-08", "2026-09")]
    by = {(r[0], r[1]): r for r in got}
    assert by[("flaky-availability", "2026-07")][2:8] == ("0.995000", "0.500000", "1000", flaky_q, "", "overdue")
    assert by[("flaky-availability", "2026-08")][2:4] == ("0.980000", "2.000000")
    assert by[("flaky-availability", "2026-09")][2:4] == ("0.970000", "3.000000")
    assert by[("steady-availability", "2026-09")][2:8] == ("1.000000", "0.000000", "1000", "1.000000", "0.980000",
                                                             "reviewed")
    assert {r[0]: r[8] for r in got} == {"flaky-availability": "needs_work", "steady-availability": "loose"}


def test_the_html_has_the_portfolio_hints_noise_and_charts(report):
    settings, out = report
    page = (out / "review-report-2026-Q3.html").read_text()
    assert "2 service(s), 2 with SLOs, 0 with an alert policy of their own, 1 with contracts; 2 SLO(s), 2 with hints." in page
    assert "budget exhausted two months running: the target or the service needs work" in page
    assert "met with over 90 % of its budget unused in each month of the quarter: the target may be loose" in page
    assert "+2.000 points" in page and "new this quarter" in page
    assert "reviewed: due 2026-07-01, next 2026-10-01; last: keep by ana" in page
    assert page.count('<svg class="chart line"') == 2
    # alert noise: the weeks' episodes add up to fct_alert_episodes' of the quarter
    import re

    import duckdb
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        episodes = con.execute("select count(*) from marts.fct_alert_episodes where slo_name = 'flaky-availability' "
                               "and started_at >= '2026-07-01' and started_at < '2026-10-01'").fetchone()[0]
    flaky = page[page.index('<section class="slo" id="flaky-availability">'):page.index('<section class="slo" id="steady')]
    noise = re.search(r'<table class="noise">.*?</table>', flaky)
    weekly = [int(n) for n in re.findall(r"<tr><td>\d{4}-\d{2}-\d{2}</td><td>(\d+)</td>", noise.group(0))] if noise else []
    assert episodes > 0 and sum(weekly) == episodes


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_pdf_has_a_portfolio_page_and_a_page_per_slo(report):
    _, out = report
    text = subprocess.run(["pdftotext", "-layout", str(out / "review-report-2026-Q3.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert text.count("\f") >= 3 and "SLO review 2026-Q3" in text
    assert "Hint: budget exhausted two months running" in text and "Quarter: 98.167 %" in text


def test_a_review_period_is_a_quarter(report):
    settings, _ = report
    done = CliRunner().invoke(main, ["report", "--kind", "review", "--period", "2026-10", "--home", str(settings.home)])
    assert done.exit_code == 1 and "not YYYY-Qn" in done.output
