"""Vendor credit claims (issue 20): each claim pack `slm claim` writes is logged in
`$SLM_HOME/claims/claims.jsonl` (contract, period, the audit snapshot its figures come from, who,
when), only ever appended (`journal`); each run exports it to `lake/catalog/claims.parquet`, where
`fct_vendor_claims` marts a period as claimed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from . import journal

LOG = "claims.jsonl"
SCHEMA = pa.schema([
    ("claim_id", pa.string()), ("contract_name", pa.string()), ("period_start", pa.date32()),
    ("snapshot_id", pa.string()), ("manifest_sha256", pa.string()), ("credit_amount", pa.string()),
    ("currency", pa.string()), ("pack", pa.string()), ("who", pa.string()), ("claimed_at", pa.timestamp("us")),
])


def record_claim(folder: Path, *, contract: str, period_start: dt.date, snapshot_id: str, manifest_sha256: str,
                 credit_amount: str, currency: str, pack: Path, who: str, now: dt.datetime | None = None) -> dict:
    at = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(tzinfo=None)
    record = {"contract_name": contract, "period_start": period_start.isoformat(), "snapshot_id": snapshot_id,
              "manifest_sha256": manifest_sha256, "credit_amount": credit_amount, "currency": currency,
              "pack": str(pack), "who": who, "claimed_at": at.isoformat(timespec="microseconds")}
    return journal.append(folder / LOG, record, "claim_id")


def export_claims(folder: Path, target: Path) -> int:
    rows = [{**r, "period_start": dt.date.fromisoformat(r["period_start"]),
             "claimed_at": dt.datetime.fromisoformat(r["claimed_at"])} for r in journal.read(folder / LOG)]
    return journal.export(rows, SCHEMA, target)
