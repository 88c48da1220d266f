"""`slm report --kind statement --contract NAME --period P`: one customer's SLA statement.

Only that contract: attainment, tier, credit and the fee it is taken from; the daily SLI; each
outage window that cost budget; each exclusion honoured with its reason, approver and ticket; data
coverage and gaps with the missing-data rule; and an appendix "How to verify" naming the audit
snapshot, its manifest's hash, the hashes of the files the figures come from and the commands a
customer's auditor runs. The figures come from the period's verified snapshot (`source`), or from
the live marts marked provisional on every page. Nothing of another contract is read.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from pathlib import Path

from ..core.periods import period_bounds
from ..settings import Settings
from .attribution import rows
from .charts import svg_line_chart
from .pages import STYLE, Pdf, ReportError, html_table, write_files
from .source import Source, open_source

# the frozen files a statement's figures come from (the appendix lists their hashes)
EVIDENCE = ("fct_sla_compliance.parquet", "dim_contracts.parquet", "fct_sli_daily.parquet",
            "fct_contract_outages.parquet", "dim_exclusions.parquet", "fct_telemetry_gaps.parquet")


@dataclass
class Statement:
    contract: str
    period: str
    generated_at: str
    label: str                                  # where the figures come from, on every page
    row: dict                                   # fct_sla_compliance
    terms: dict                                 # dim_contracts
    daily: list[tuple] = field(default_factory=list)       # (day, sli %)
    outages: list[dict] = field(default_factory=list)
    exclusions: list[dict] = field(default_factory=list)
    gaps: list[dict] = field(default_factory=list)
    snapshot_id: str | None = None
    manifest_sha256: str | None = None
    key_sha256: str | None = None
    evidence: dict[str, str] = field(default_factory=dict)  # file -> SHA-256

    @property
    def provisional(self) -> bool:
        return self.snapshot_id is None


def gather(source: Source, contract: str, period: str) -> Statement:
    start, end = period_bounds(period)
    con = source.con
    terms = rows(con, "select * from marts.dim_contracts where contract_name = ?", [contract])
    figures = rows(con, "select * from marts.fct_sla_compliance where contract_name = ? and period_start >= ? "
                        "and period_start < ?", [contract, start, end])
    if not terms or not figures:
        where = f"audit snapshot {source.snapshot_id}" if source.snapshot else "the marts"
        raise ReportError(f"{where} holds no figures of contract {contract!r} for {period}")
    t, r = terms[0], figures[0]
    if t.get("direction") == "inbound":
        raise ReportError(f"{contract} is a vendor's SLA to us: its claim is `slm claim`, not a statement")
    slo = t.get("measured_slo_name") or t["slo_name"]
    service = con.execute("select max(service) from marts.dim_slos where slo_name = ?", [t["slo_name"]]).fetchone()[0]
    honoured = {k for k in (r["exclusions_honoured"] or "").split(",") if k}
    s = Statement(contract, period, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), source.label(),
                  r, t, snapshot_id=source.snapshot_id, manifest_sha256=source.manifest_sha256,
                  key_sha256=source.key_sha256,
                  evidence={name: sha for name, sha in source.files.items() if name in EVIDENCE})
    s.daily = [tuple(x) for x in con.execute(
        "select day, 100 * sli_adjusted from marts.fct_sli_daily where slo_name = ? and day >= ? and day < ? "
        "order by day", [slo, r["period_start"], r["period_end"]]).fetchall()]
    if source.has("fct_contract_outages"):
        s.outages = rows(con, """select outage_start, outage_end, minutes, bad_events, total_events
                                 from marts.fct_contract_outages where contract_name = ? and period_start = ?
                                 order by outage_start""", [contract, r["period_start"]])
    if source.has("dim_exclusions"):
        s.exclusions = [x for x in rows(con, """
            select exclusion_name, kind, start_ts, end_ts, reason, approved_by, ticket from marts.dim_exclusions
            where service = ? and start_ts < cast(? as timestamp) and end_ts > cast(? as timestamp)
            order by start_ts, exclusion_name""", [service, r["period_end"], r["period_start"]]) if x["kind"] in honoured]
    s.gaps = rows(con, """select source, gap_start, gap_end, gap_minutes from marts.fct_telemetry_gaps
                          where service = ? and gap_start < cast(? as timestamp) and gap_end > cast(? as timestamp)
                          order by gap_start""", [service, r["period_end"], r["period_start"]])
    return s


def _money(amount, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _figures(s: Statement) -> list[tuple[str, str]]:
    r, t = s.row, s.terms
    tier = f"below {float(r['tier_below_pct']):g} %" if r["tier_below_pct"] is not None else "none"
    credit = _money(r["credit_amount"], r["currency"]) + (" (below the minimum credit: not issued)"
                                                          if r["below_minimum_credit"] else "")
    scope = f" (the customer {t['scope_customer']}'s requests only)" if t.get("scope_customer") else ""
    return [
        ("Customer", str(t.get("customer") or "")),
        ("Period", f"{r['period_start']} to {r['period_end']} (end exclusive)"
                   f"{'' if r['period_complete'] else ', not complete'}"),
        ("Measured by", f"SLO {t['slo_name']}{scope}"),
        ("Attainment", f"{float(r['attained_pct']):.4f} % of {float(r['counted_total_events']):,.0f} {r['unit']} "
                       f"counted (target {float(r['target_pct']):g} %)" if r["attained_pct"] is not None else "no data"),
        ("Tier", tier),
        ("Credit", f"{float(r['credit_pct']):g} % of the fee in force {_money(r['fee_in_force'], r['currency'])} "
                   f"(monthly fee {_money(r['fee_amount'], r['currency'])}, {r['days_in_force']} of "
                   f"{r['days_in_period']} days in force) = {credit}"),
        ("Data coverage", f"{100 * float(r['coverage'] or 0):.2f} %, {r['gap_minutes']} gap minute(s); missing data "
                          f"counts as {r['missing_data']} ({float(r['imputed_events'] or 0):,.0f} {r['unit']} imputed)"),
    ]


def _outage_rows(s: Statement) -> list[list]:
    return [[o["outage_start"], o["outage_end"], o["minutes"], f"{float(o['bad_events']):,.0f}",
             f"{float(o['total_events']):,.0f}"] for o in s.outages]


def _exclusion_rows(s: Statement) -> list[list]:
    return [[x["exclusion_name"], x["kind"], f"{x['start_ts']} to {x['end_ts']}", x["reason"] or "",
             x["approved_by"] or "", x["ticket"] or ""] for x in s.exclusions]


def _gap_rows(s: Statement) -> list[list]:
    return [[g["source"], g["gap_start"], g["gap_end"], g["gap_minutes"]] for g in s.gaps]


def how_to_verify(s: Statement) -> list[str]:
    """The appendix, line by line: what to fetch, what to run, what it must print."""
    if s.provisional:
        return ["These figures are provisional: no audit snapshot of this period exists yet, so there is nothing "
                "to verify them against. Ask for the statement again once the period is snapshotted."]
    key = (f"The manifest is signed with the Ed25519 key whose SHA-256 is {s.key_sha256}; ask us for that public "
           f"key (key.pem) and check its fingerprint." if s.key_sha256 else "The snapshot is not signed.")
    lines = [f"Audit snapshot: {s.snapshot_id}", f"Manifest SHA-256: {s.manifest_sha256}", key,
             "The figures above come from these files of the snapshot (SHA-256):"]
    lines += [f"  {name}  {sha}" for name, sha in sorted(s.evidence.items())]
    lines += ["To verify, with read access to the snapshot store:",
              f"  slm snapshot pull {s.snapshot_id} --to ./evidence --public-key key.pem",
              f"  slm snapshot verify {s.snapshot_id} --public-key key.pem",
              f"  sha256sum ./evidence/{s.snapshot_id}/manifest.json   (must print the manifest SHA-256 above)",
              "Pull verifies every file's hash, the chain to the previous snapshot and the signature before it "
              "copies anything; each file's hash is also listed in manifest.json."]
    return lines


def render_html(s: Statement) -> bytes:
    e = html.escape
    banner = f'<p class="source"><b>{e(s.label)}</b></p>'
    figures = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in _figures(s))
    target = float(s.row["target_pct"])
    outages = (html_table(["from (UTC)", "to (UTC)", "minutes", "failed", "requests"], _outage_rows(s), "outages")
               if s.outages else '<p class="empty">None: no counted request failed.</p>')
    exclusions = (html_table(["exclusion", "kind", "window (UTC)", "reason", "approved by", "ticket"],
                             _exclusion_rows(s), "exclusions") if s.exclusions
                  else '<p class="empty">None honoured in this period.</p>')
    gaps = (html_table(["source", "from (UTC)", "to (UTC)", "minutes"], _gap_rows(s), "gaps") if s.gaps
            else '<p class="empty">None: telemetry was complete.</p>')
    verify = "<br>".join(e(line) for line in how_to_verify(s))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SLA statement {e(s.contract)} {e(s.period)}</title>
<style>{STYLE}</style></head>
<body>
{banner}
<h1>SLA statement: {e(s.contract)}, {e(s.period)}</h1>
<p>Generated {e(s.generated_at)}.</p>
<dl class="figures">{figures}</dl>
<h2>Daily SLI</h2>
{svg_line_chart(s.daily, f"Daily SLI (exclusions honoured), target {target:g} %", " %", target, f"target {target:g} %")}
<h2>Outage windows that cost budget</h2>
{outages}
<h2>Exclusions honoured</h2>
{exclusions}
<h2>Telemetry gaps</h2>
{gaps}
<h2>Appendix: how to verify</h2>
<p class="verify"><code>{verify}</code></p>
{banner}
</body></html>
""".encode()


