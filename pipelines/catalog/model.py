"""The catalog as this project holds it: documents, the rows resolved from them, and problems.

The catalog is the single source of every SLO, contract and exclusion the pipeline uses. It
reaches dbt as Parquet tables (never as SQL text written by users: filters are compiled by
`filters.py`). Loading never stops at the first problem: every problem is collected with its
file, document, kind, name and field path, so `slm validate` can report them all at once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.hashing import canonical_json, sha256_bytes
from .yaml_loader import position

OPENSLO = "openslo/v1"
SLM = "slm/v1"
KNOWN_KINDS = {
    OPENSLO: {"Service", "SLI", "SLO", "AlertPolicy", "AlertCondition", "AlertNotificationTarget", "DataSource"},
    SLM: {"Contract", "Exclusion", "Dependency", "AlertCondition"},  # an slm/v1 AlertCondition may be `exhaustion`
}
# Why an exclusion window was approved; a contract lists the kinds it honours. The one list: dbt
# reads it as the catalog table `exclusion_kinds`.
EXCLUSION_KINDS = ("maintenance", "third_party", "ddos", "security_patch", "other")
# A calendar window is N of a unit counted from its calendar's startTime (issue 17): the unit by
# shorthand, and the longest it can be in days (for how far back a period's lineage reaches).
CALENDAR_UNITS = {"d": "day", "w": "week", "M": "month", "Q": "quarter", "Y": "year"}
CALENDAR_UNIT_DAYS = {"day": 1, "week": 7, "month": 31, "quarter": 92, "year": 366}
# A rolling window has one fixed length, so that each day's budget spans the same time: a rolling
# month is 30 days, a quarter 90 and a year 365 (the lengths sloth, pyrra and the SRE workbook's
# "30-day window" use). Without a timeWindow an SLO is computed over 28 rolling days (four whole
# weeks: every weekday counted alike), with a note.
ROLLING_UNIT_DAYS = {"M": 30, "Q": 90, "Y": 365}
# Minutes in a duration shorthand's fixed-length units (alert windows, rolling windows).
UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440, "w": 10_080}
DEFAULT_ROLLING_DAYS = 28
BUDGETING_METHODS = ("Occurrences", "Timeslices", "RatioTimeslices")
THRESHOLD_OPS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
VALID_FROM_ANNOTATION = "slm/valid-from"
# How often an SLO is reviewed (`slm review`): an iCalendar RRULE counted from 2000-01-01, from the
# SLO's annotation, else the catalog's default: every quarter (1 January, April, July, October).
REVIEW_CADENCE_ANNOTATION = "slm/review-cadence"
DEFAULT_REVIEW_CADENCE = "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1"
REVIEW_CADENCE_START = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
# A Service's status page components (`;`-separated), by which landed incidents name it (issue 19)
# An SLO grouped by an event field (issue 20) is computed per value of it: up to `groupLimit`
# values (the first seen) have a group each, the rest share one, and a customer a contract is
# scoped to always has its own.
GROUP_BY_FIELDS = ("customer",)
DEFAULT_GROUP_LIMIT = 20
GROUP_LIMIT_RANGE = (1, 1000)
COMPONENTS_ANNOTATION = "slm/components"
# Bounds that keep what validates computable (issue 16): amounts fit the marts' money type with room
# for pro-rating (decimal(18, 2), fee x 100 x 2 x days in an integer); a window is at least a day
# and at most ten years of history.
MAX_AMOUNT = 10**12
ROLLING_DAYS = (1, 3660)
# OpenSLO names are RFC 1123 labels; names also reach SQL as literals, so nothing else is allowed.
NAME_RE = re.compile(r"[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?")


@dataclass(frozen=True)
class Problem:
    file: str
    doc: int
    kind: str
    name: str
    path: str
    message: str
    line: int = 0    # where in the file (from 1), when known
    column: int = 0

    def __str__(self) -> str:
        where = (f"{self.file}:{self.line}:{self.column}" if self.line else self.file) + f" doc {self.doc}"
        what = " ".join(x for x in (self.kind, self.name) if x)
        return f"{where}{' ' + what if what else ''}: {self.path + ': ' if self.path else ''}{self.message}"


@dataclass
class Document:
    file: str
    index: int
    body: dict
    node: Any = field(default=None, repr=False, compare=False)  # its YAML node: where each value was written
    malformed: bool = False  # not of its kind's shape (`shapes`): reported, named by others, not resolved
    reported: set = field(default_factory=set, repr=False, compare=False)  # field paths with a problem already

    def already_reported(self, path: str) -> bool:
        """A problem at `path`, or inside a field already reported below `spec`, says nothing new."""
        return any(path == p or (p.count(".") + p.count("[") >= 1 and path.startswith((p + ".", p + "[")))
                   for p in self.reported)

    def problem(self, path: str, message: str) -> "Problem":
        """A problem of this document at `path`, with the line and column it was written at."""
        return Problem(self.file, self.index, self.kind, self.name, path, message, *position(self.node, path))

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", ""))

    @property
    def name(self) -> str:
        meta = self.body.get("metadata")
        return str(meta.get("name", "")) if isinstance(meta, dict) else ""

    @property
    def well_named(self) -> bool:
        """An RFC 1123 name: others may refer to it, and it may reach SQL as a literal."""
        return bool(NAME_RE.fullmatch(self.name))

    @property
    def spec(self) -> dict:
        spec = self.body.get("spec")
        return spec if isinstance(spec, dict) else {}


@dataclass
class Catalog:
    root: Path
    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    services: list[dict] = field(default_factory=list)
    slos: list[dict] = field(default_factory=list)
    contracts: list[dict] = field(default_factory=list)
    credit_tiers: list[dict] = field(default_factory=list)
    exclusions: list[dict] = field(default_factory=list)  # one-off windows, one per service
    recurring_exclusions: list[dict] = field(default_factory=list)  # rules, expanded on export (versioned)
    dependencies: list[dict] = field(default_factory=list)
    review_cadences: list[dict] = field(default_factory=list)  # (slo_name, cadence): expanded on export
    alert_conditions: list[dict] = field(default_factory=list)
    composite_members: list[dict] = field(default_factory=list)
    contract_exclusion_kinds: list[dict] = field(default_factory=list)  # (contract, kind honoured)
    exclusion_kinds: list[dict] = field(default_factory=list)  # EXCLUSION_KINDS, as a table for dbt
    service_components: list[dict] = field(default_factory=list)  # status page component -> service
    notes: list[Problem] = field(default_factory=list)  # valid, but not computed here

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def content_hash(self) -> str:
        """Hash of every document's canonical JSON, independent of file layout and order."""
        canon = sorted(canonical_json(d.body) for d in self.documents)
        return sha256_bytes("\n".join(canon).encode())


class CatalogError(Exception):
    """The catalog has problems; `problems` lists all of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the catalog; first: {problems[0]}")

