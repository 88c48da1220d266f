"""`slm report --kind review --period 2026-Q4`: the quarterly SLO review, for service owners and
their managers.

Per service and SLO: attainment and budget consumed in each month of the quarter and the trend,
the daily SLI with its annotations, alert episodes and pages per week (alert noise), where the
budget went, definition changes in the quarter, the review standing (fct_slo_reviews), and hints,
each with the rule that raised it. First a portfolio page: services with SLOs, with an alert
policy of their own, with contracts, data coverage, and how each SLO moved since the quarter
before. Everything comes from the marts; the hints' rules are in HINTS.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..core.periods import month_start_after, quarter_before, quarter_bounds
from .attribution import Attribution, attribution, rows
from .charts import svg_line_chart
from .pages import Pdf, html_page, html_table, open_marts, write_files
from .spent import spent_html, spent_pdf

LOOSE_UNUSED = 0.9        # "met with over 90 % of budget unused three months running"
HINTS = {
    "loose": "met with over 90 % of its budget unused in each month of the quarter: the target may be loose",
    "needs_work": "budget exhausted two months running: the target or the service needs work",
    "no_data": "no data in a month of the quarter: check the telemetry before trusting the figures",
}


@dataclass
class Month:
    start: dt.date
    good: float = 0.0
    total: float = 0.0
    allowed: float = 0.0

    @property
    def attainment(self) -> float | None:
        return self.good / self.total if self.total else None

    @property
    def consumed(self) -> float | None:
        """Bad events over the budget the month's events allowed (1 = exactly spent)."""
        if not self.total:
            return None
        return (self.total - self.good) / self.allowed if self.allowed else float("inf")


@dataclass
class SloReview:
    slo: str
    service: str
    target: float
    months: list[Month]
    daily: list[tuple] = field(default_factory=list)            # (day, adjusted SLI %)
    alerts_per_week: list[tuple] = field(default_factory=list)  # (week start, episodes, pages)
    spent: Attribution = field(default_factory=Attribution)
    changes: list[dict] = field(default_factory=list)           # definition versions opened in the quarter
    standing: dict | None = None                                 # fct_slo_reviews
    previous: float | None = None                                # attainment over the quarter before

    def attainment(self) -> float | None:
        total = sum(m.total for m in self.months)
        return sum(m.good for m in self.months) / total if total else None

    def hints(self) -> list[str]:
        consumed = [m.consumed for m in self.months]
        out = []
        if any(c is None for c in consumed):
            out.append("no_data")
        if all(c is not None and c < 1 - LOOSE_UNUSED for c in consumed):
            out.append("loose")
        if any(a is not None and b is not None and a >= 1 and b >= 1 for a, b in zip(consumed, consumed[1:])):
            out.append("needs_work")
        return out

    def moved(self) -> float | None:
        now = self.attainment()
        return None if now is None or self.previous is None else now - self.previous


@dataclass
class ReviewReport:
    period: str
    generated_at: str
    slos: list[SloReview]
    portfolio: dict


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    out, day = [], start
    while day < end:
        out.append(day)
        day = month_start_after(day)
    return out


def _counted(con, slo: str, start: dt.date, end: dt.date) -> Month:
    """The SLO's adjusted good, total and allowed-bad events over the days [start, end)."""
    good, total, allowed = con.execute("""
        select sum(sli_adjusted * (total_events - excluded_events)), sum(total_events - excluded_events),
               sum((1 - target) * (total_events - excluded_events))
        from marts.fct_sli_daily where slo_name = ? and day >= ? and day < ?""", [slo, start, end]).fetchone()
    return Month(start, float(good or 0), float(total or 0), float(allowed or 0))


