"""`slm report --kind incidents`: the month's incidents for SREs and their managers.

Per incident: the SLOs of the services it named, the bad events and share of budget each lost to
it, minutes to detect (the first page alert, else the declared detection), mitigate and resolve,
and whether the SLO's alerts fired (`missed` when budget went with no alert: the finding to act
on). Then, per SLO an incident touched, where its budget went (the stacked chart by cause, the
incidents and deploys that spent the most, the annotations). All from the marts
(fct_incident_impact, fct_budget_attribution, fct_deploy_impact, fct_annotations).
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..core.periods import period_bounds
from .attribution import Attribution, attribution, rows
from .charts import svg_line_chart
from .pages import Pdf, html_page, html_table, open_marts, write_files
from .sla import spreadsheet_safe
from .spent import spent_html, spent_pdf


@dataclass
class SloSpent:
    slo: str
    service: str
    daily: list[tuple] = field(default_factory=list)  # (day, sli_pct)
    spent: Attribution = field(default_factory=Attribution)


@dataclass
class IncidentReport:
    period: str
    generated_at: str
    impacts: list[dict]              # fct_incident_impact rows of incidents started in the period
    slos: list[SloSpent]

    def incidents(self) -> list[str]:
        return list(dict.fromkeys(i["incident_id"] for i in self.impacts))

    def missed(self) -> list[str]:
        return list(dict.fromkeys(i["incident_id"] for i in self.impacts if i["missed"]))

    def mean_minutes(self, column: str) -> float | None:
        """Mean over incidents (not incident x SLO) of a per-incident figure."""
        per = {i["incident_id"]: i[column] for i in self.impacts if i[column] is not None}
        return sum(per.values()) / len(per) if per else None


def gather(warehouse: Path, period: str) -> IncidentReport:
    start, end = period_bounds(period)
    with open_marts(warehouse) as con:
        impacts = rows(con, """
            select * from marts.fct_incident_impact
            where started_at >= cast(? as timestamp) and started_at < cast(? as timestamp)
            order by started_at, incident_id, slo_name""", [start, end])
        slos = []
        for slo, service in dict.fromkeys((i["slo_name"], i["service"]) for i in impacts):
            s = SloSpent(slo, service)
            s.daily = [tuple(r) for r in con.execute("""
                select day, 100 * sli from marts.fct_sli_daily
                where slo_name = ? and day >= ? and day < ? order by day""", [slo, start, end]).fetchall()]
            s.spent = attribution(con, slo, service, start, end)
            slos.append(s)
    return IncidentReport(period, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), impacts,
                          sorted(slos, key=lambda s: s.slo))


def _minutes(value) -> str:
    return "-" if value is None else f"{value:,.0f}"


def summary_line(r: IncidentReport) -> str:
    return (f"{len(r.incidents())} incident(s) started in {r.period}, {len(r.missed())} missed by every alert; "
            f"mean minutes to detect {_minutes(r.mean_minutes('minutes_to_detect'))}, "
            f"to mitigate {_minutes(r.mean_minutes('minutes_to_mitigate'))}, "
            f"to resolve {_minutes(r.mean_minutes('minutes_to_resolve'))}.")


CSV_COLUMNS = ["incident_id", "title", "severity", "service", "slo_name", "started_at", "resolved_at", "bad_events",
               "budget_share", "detected_by", "minutes_to_detect", "minutes_to_mitigate", "minutes_to_resolve",
               "alerts_fired", "missed"]
HEADERS = ["incident", "title", "severity", "SLO", "started (UTC)", "bad events", "budget", "detected by",
           "detect", "mitigate", "resolve", "alerted"]


def impact_rows(r: IncidentReport) -> list[list]:
    return [[i["incident_id"], i["title"] or "", i["severity"] or "", i["slo_name"], str(i["started_at"]),
             f"{float(i['bad_events']):,.0f}", "-" if i["budget_share"] is None else f"{100 * float(i['budget_share']):.2f} %",
             i["detected_by"] or "-", _minutes(i["minutes_to_detect"]), _minutes(i["minutes_to_mitigate"]),
             _minutes(i["minutes_to_resolve"]), "MISSED" if i["missed"] else ("yes" if i["alerts_fired"] else "no")]
            for i in r.impacts]


def render_csv(r: IncidentReport) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for i in r.impacts:
        w.writerow(spreadsheet_safe("" if i[c] is None else i[c]) for c in CSV_COLUMNS)
    return out.getvalue().encode()


def render_html(r: IncidentReport) -> bytes:
    e = html.escape
    sections = [f"""
<section class="slo" id="{e(s.slo)}">
<h2>{e(s.slo)} &middot; {e(s.service)}</h2>
<h3>Daily SLI</h3>
{svg_line_chart(s.daily, f"Daily SLI (raw: nothing excluded), {s.slo}", " %", None, "", s.spent.markers())}
{spent_html(s.spent, [d for d, _ in s.daily], s.slo)}
</section>""" for s in r.slos]
    table = (html_table(HEADERS, impact_rows(r), "impact") if r.impacts
             else '<p class="empty">No incident started in this period.</p>')
    intro = ("Minutes are counted from each incident's start; \"detect\" is the first page alert that started "
             "within it, else its declared detection.")
    return html_page(f"Incident report {r.period}", r.generated_at, e(intro), f"""
<section id="summary"><h2>Summary</h2>
<p>{e(summary_line(r))}</p>
{table}
</section>
{"".join(sections)}""")


def render_pdf(r: IncidentReport) -> bytes:
    doc = Pdf(f"Incident report {r.period}")
    doc.opening(f"Incident report {r.period}", r.generated_at, summary_line(r))
    if r.impacts:
        doc.table(["incident", "SLO", "started (UTC)", "bad", "budget", "detect", "resolve", "alerted"],
                  [[x[0], x[3], x[4], x[5], x[6], x[8], x[10], x[11]] for x in impact_rows(r)],
                  [22, 40, 32, 16, 18, 14, 14, 18])
    else:
        doc.text("No incident started in this period.")
    for s in r.slos:
        doc.page()
        doc.text(f"{s.slo} - {s.service}", 14, "B", 8)
        doc.chart(s.daily, "Daily SLI, raw (%)", None, s.spent.markers())
        spent_pdf(doc, s.spent, [d for d, _ in s.daily])
    return doc.output()


RENDERERS = {"html": render_html, "csv": render_csv, "pdf": render_pdf}


def write_report(warehouse: Path, period: str, formats: list[str], out_dir: Path) -> list[Path]:
    return write_files(gather(warehouse, period), RENDERERS, f"incident-report-{period}", formats, out_dir)
