"""`slm report`: the SLA report a finance reader understands without us.

One period, every contract: attainment under the contract's own rules, the tier hit, the credit,
and the evidence behind it (the daily SLI against the target, the error budget burning down,
the exclusions applied with their reasons and approvers, telemetry coverage and gaps, where the
SLO's budget went and the annotations on its time), after an executive summary across contracts. The same figures go out as HTML (self-contained, charts as
inline SVG), CSV (one row per contract) and PDF. Every number comes from the period's verified
audit snapshot when there is one, else from the live marts marked provisional (`source`); each
page and each CSV row says which.
"""

import csv
import datetime as dt
import html
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..core.periods import period_bounds
from ..settings import Settings
from .attribution import Attribution, attribution, rows
from .charts import svg_line_chart
from .pages import STYLE, Pdf, ReportError, html_table, write_files
from .source import Source, open_source
from .spent import spent_html, spent_pdf

REPORT_FORMATS = ("html", "csv", "pdf")


@dataclass
class ContractReport:
    row: dict                                            # the fct_sla_compliance row
    target_pct: float
    daily: list[tuple] = field(default_factory=list)     # (day, sli_pct, coverage)
    budget: list[tuple] = field(default_factory=list)    # (as_of, budget_remaining)
    exclusions: list[dict] = field(default_factory=list)
    gaps: list[dict] = field(default_factory=list)
    exposure: dict | None = None                         # fct_sla_exposure, open periods only
    spent: Attribution = field(default_factory=Attribution)  # where the SLO's budget went

    @property
    def name(self) -> str:
        return self.row["contract_name"]