def gather(warehouse: Path, period: str) -> ReviewReport:
    start, end = quarter_bounds(period)
    before = quarter_before(start)
    with open_marts(warehouse) as con:
        current = rows(con, "select slo_name, service, target from marts.dim_slos where is_current and computed "
                            "order by service, slo_name", [])
        slos = []
        for s in current:
            months = [_counted(con, s["slo_name"], m, month_start_after(m)) for m in _months(start, end)]
            r = SloReview(s["slo_name"], s["service"], float(s["target"]), months)
            r.daily = [tuple(x) for x in con.execute("""
                select day, 100 * sli_adjusted from marts.fct_sli_daily
                where slo_name = ? and day >= ? and day < ? order by day""", [r.slo, start, end]).fetchall()]
            r.alerts_per_week = [tuple(x) for x in con.execute("""
                select cast(date_trunc('week', started_at) as date), count(*), count(*) filter (where severity = 'page')
                from marts.fct_alert_episodes
                where slo_name = ? and started_at >= cast(? as timestamp) and started_at < cast(? as timestamp)
                group by 1 order by 1""", [r.slo, start, end]).fetchall()]
            r.spent = attribution(con, r.slo, r.service, start, end)
            r.changes = rows(con, """select definition_hash, valid_from, target from marts.dim_slos
                                     where slo_name = ? and valid_from >= ? and valid_from < ? order by valid_from""",
                             [r.slo, start, end])
            standing = rows(con, "select * from marts.fct_slo_reviews where slo_name = ?", [r.slo])
            r.standing = standing[0] if standing else None
            r.previous = _counted(con, r.slo, before, start).attainment
            slos.append(r)
        portfolio = _portfolio(con, start, end)
    return ReviewReport(period, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), slos, portfolio)


def _portfolio(con, start: dt.date, end: dt.date) -> dict:
    def names(sql: str, params: list = ()) -> list[str]:
        return [r[0] for r in con.execute(sql, list(params)).fetchall()]

    coverage = dict(con.execute("""
        select service, sum(expected_minutes - gap_minutes) / nullif(sum(expected_minutes), 0)
        from marts.fct_sli_daily where day >= ? and day < ? group by service""", [start, end]).fetchall())
    return {
        "services": names("select service_name from marts.dim_services order by 1"),
        "with_slos": names("select distinct service from marts.dim_slos where is_current order by 1"),
        "with_policy": names("""select distinct s.service from staging.stg_catalog__slos s
                                join staging.stg_catalog__alert_conditions c on s.slo_document = c.slo_document order by 1"""),
        "with_contracts": names("""select distinct s.service from marts.dim_contracts c
                                   join marts.dim_slos s on s.slo_name = c.slo_name and s.is_current
                                   where c.direction = 'outbound' order by 1"""),
        "coverage": {k: (float(v) if v is not None else None) for k, v in coverage.items()},
    }


# --- rendering --------------------------------------------------------------------------------------
def _pct(value, digits: int = 3) -> str:
    return "-" if value is None else f"{100 * value:.{digits}f} %"


def _consumed(value) -> str:
    return "-" if value is None else ("all, and more" if value == float("inf") else f"{100 * value:.1f} %")


def _moved(r: SloReview) -> str:
    if r.previous is None:
        return "new this quarter" if r.attainment() is not None else "-"
    delta = r.moved()
    return "-" if delta is None else f"{100 * delta:+.3f} points"


def month_rows(r: SloReview) -> list[list]:
    return [[m.start.strftime("%Y-%m"), _pct(m.attainment), _consumed(m.consumed), f"{m.total:,.0f}"] for m in r.months]


def hint_lines(r: SloReview) -> list[str]:
    return [HINTS[h] for h in r.hints()]


def standing_line(r: SloReview) -> str:
    s = r.standing
    if not s:
        return "no review standing (the SLO is not in fct_slo_reviews)"
    last = f"last: {s['last_decision']} by {s['last_reviewer']} on {s['last_reviewed_at']}" if s["reviews"] else "never reviewed"
    return f"{s['status']}: due {s['due_on']}, next {s['next_due_on']}; {last}"


def portfolio_rows(report: ReviewReport) -> list[list]:
    p = report.portfolio
    out = []
    for svc in p["services"]:
        slos = [r for r in report.slos if r.service == svc]
        out.append([svc, len(slos), "yes" if svc in p["with_policy"] else "Workbook defaults",
                    "yes" if svc in p["with_contracts"] else "no", _pct(p["coverage"].get(svc), 2),
                    ", ".join(f"{r.slo} {_moved(r)}" for r in slos) or "-"])
    return out


PORTFOLIO_HEADERS = ["service", "SLOs", "own alert policy", "contracts", "data coverage", "moved since last quarter"]


def summary_line(report: ReviewReport) -> str:
    p = report.portfolio
    return (f"{len(p['services'])} service(s), {len(p['with_slos'])} with SLOs, {len(p['with_policy'])} with an alert "
            f"policy of their own, {len(p['with_contracts'])} with contracts; {len(report.slos)} SLO(s), "
            f"{sum(1 for r in report.slos if r.hints())} with hints.")


