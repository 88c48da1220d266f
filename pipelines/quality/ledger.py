"""The ledger of check results (`quality/checks.jsonl`): one line per check per run, appended
and never rewritten. The audit snapshot consults it: a failed error-level check blocks the
snapshot of its period unless a person overrides it with a reason.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ..core.storage import exclusive_lock

ERROR, WARN = "ERROR", "WARN"  # a check's severity, as Dagster names it


@dataclass
class CheckRecord:
    check: str
    severity: str
    passed: bool
    window_start: str | None
    window_end: str | None
    run_id: str
    at: str
    failed: list


def record_check(quality_dir: Path, record: CheckRecord) -> None:
    """Append one check's result to `checks.jsonl` (the evidence an audit snapshot cites)."""
    quality_dir.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(quality_dir / ".lock"):
        with open(quality_dir / "checks.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(asdict(record), default=str, sort_keys=True) + "\n")


def read_checks(quality_dir: Path) -> list[CheckRecord]:
    path = quality_dir / "checks.jsonl"
    if not path.exists():
        return []
    return [CheckRecord(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def checks_for_period(quality_dir: Path, start: dt.date, end: dt.date) -> list[CheckRecord]:
    """For each check, the newest record for every day of [start, end) that a run checked; a
    later run over a day replaces what an earlier one said about it."""
    newest: dict[tuple[str, str], CheckRecord] = {}
    for rec in sorted(read_checks(quality_dir), key=lambda r: r.at):
        if not rec.window_start:
            continue
        day = max(dt.date.fromisoformat(rec.window_start), start)
        last = min(dt.date.fromisoformat(rec.window_end), end)
        while day < last:
            newest[(rec.check, day.isoformat())] = rec
            day += dt.timedelta(days=1)
    unique: dict[tuple, CheckRecord] = {}
    for rec in newest.values():
        unique[(rec.check, rec.run_id, rec.at)] = rec
    return sorted(unique.values(), key=lambda r: (r.check, r.at))
