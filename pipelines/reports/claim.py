"""`slm claim`: the pack we send a vendor to claim the credit its SLA owes us for a period.

The figures come from the period's audit snapshot, verified first (hashes, chain, signature when
a public key is given): a claim is never made from figures that do not verify. The pack holds
the claim (`claim.json`: vendor, period, attainment, tier, credit, the snapshot's id and manifest
SHA-256, the deadline and the evidence the contract requires), the outage windows (`outages.csv`:
each run of minutes in which the vendor failed requests that the contract counts, with bad and
total events, as the snapshot froze them in fct_contract_outages, and the landed files of the
snapshot's inputs holding them) and a letter (`claim.md`). The pack is written
once and the claim logged (`catalog.claims`), so `fct_vendor_claims` shows the period as claimed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..audit.stores import MANIFEST, SnapshotInfo, SnapshotStore, snapshot_store
from ..catalog.claims import record_claim
from ..core.hashing import sha256_bytes
from ..core.periods import period_bounds
from ..core.storage import write_bytes_atomic
from ..settings import Settings
from .pages import ReportError, open_marts
from .source import period_snapshot


class ClaimError(ReportError):
    pass


@dataclass
class ClaimPack:
    folder: Path
    claim: dict
    outages: list[dict]


def _snapshot_of(entries: list[SnapshotInfo], contract: str, period: str) -> SnapshotInfo:
    """The newest snapshot of the period narrowed to this contract, else the newest of the whole period."""
    snap = period_snapshot(entries, period, contract)
    if snap is None:
        raise ClaimError(f"no audit snapshot of {period}: run `slm snapshot create --period {period} --contract "
                         f"{contract}` first (a claim quotes verified figures only)")
    return snap


def _frozen_rows(store: SnapshotStore, snap: SnapshotInfo, name: str) -> list[dict]:
    entry = next((f for f in snap.manifest["files"] if f["path"] == name), None)
    data = store.read(snap.snapshot_id, name, entry.get("version_id")) if entry else None
    if data is None:
        raise ClaimError(f"snapshot {snap.snapshot_id} holds no {name}")
    return pq.read_table(pa.BufferReader(data)).to_pylist()


def frozen_outages(store: SnapshotStore, snap: SnapshotInfo, terms: dict, start: dt.date) -> list[dict] | None:
    """The contract's outage windows of the period as the snapshot froze them (fct_contract_outages),
    with the service of its SLO (the snapshot's dim_slos); None for a snapshot made before that mart
    was frozen. `terms`: the contract's frozen dim_contracts row."""
    if not any(f["path"] == "fct_contract_outages.parquet" for f in snap.manifest["files"]):
        return None
    service = next((r["service"] for r in _frozen_rows(store, snap, "dim_slos.parquet")
                    if r["slo_name"] == terms["slo_name"]), None)
    rows = [r for r in _frozen_rows(store, snap, "fct_contract_outages.parquet")
            if r["contract_name"] == terms["contract_name"] and r["period_start"] == start]
    return [{"start": r["outage_start"], "end": r["outage_end"], "service": service,
             "bad_events": r["bad_events"], "total_events": r["total_events"]}
            for r in sorted(rows, key=lambda r: r["outage_start"])]


def outage_windows(con, slo: str, start: dt.date, end: dt.date, honoured: set[str]) -> list[dict]:
    """Runs of consecutive minutes with failed requests the contract counts (none inside an
    exclusion it honours), from the warehouse's minute base: for a snapshot made before
    fct_contract_outages was frozen."""
    minutes = con.execute("""
        select minute_ts, service, sum(total_events - good_events), sum(total_events), list(distinct exclusion_kinds)
        from intermediate.int_slo_minutes
        where slo_name = ? and minute_ts >= cast(? as timestamp) and minute_ts < cast(? as timestamp)
        group by minute_ts, service having sum(total_events - good_events) > 0 order by minute_ts""",
                          [slo, start, end]).fetchall()
    windows: list[dict] = []
    for minute, service, bad, total, kinds in minutes:
        if any(set(k.split(",")) & honoured for k in kinds if k):
            continue
        last = windows[-1] if windows else None
        if last and last["end"] == minute:
            last["end"], last["bad_events"], last["total_events"] = minute + dt.timedelta(minutes=1), \
                last["bad_events"] + bad, last["total_events"] + total
        else:
            windows.append({"start": minute, "end": minute + dt.timedelta(minutes=1), "service": service,
                            "bad_events": bad, "total_events": total})
    return windows


def with_evidence(con, windows: list[dict], paths: dict[str, str]) -> list[dict]:
    """Each window with the landed files that hold its service's events of those minutes, among
    the snapshot's inputs (`paths`: SHA-256 -> landing path): a file landed after the snapshot
    is not evidence of its figures."""
    for w in windows:
        shas = [r[0] for r in con.execute("""
            select distinct file_sha256 from staging.stg_lake__events
            where service = ? and event_ts >= ? and event_ts < ? order by 1""", [w["service"], w["start"], w["end"]]).fetchall()]
        w["evidence_files"] = "; ".join(f"{paths[sha]} sha256:{sha}" for sha in shas if sha in paths)
    return windows


def write_claim(settings: Settings, contract: str, period: str, who: str, public_key: Path | None = None,
                out: Path | None = None) -> ClaimPack:
    start, _ = period_bounds(period)
    store = snapshot_store(settings)
    entries = store.entries()  # the manifests, read once (each is a download on S3)
    snap = _snapshot_of(entries, contract, period)
    problems = store.verify(snap.snapshot_id, public_key, entries)
    if problems:
        raise ClaimError(f"snapshot {snap.snapshot_id} fails verification ({problems[0]}): no claim from figures "
                         f"that do not verify")
    terms = next((r for r in _frozen_rows(store, snap, "dim_contracts.parquet") if r["contract_name"] == contract), None)
    figures = next((r for r in _frozen_rows(store, snap, "fct_sla_compliance.parquet")
                    if r["contract_name"] == contract and r["period_start"] == start), None)
    if terms is None or figures is None:
        raise ClaimError(f"snapshot {snap.snapshot_id} holds no figures of contract {contract!r} for {period}")
    if terms.get("direction") != "inbound":
        raise ClaimError(f"{contract} is our SLA to a customer, not a vendor's to us (direction: inbound)")
    if not figures["period_complete"]:
        raise ClaimError(f"{period} is not over for {contract}: its data does not reach the period's last day")
    if figures["below_minimum_credit"] or not figures["credit_amount"]:
        why = "is below the contract's minimum credit" if figures["below_minimum_credit"] else "earns no credit"
        raise ClaimError(f"nothing to claim: {contract} attained {figures['attained_pct']:.4f} % in {period}, which {why}")
    folder = out or settings.claims / f"{contract}-{period}"
    if folder.exists():
        raise ClaimError(f"{contract} {period} was claimed already: {folder} (a pack is written once)")
    windows = frozen = frozen_outages(store, snap, terms, start)
    with open_marts(settings.warehouse) as con:
        deadline = con.execute("select claim_deadline from marts.fct_vendor_claims where contract_name = ? "
                               "and period_start = ?", [contract, start]).fetchone()
        if windows is None:
            windows = outage_windows(con, terms.get("measured_slo_name") or terms["slo_name"], start,
                                     figures["period_end"],
                                     {k for k in (figures["exclusions_honoured"] or "").split(",") if k})
        windows = with_evidence(con, windows, {i["sha256"]: i["path"] for i in snap.manifest.get("inputs") or []})
    claim = {
        "contract": contract, "vendor": terms["vendor"], "period": period,
        "period_start": str(start), "period_end": str(figures["period_end"]), "slo": terms["slo_name"],
        "attained_pct": figures["attained_pct"], "target_pct": figures["target_pct"],
        "tier_below_pct": figures["tier_below_pct"], "credit_pct": figures["credit_pct"],
        "fee_in_force": str(figures["fee_in_force"]), "credit_amount": str(figures["credit_amount"]),
        "currency": figures["currency"], "claim_deadline": str(deadline[0]) if deadline else None,
        "evidence_required": [e for e in (terms.get("claim_evidence") or "").split("; ") if e],
        "outage_windows": len(windows), "outage_windows_from": "warehouse" if frozen is None else "snapshot",
        "snapshot": {"id": snap.snapshot_id, "manifest_sha256": sha256_bytes(store.read(snap.snapshot_id, MANIFEST)),
                     "verified": True, "public_key": str(public_key) if public_key else None},
        "prepared_by": who, "prepared_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    # built aside and renamed into place: a pack is there whole or not at all (a killed run leaves
    # only a `.partial-<pid>` folder, and the next attempt is not taken for a claim already made)
    partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    partial.mkdir(parents=True)
    write_bytes_atomic(json.dumps(claim, indent=2, default=str).encode(), partial / "claim.json")
    write_bytes_atomic(_outages_csv(windows), partial / "outages.csv")
    write_bytes_atomic(_letter(claim, windows).encode(), partial / "claim.md")
    partial.rename(folder)
    record_claim(settings.claims, contract=contract, period_start=start, snapshot_id=snap.snapshot_id,
                 manifest_sha256=claim["snapshot"]["manifest_sha256"], credit_amount=claim["credit_amount"],
                 currency=claim["currency"], pack=folder, who=who)
    return ClaimPack(folder, claim, windows)


def _outages_csv(windows: list[dict]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["start_utc", "end_utc", "minutes", "bad_events", "total_events", "evidence_files"])
    for x in windows:
        w.writerow([x["start"], x["end"], int((x["end"] - x["start"]).total_seconds() // 60),
                    f"{x['bad_events']:g}", f"{x['total_events']:g}", x["evidence_files"]])
    return out.getvalue().encode()


def _letter(claim: dict, windows: list[dict]) -> str:
    credit = Decimal(claim["credit_amount"])
    lines = [f"# Service credit claim: {claim['vendor']}, {claim['period']}", "",
             f"Under our agreement `{claim['contract']}`, the service measured by `{claim['slo']}` attained "
             f"**{claim['attained_pct']:.4f} %** from {claim['period_start']} to {claim['period_end']} (exclusive), "
             f"below the {claim['tier_below_pct']:g} % tier, which earns a credit of {claim['credit_pct']:g} % of "
             f"{claim['fee_in_force']} {claim['currency']}: **{credit:,.2f} {claim['currency']}**.", "",
             f"Claim deadline: {claim['claim_deadline']}.", "",
             f"## Outage windows ({len(windows)}, UTC; details in outages.csv)", ""]
    lines += [f"- {w['start']} .. {w['end']}: {w['bad_events']:g} of {w['total_events']:g} requests failed" for w in windows[:50]]
    if len(windows) > 50:
        lines.append(f"- and {len(windows) - 50} more in outages.csv")
    lines += ["", "## Evidence", ""]
    lines += [f"- required: {e}" for e in claim["evidence_required"]]
    lines += [f"- figures from audit snapshot {claim['snapshot']['id']} (manifest SHA-256 "
              f"{claim['snapshot']['manifest_sha256']}), verified before this claim was prepared", ""]
    return "\n".join(lines)