def render_html(report: ReviewReport) -> bytes:
    e = html.escape
    sections = []
    for r in report.slos:
        noise = [[str(w), n, p] for w, n, p in r.alerts_per_week]
        changes = [[str(c["valid_from"]), c["definition_hash"][:12], c["target"]] for c in r.changes]
        hints = "".join(f'<li class="hint">{e(h)}</li>' for h in hint_lines(r)) or "<li>none</li>"
        sections.append(f"""
<section class="slo" id="{e(r.slo)}">
<h2>{e(r.slo)} &middot; {e(r.service)}</h2>
<p>Quarter: {_pct(r.attainment())} against a target of {_pct(r.target, 2)}; {e(_moved(r))}. Review: {e(standing_line(r))}.</p>
<h3>Hints</h3><ul class="hints">{hints}</ul>
{html_table(["month", "attainment", "budget consumed", "events"], month_rows(r), "months")}
{svg_line_chart(r.daily, f"Daily SLI, {r.slo} (exclusions applied)", " %", 100 * r.target, f"target {100 * r.target:g} %", r.spent.markers())}
<h3>Alert noise</h3>
{html_table(["week of", "alert episodes", "pages"], noise, "noise") if noise else '<p class="empty">No alert fired.</p>'}
<h3>Definition changes</h3>
{html_table(["in force from", "definition", "target"], changes, "changes") if changes else '<p class="empty">None in the quarter.</p>'}
{spent_html(r.spent, [d for d, _ in r.daily], r.slo)}
</section>""")
    rules = "".join(f"<li>{e(t)}</li>" for t in HINTS.values())
    intro = ("Attainment is adjusted for approved exclusions; budget consumed is the month's bad events over "
             "the (1 - target) share of its events.")
    return html_page(f"SLO review {report.period}", report.generated_at, e(intro), f"""
<section id="portfolio"><h2>Portfolio</h2>
<p>{e(summary_line(report))}</p>
{html_table(PORTFOLIO_HEADERS, portfolio_rows(report), "portfolio")}
<p>Hints and their rules:</p><ul>{rules}</ul>
</section>
{"".join(sections)}""")


def render_pdf(report: ReviewReport) -> bytes:
    doc = Pdf(f"SLO review {report.period}")
    doc.opening(f"SLO review {report.period}", report.generated_at, summary_line(report))
    doc.table(PORTFOLIO_HEADERS, portfolio_rows(report), [24, 12, 30, 18, 22, 84])
    for r in report.slos:
        doc.page()
        doc.text(f"{r.slo} - {r.service}", 14, "B", 8)
        doc.text(f"Quarter: {_pct(r.attainment())} against a target of {_pct(r.target, 2)}; {_moved(r)}.")
        doc.text(f"Review: {standing_line(r)}", 9)
        for h in hint_lines(r):
            doc.text(f"Hint: {h}", 9, "B")
        doc.table(["month", "attainment", "budget consumed", "events"], month_rows(r), [30, 40, 40, 30])
        doc.chart(r.daily, f"Daily SLI (exclusions applied), target {100 * r.target:g} %", 100 * r.target, r.spent.markers())
        doc.text(f"Alert episodes: {sum(n for _, n, _ in r.alerts_per_week)}, pages: "
                 f"{sum(p for _, _, p in r.alerts_per_week)} over {len(r.alerts_per_week)} week(s) with alerts", 9)
        spent_pdf(doc, r.spent, [d for d, _ in r.daily])
    return doc.output()


CSV_COLUMNS = ["slo_name", "service", "month", "attainment", "budget_consumed", "events", "quarter_attainment",
               "previous_quarter_attainment", "review_status", "hints"]


def render_csv(report: ReviewReport) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in report.slos:
        for m in r.months:
            w.writerow([r.slo, r.service, m.start.strftime("%Y-%m"), "" if m.attainment is None else f"{m.attainment:.6f}",
                        "" if m.consumed is None else f"{m.consumed:.6f}", f"{m.total:g}",
                        "" if r.attainment() is None else f"{r.attainment():.6f}",
                        "" if r.previous is None else f"{r.previous:.6f}",
                        (r.standing or {}).get("status", ""), ";".join(r.hints())])
    return out.getvalue().encode()


RENDERERS = {"html": render_html, "csv": render_csv, "pdf": render_pdf}


def write_report(warehouse: Path, period: str, formats: list[str], out_dir: Path) -> list[Path]:
    return write_files(gather(warehouse, period), RENDERERS, f"review-report-{period}", formats, out_dir)