@dataclass
class Report:
    period: str
    generated_at: str
    contracts: list[ContractReport]
    label: str = ""                     # where the figures come from, on every page
    snapshot_id: str | None = None      # None: provisional, from the live marts
    manifest_sha256: str | None = None

    def credits_by_currency(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for c in self.contracts:
            out[c.row["currency"]] = out.get(c.row["currency"], Decimal("0.00")) + c.row["credit_amount"]
        return dict(sorted(out.items()))


def gather(source: Source, period: str) -> Report:
    start, end = period_bounds(period)
    con = source.con
    compliance = rows(con, """
        select c.*, d.measured_slo_name as slo_name, s.service
        from marts.fct_sla_compliance c
        join marts.dim_contracts d using (contract_name)
        join (select distinct slo_name, service from marts.dim_slos) s on s.slo_name = d.slo_name
        where c.period_start >= ? and c.period_start < ? and d.direction = 'outbound'  -- vendors' SLAs: slm claim
        order by c.contract_name""", [start, end])
    contracts = []
    for row in compliance:
        c = ContractReport(row, float(row["target_pct"]))
        c.daily = [tuple(r) for r in con.execute("""
            select day, 100 * sli_adjusted, coverage from marts.fct_sli_daily
            where slo_name = ? and day >= ? and day < ? order by day""", [row["slo_name"], row["period_start"],
                                                                          row["period_end"]]).fetchall()]
        c.budget = [tuple(r) for r in con.execute("""
            select as_of, budget_remaining from marts.fct_error_budget
            where slo_name = ? and as_of >= ? and as_of < ? order by as_of""", [row["slo_name"], row["period_start"],
                                                                              row["period_end"]]).fetchall()]
        honoured = [k for k in (row["exclusions_honoured"] or "").split(",") if k]
        c.exclusions = [e for e in rows(con, """
            select exclusion_name, kind, start_ts, end_ts, reason, approved_by, ticket
            from marts.dim_exclusions
            where service = ? and start_ts < cast(? as timestamp) and end_ts > cast(? as timestamp)
            order by start_ts""", [row["service"], row["period_end"], row["period_start"]]) if e["kind"] in honoured]
        c.gaps = rows(con, """
            select source, gap_start, gap_end, gap_minutes, expected_records from marts.fct_telemetry_gaps
            where service = ? and gap_start < cast(? as timestamp) and gap_end > cast(? as timestamp)
            order by gap_start""", [row["service"], row["period_end"], row["period_start"]])
        exposure = rows(con, "select * from marts.fct_sla_exposure where contract_name = ? and period_start = ?",
                         [row["contract_name"], row["period_start"]]) if source.has("fct_sla_exposure") else []
        c.exposure = exposure[0] if exposure else None
        c.spent = attribution(con, row["slo_name"], row["service"], row["period_start"], row["period_end"])
        contracts.append(c)
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    return Report(period, now, contracts, source.label(), source.snapshot_id, source.manifest_sha256)


# --- formatting shared by the renderers ------------------------------------------------------------
def pct(value, digits: int = 4) -> str:
    return "-" if value is None else f"{float(value):.{digits}f} %"


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def tier_text(row: dict) -> str:
    return f"below {float(row['tier_below_pct']):g} %" if row["tier_below_pct"] is not None else "none"


CSV_COLUMNS = ["contract", "customer", "period_start", "period_end", "period_complete", "unit", "attained_pct",
               "target_pct", "breached", "tier_below_pct", "credit_pct", "credit_amount", "currency", "fee_in_force",
               "days_in_force", "days_in_period", "coverage", "gap_minutes", "exclusions_applied",
               "projected_attained_pct", "projected_credit_amount", "snapshot_id", "manifest_sha256"]


def spreadsheet_safe(value):
    """A text cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is prefixed
    with a quote, as OWASP recommends for CSV injection; numbers are left as they are."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(value)
            return value
        except ValueError:
            return "'" + value
    return value


def render_csv(report: Report) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for c in report.contracts:
        r, e = c.row, c.exposure or {}
        w.writerow(spreadsheet_safe(v) for v in [r["contract_name"], r["customer"], r["period_start"], r["period_end"], r["period_complete"], r["unit"],
                    f"{r['attained_pct']:.6f}" if r["attained_pct"] is not None else "", f"{r['target_pct']}",
                    r["breached"], "" if r["tier_below_pct"] is None else r["tier_below_pct"], r["credit_pct"],
                    r["credit_amount"], r["currency"], r["fee_in_force"], r["days_in_force"], r["days_in_period"],
                    f"{r['coverage']:.6f}" if r["coverage"] is not None else "", r["gap_minutes"], len(c.exclusions),
                    f"{e['projected_attained_pct']:.6f}" if e.get("projected_attained_pct") is not None else "",
                    e.get("projected_credit_amount", ""), report.snapshot_id or "provisional",
                    report.manifest_sha256 or ""])
    return out.getvalue().encode()


def render_html(report: Report) -> bytes:
    e = html.escape
    summary_rows = [[c.name, c.row["customer"], pct(c.row["attained_pct"]), pct(c.target_pct, 2),
                     "yes" if c.row["breached"] else "no", tier_text(c.row), pct(c.row["credit_pct"], 2),
                     money(c.row["credit_amount"], c.row["currency"]), pct(100 * (c.row["coverage"] or 0), 2)]
                    for c in report.contracts]
    totals = ", ".join(money(v, k) for k, v in report.credits_by_currency().items()) or "none"
    breached = sum(1 for c in report.contracts if c.row["breached"])
    sections = []
    for c in report.contracts:
        r = c.row
        ex_rows = [[x["exclusion_name"], x["kind"], f"{x['start_ts']} .. {x['end_ts']} UTC", x["reason"] or "",
                    x["approved_by"] or "", x["ticket"] or ""] for x in c.exclusions]
        gap_rows = [[g["source"], f"{g['gap_start']} .. {g['gap_end']} UTC", g["gap_minutes"],
                     f"{float(g['expected_records']):.0f}"] for g in c.gaps]
        exposure = ""
        if c.exposure:
            x = c.exposure
            exposure = (f'<p class="exposure">Open period: as of {x["as_of"]}, {x["days_remaining"]} day(s) to go. '
                        f'At the trailing error rate the period ends at {pct(x["projected_attained_pct"])}: '
                        f'credit {pct(x["projected_credit_pct"], 2)} = <b>{e(money(x["projected_credit_amount"], x["currency"]))}</b> '
                        f'(today: {e(money(x["credit_amount_to_date"], x["currency"]))}).</p>')
        sections.append(f"""
<section class="contract" id="{e(c.name)}">
<h2>{e(c.name)} &middot; {e(r['customer'] or '')}</h2>
<dl class="figures">
<dt>Period</dt><dd>{r['period_start']} .. {r['period_end']} (exclusive){'' if r['period_complete'] else ' &middot; <b>open</b>'}</dd>
<dt>Attainment</dt><dd>{pct(r['attained_pct'])} against a target of {pct(c.target_pct, 2)}{' &middot; <b>breached</b>' if r['breached'] else ''}</dd>
<dt>Tier hit</dt><dd>{e(tier_text(r))}</dd>
<dt>Credit</dt><dd>{pct(r['credit_pct'], 2)} of {e(money(r['fee_in_force'], r['currency']))} = <b>{e(money(r['credit_amount'], r['currency']))}</b>{' (below the minimum credit: not issued)' if r['below_minimum_credit'] else ''}</dd>
<dt>Counted</dt><dd>{float(r['counted_good_events']):,.2f} good of {float(r['counted_total_events']):,.2f} {e(r['unit'])}; {float(r['excluded_events']):,.0f} excluded; days in force {r['days_in_force']} of {r['days_in_period']}</dd>
<dt>Data coverage</dt><dd>{pct(100 * (r['coverage'] or 0), 2)} ({r['gap_minutes']} gap minute(s); missing data counts as {e(r['missing_data'])})</dd>
</dl>
{exposure}
<h3>Daily SLI</h3>
{svg_line_chart([(d, s) for d, s, _ in c.daily], f"Daily SLI, {c.row['slo_name']} (exclusions applied)", " %", c.target_pct, f"target {c.target_pct:g} %", c.spent.markers())}
<h3>Error budget burn-down</h3>
{svg_line_chart([(d, 100 * float(b)) for d, b in c.budget], "Error budget remaining", " %", 0.0, "exhausted")}
<h3>Exclusions applied</h3>
{html_table(["exclusion", "kind", "window", "reason", "approved by", "ticket"], ex_rows, "exclusions") if ex_rows else '<p class="empty">None in this period.</p>'}
<h3>Telemetry gaps</h3>
{html_table(["source", "gap", "minutes", "records expected"], gap_rows, "gaps") if gap_rows else '<p class="empty">None: telemetry was complete.</p>'}
{spent_html(c.spent, [d for d, _, _ in c.daily], r['slo_name'])}
</section>""")
    body = "\n".join(sections) or '<p class="empty">No contract has figures for this period.</p>'
    doc = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SLA report {e(report.period)}</title>
<style>{STYLE}</style></head>
<body>
<p class="source"><b>{e(report.label)}</b></p>
<h1>SLA report {e(report.period)}</h1>
<p>Generated {e(report.generated_at)}. Attainment follows each contract's own rules
(its SLO, the exclusion kinds it honours, its missing-data policy); credits are exact, rounded half up to cents.</p>
<section id="summary"><h2>Executive summary</h2>
<p>{len(report.contracts)} contract(s), {breached} breached; credits due: <b>{e(totals)}</b>.</p>
{html_table(["contract", "customer", "attained", "target", "breached", "tier", "credit %", "credit", "coverage"], summary_rows, "summary")}
</section>
{body}
<p class="source"><b>{e(report.label)}</b></p>
</body></html>
"""
    return doc.encode()


def render_pdf(report: Report) -> bytes:
    doc = Pdf(f"SLA report {report.period}", footer=report.label)
    text, table, chart = doc.text, doc.table, doc.chart
    doc.page()
    text(f"SLA report {report.period}", 18, "B", 10)
    text(f"Generated {report.generated_at}.", 9)
    totals = ", ".join(money(v, k) for k, v in report.credits_by_currency().items()) or "none"
    breached = sum(1 for c in report.contracts if c.row["breached"])
    text(f"Executive summary: {len(report.contracts)} contract(s), {breached} breached; credits due: {totals}.", 11, "B")
    table(["contract", "customer", "attained", "target", "tier", "credit %", "credit", "coverage"],
          [[c.name, c.row["customer"], pct(c.row["attained_pct"]), pct(c.target_pct, 2), tier_text(c.row),
            pct(c.row["credit_pct"], 2), money(c.row["credit_amount"], c.row["currency"]),
            pct(100 * (c.row["coverage"] or 0), 2)] for c in report.contracts],
          [28, 28, 24, 18, 24, 18, 30, 20])
    if not report.contracts:
        text("No contract has figures for this period.")
    for c in report.contracts:
        r = c.row
        doc.page()
        text(f"{c.name} - {r['customer'] or ''}", 14, "B", 8)
        text(f"Period {r['period_start']} .. {r['period_end']} (exclusive){'' if r['period_complete'] else ', open'}")
        text(f"Attainment {pct(r['attained_pct'])} against a target of {pct(c.target_pct, 2)}"
             f"{' - breached' if r['breached'] else ''}; tier hit: {tier_text(r)}")
        text(f"Credit {pct(r['credit_pct'], 2)} of {money(r['fee_in_force'], r['currency'])} = "
             f"{money(r['credit_amount'], r['currency'])}"
             f"{' (below the minimum credit: not issued)' if r['below_minimum_credit'] else ''}")
        text(f"Data coverage {pct(100 * (r['coverage'] or 0), 2)} ({r['gap_minutes']} gap minutes; missing data "
             f"counts as {r['missing_data']}); days in force {r['days_in_force']} of {r['days_in_period']}")
        if c.exposure:
            x = c.exposure
            text(f"Open period: projected {pct(x['projected_attained_pct'])}, credit "
                 f"{money(x['projected_credit_amount'], x['currency'])} (today "
                 f"{money(x['credit_amount_to_date'], x['currency'])})")
        chart([(d, s) for d, s, _ in c.daily], f"Daily SLI (exclusions applied), target {c.target_pct:g} %", c.target_pct,
              c.spent.markers())
        chart([(d, 100 * float(b)) for d, b in c.budget], "Error budget remaining (%)", 0.0)
        text("Exclusions applied", 10, "B")
        if c.exclusions:
            table(["exclusion", "kind", "start", "end", "reason", "approved by", "ticket"],
                  [[x["exclusion_name"], x["kind"], x["start_ts"], x["end_ts"], x["reason"] or "", x["approved_by"] or "",
                    x["ticket"] or ""] for x in c.exclusions], [24, 21, 29, 29, 37, 24, 16])
        else:
            text("None in this period.", 9)
        text("Telemetry gaps", 10, "B")
        if c.gaps:
            table(["source", "start", "end", "minutes"], [[g["source"], g["gap_start"], g["gap_end"], g["gap_minutes"]]
                                                         for g in c.gaps], [40, 50, 50, 20])
        else:
            text("None: telemetry was complete.", 9)
        spent_pdf(doc, c.spent, [d for d, _, _ in c.daily])
    return doc.output()


RENDERERS = {"html": render_html, "csv": render_csv, "pdf": render_pdf}


def parse_formats(text: str) -> list[str]:
    formats = [f.strip().lower() for f in (text or "").split(",") if f.strip()]
    bad = [f for f in formats if f not in REPORT_FORMATS]
    if bad or not formats:
        raise ReportError(f"--format {text!r}: choose from {', '.join(REPORT_FORMATS)} (comma-separated)")
    return list(dict.fromkeys(formats))


def write_report(settings: Settings, period: str, formats: list[str], out_dir: Path,
                 public_key: Path | None = None) -> list[Path]:
    """The report of `period`, from its verified audit snapshot when it has one (else provisional)."""
    with open_source(settings, period, public_key=public_key) as source:
        report = gather(source, period)
    return write_files(report, RENDERERS, f"sla-report-{period}", formats, out_dir)
