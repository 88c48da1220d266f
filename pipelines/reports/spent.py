"""The "where the budget went" part of a report page, in HTML and PDF: bad events per day stacked
by cause, the totals by cause, the incidents and deploys that spent the most, and the annotations
whose numbers mark the daily SLI chart."""

from __future__ import annotations

import html

from .attribution import Attribution
from .charts import CAUSES, pdf_stacked_bars, svg_stacked_bars
from .pages import Pdf, html_table


def _share(value) -> str:
    return "-" if value is None else f"{100 * float(value):.2f} %"


def _sli(value) -> str:
    return "-" if value is None else f"{100 * float(value):.3f} %"


def totals_line(a: Attribution) -> str:
    totals = a.totals()
    spent = sum(totals.values())
    if not spent:
        return "No bad events in the period."
    parts = [f"{cause} {totals.get(cause, 0):,.0f} ({100 * totals.get(cause, 0) / spent:.1f} %)" for cause in CAUSES]
    return f"{spent:,.0f} bad events: " + ", ".join(parts) + "."


def incident_rows(a: Attribution) -> list[list]:
    return [[i["incident_id"], i["title"] or "", i["severity"] or "", str(i["started_at"]), f"{float(i['bad_events']):,.0f}",
             _share(i["budget_share"]), "-" if i["minutes_to_detect"] is None else i["minutes_to_detect"],
             "-" if i["minutes_to_resolve"] is None else i["minutes_to_resolve"],
             "missed" if i["missed"] else ("yes" if i["alerts_fired"] else "no")] for i in a.incidents]


INCIDENT_HEADERS = ["incident", "title", "severity", "started (UTC)", "bad events", "budget", "min to detect",
                    "min to resolve", "alerted"]
DEPLOY_HEADERS = ["deploy", "at (UTC)", "who", "bad events", "SLI before", "SLI after", "verdict"]


def deploy_rows(a: Attribution) -> list[list]:
    return [[("rollback to " if d["is_rollback"] else "") + d["version"], str(d["deployed_at"]), d["who"] or "",
             f"{float(d['bad_events']):,.0f}", _sli(d["sli_before"]), _sli(d["sli_after"]), d["verdict"]]
            for d in a.deploys]


def annotation_rows(a: Attribution) -> list[list]:
    return [[n["number"], n["annotation_source"], str(n["from_ts"]), "" if n["to_ts"] is None else str(n["to_ts"]),
             n["note"] or "", n["who"] or ""] for n in a.annotations]


def spent_html(a: Attribution, days: list, slo: str) -> str:
    e = html.escape
    more = f'<p class="empty">and {a.more_annotations} more in marts.fct_annotations</p>' if a.more_annotations else ""
    return f"""<h3>Where the budget went</h3>
<p class="spent">{e(totals_line(a))} Each bad event counts once, for the first cause that covers it (excluded, incident, deploy).</p>
{svg_stacked_bars(days, a.by_day, f"Bad events per day by cause, {slo}")}
<h4>Incidents that spent the most</h4>
{html_table(INCIDENT_HEADERS, incident_rows(a), "incidents") if a.incidents else '<p class="empty">No incident touched this SLO.</p>'}
<h4>Deploys that spent the most</h4>
{html_table(DEPLOY_HEADERS, deploy_rows(a), "deploys") if a.deploys else '<p class="empty">No deploy in this period.</p>'}
<h4>Annotations (numbered on the daily SLI chart)</h4>
{html_table(["#", "source", "from (UTC)", "to (UTC)", "note", "who"], annotation_rows(a), "annotations") if a.annotations else '<p class="empty">None.</p>'}
{more}"""


def spent_pdf(doc: Pdf, a: Attribution, days: list) -> None:
    doc.text("Where the budget went", 10, "B")
    doc.text(totals_line(a), 9)
    if a.totals() and days:
        if doc.pdf.get_y() + 48 > doc.pdf.page_break_trigger:  # never cut by a page
            doc.page()
        pdf_stacked_bars(doc.pdf, days, a.by_day)
    if a.incidents:
        doc.text("Incidents that spent the most", 9, "B")
        doc.table(["incident", "title", "started (UTC)", "bad", "budget", "detect", "resolve", "alerted"],
                  [r[:2] + r[3:] for r in incident_rows(a)], [22, 46, 32, 16, 16, 14, 14, 18])
    if a.deploys:
        doc.text("Deploys that spent the most", 9, "B")
        doc.table(DEPLOY_HEADERS, deploy_rows(a), [30, 32, 22, 18, 24, 24, 28])
    if a.annotations:
        doc.text("Annotations (numbered on the daily SLI chart)", 9, "B")
        doc.table(["#", "source", "from (UTC)", "to (UTC)", "note", "who"], annotation_rows(a), [8, 18, 32, 32, 70, 18])
        if a.more_annotations:
            doc.text(f"and {a.more_annotations} more in marts.fct_annotations", 8)