def render_pdf(s: Statement) -> bytes:
    doc = Pdf(f"SLA statement {s.contract} {s.period}", footer=s.label)
    doc.page()
    doc.text(f"SLA statement: {s.contract}, {s.period}", 16, "B", 9)
    doc.text(f"Generated {s.generated_at}.", 9)
    doc.table(["", ""], [[k, v] for k, v in _figures(s)], [38, 142], header=False)
    target = float(s.row["target_pct"])
    doc.chart(s.daily, f"Daily SLI (exclusions honoured), target {target:g} %", target)
    doc.text("Outage windows that cost budget", 11, "B")
    if s.outages:
        doc.table(["from (UTC)", "to (UTC)", "minutes", "failed", "requests"], _outage_rows(s), [45, 45, 25, 30, 35])
    else:
        doc.text("None: no counted request failed.", 9)
    doc.text("Exclusions honoured", 11, "B")
    if s.exclusions:
        doc.table(["exclusion", "kind", "window (UTC)", "reason", "approved by", "ticket"], _exclusion_rows(s),
                  [27, 22, 38, 47, 26, 20])
    else:
        doc.text("None honoured in this period.", 9)
    doc.text("Telemetry gaps", 11, "B")
    if s.gaps:
        doc.table(["source", "from (UTC)", "to (UTC)", "minutes"], _gap_rows(s), [40, 55, 55, 30])
    else:
        doc.text("None: telemetry was complete.", 9)
    doc.text("Appendix: how to verify", 11, "B")
    for line in how_to_verify(s):
        doc.text(line, 8, h=4.5)
    return doc.output()


RENDERERS = {"html": render_html, "pdf": render_pdf}


def write_statement(settings: Settings, contract: str, period: str, formats: list[str], out_dir: Path,
                    public_key: Path | None = None) -> list[Path]:
    unknown = [f for f in formats if f not in RENDERERS]
    if unknown:
        raise ReportError(f"a statement is html or pdf, not {', '.join(unknown)}")
    with open_source(settings, period, contract, public_key) as source:
        statement = gather(source, contract, period)
    return write_files(statement, RENDERERS, f"sla-statement-{contract}-{period}", formats, out_dir)
