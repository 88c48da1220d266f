"""The catalog: SLOs as code (OpenSLO v1 plus our slm/v1 kinds), loaded, checked, exported.

The catalog is the single source of every SLO, contract and exclusion the pipeline uses. It
reaches dbt as Parquet tables (never as SQL text written by users: filters are compiled by
`filters.py`). Loading never stops at the first problem: every problem is collected with its
file, document, kind, name and field path, so `slm validate` can report them all at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .filters import FilterError, compile_filter

OPENSLO = "openslo/v1"
SLM = "slm/v1"
KNOWN_KINDS = {
    OPENSLO: {"Service", "SLI", "SLO", "AlertPolicy", "AlertCondition", "AlertNotificationTarget", "DataSource"},
    SLM: {"Contract", "Exclusion", "Dependency"},
}
EXCLUSION_KINDS = {"maintenance", "third_party", "ddos", "security_patch", "other"}
CALENDAR_UNITS = {"w": "week", "M": "month", "Q": "quarter"}
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

    def __str__(self) -> str:
        where = f"{self.file} doc {self.doc}"
        what = " ".join(x for x in (self.kind, self.name) if x)
        return f"{where}{' ' + what if what else ''}: {self.path + ': ' if self.path else ''}{self.message}"


@dataclass
class Document:
    file: str
    index: int
    body: dict

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", ""))

    @property
    def name(self) -> str:
        meta = self.body.get("metadata")
        return str(meta.get("name", "")) if isinstance(meta, dict) else ""

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
    exclusions: list[dict] = field(default_factory=list)
    dependencies: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def content_hash(self) -> str:
        """Hash of every document's canonical JSON, independent of file layout and order."""
        canon = sorted(_canonical(d.body) for d in self.documents)
        return hashlib.sha256("\n".join(canon).encode()).hexdigest()


def _canonical(body: Any) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)


def _hash(body: Any) -> str:
    return hashlib.sha256(_canonical(body).encode()).hexdigest()


class CatalogError(Exception):
    """The catalog has problems; `problems` lists all of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the catalog; first: {problems[0]}")


def load_catalog(root: str | Path) -> Catalog:
    """Read every *.yaml / *.yml below `root` (recursively) and resolve it into tables."""
    root = Path(root)
    cat = Catalog(root=root)
    if not root.exists():
        cat.problems.append(Problem(str(root), 0, "", "", "", "catalog folder does not exist"))
        return cat
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml"))
    if not files:
        cat.problems.append(Problem(str(root), 0, "", "", "", "no .yaml or .yml files found"))
    for path in files:
        rel = str(path.relative_to(root)) if root.is_dir() else path.name
        try:
            bodies = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" (line {mark.line + 1})" if mark is not None else ""
            cat.problems.append(Problem(rel, 0, "", "", "", f"not valid YAML{line}: {getattr(exc, 'problem', exc)}"))
            continue
        for i, body in enumerate(bodies, start=1):
            if body is None:
                continue
            if not isinstance(body, dict):
                cat.problems.append(Problem(rel, i, "", "", "", "a document must be a mapping"))
                continue
            doc = Document(rel, i, body)
            api, kind = body.get("apiVersion"), doc.kind
            if api not in KNOWN_KINDS:
                cat.problems.append(Problem(rel, i, kind, doc.name, "apiVersion", f"unknown apiVersion {api!r} (expected {OPENSLO} or {SLM})"))
                continue
            if kind not in KNOWN_KINDS[api]:
                cat.problems.append(Problem(rel, i, kind, doc.name, "kind", f"unknown kind {kind!r} for {api}"))
                continue
            if not doc.name:
                cat.problems.append(Problem(rel, i, kind, "", "metadata.name", "required"))
                continue
            if not NAME_RE.fullmatch(doc.name):
                cat.problems.append(Problem(rel, i, kind, doc.name, "metadata.name",
                                            "must be lowercase letters, digits, '-' or '.' (RFC 1123), at most 63 characters"))
                continue
            cat.documents.append(doc)
    _Resolver(cat).run()
    return cat


def require_catalog(root: str | Path) -> Catalog:
    cat = load_catalog(root)
    if not cat.ok:
        raise CatalogError(cat.problems)
    return cat


class _Resolver:
    """Turns documents into rows, recording a Problem for everything that does not fit."""

    def __init__(self, cat: Catalog):
        self.cat = cat
        self.by_kind: dict[str, dict[str, Document]] = {}

    def problem(self, doc: Document, path: str, message: str) -> None:
        self.cat.problems.append(Problem(doc.file, doc.index, doc.kind, doc.name, path, message))

    def run(self) -> None:
        for doc in self.cat.documents:
            seen = self.by_kind.setdefault(doc.kind, {})
            if doc.name in seen:
                first = seen[doc.name]
                self.problem(doc, "metadata.name", f"duplicate {doc.kind} name (first in {first.file} doc {first.index})")
                continue
            seen[doc.name] = doc
        for doc in self.by_kind.get("Service", {}).values():
            self.cat.services.append({
                "service_name": doc.name,
                "display_name": (doc.body.get("metadata") or {}).get("displayName") or doc.name,
                "description": doc.spec.get("description") or "",
                "definition_hash": _hash(doc.body),
            })
        for doc in self.by_kind.get("SLO", {}).values():
            self.slo(doc)
        for doc in self.by_kind.get("Contract", {}).values():
            self.contract(doc)
        for doc in self.by_kind.get("Exclusion", {}).values():
            self.exclusion(doc)
        for doc in self.by_kind.get("Dependency", {}).values():
            self.dependency(doc)

    # --- SLOs ---------------------------------------------------------------------------------
    def slo(self, doc: Document) -> None:
        spec = doc.spec
        service = spec.get("service")
        if not service:
            self.problem(doc, "spec.service", "required")
        elif service not in self.by_kind.get("Service", {}):
            self.problem(doc, "spec.service", f"no Service named {service!r} in the catalog")
        indicator, ind_path = self.indicator(doc)
        if indicator is None:
            return
        filters = self.ratio_filters(doc, indicator, ind_path)
        window = self.time_window(doc)
        method = spec.get("budgetingMethod", "Occurrences")
        if method not in ("Occurrences", "Timeslices", "RatioTimeslices"):
            self.problem(doc, "spec.budgetingMethod", f"must be Occurrences, Timeslices or RatioTimeslices, got {method!r}")
        elif method != "Occurrences":
            # Parsed and validated now; computed by the SLO-mathematics models (issue 4).
            self.problem(doc, "spec.budgetingMethod", f"{method} is not computed yet; use Occurrences")
        objectives = spec.get("objectives")
        if not isinstance(objectives, list) or not objectives:
            self.problem(doc, "spec.objectives", "at least one objective is required")
            return
        if filters is None or window is None:
            return
        for i, obj in enumerate(objectives):
            path = f"spec.objectives[{i}]"
            if not isinstance(obj, dict):
                self.problem(doc, path, "must be a mapping")
                continue
            target = obj.get("target")
            if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0 < target < 1:
                self.problem(doc, f"{path}.target", f"must be a number strictly between 0 and 1, got {target!r}")
                continue
            label = obj.get("name") or obj.get("displayName") or str(i)
            key = doc.name if len(objectives) == 1 else f"{doc.name}.{label}"
            self.cat.slos.append({
                "slo_name": key,
                "slo_document": doc.name,
                "objective": str(label),
                "service": service,
                "display_name": (doc.body.get("metadata") or {}).get("displayName") or doc.name,
                "indicator_name": indicator.get("metadata", {}).get("name") or "",
                "good_filter_sql": filters["good"],
                "total_filter_sql": filters["total"],
                "target": float(target),
                "budgeting_method": method,
                "window_kind": window["kind"],
                "window_days": window.get("days"),
                "calendar_unit": window.get("unit"),
                "time_zone": window.get("tz", "UTC"),
                "definition_hash": _hash(doc.body),
            })

    def indicator(self, doc: Document) -> tuple[dict | None, str]:
        spec = doc.spec
        if "indicator" in spec:
            ind = spec["indicator"]
            if not isinstance(ind, dict) or not isinstance(ind.get("spec"), dict):
                self.problem(doc, "spec.indicator", "must be an SLI with metadata and spec")
                return None, ""
            return ind, "spec.indicator.spec"
        ref = spec.get("indicatorRef")
        if not ref:
            self.problem(doc, "spec.indicator", "an inline indicator or an indicatorRef is required")
            return None, ""
        sli = self.by_kind.get("SLI", {}).get(ref)
        if sli is None:
            self.problem(doc, "spec.indicatorRef", f"no SLI named {ref!r} in the catalog")
            return None, ""
        return sli.body, "spec"

    def ratio_filters(self, doc: Document, indicator: dict, path: str) -> dict | None:
        ispec = indicator["spec"]
        ratio = ispec.get("ratioMetric")
        if not isinstance(ratio, dict):
            kind = "thresholdMetric" if "thresholdMetric" in ispec else "an indicator"
            self.problem(doc, path, f"{kind} without ratioMetric is not computed yet; use ratioMetric")
            return None
        out, ok = {}, True
        for part in ("good", "bad", "total"):
            if part not in ratio:
                continue
            src = (ratio[part] or {}).get("metricSource") if isinstance(ratio[part], dict) else None
            ppath = f"{path}.ratioMetric.{part}.metricSource"
            if not isinstance(src, dict):
                self.problem(doc, ppath, "required")
                ok = False
                continue
            if src.get("type") != "warehouse":
                self.problem(doc, f"{ppath}.type", f"metric source type {src.get('type')!r} is external, not computed here")
                ok = False
                continue
            text = (src.get("spec") or {}).get("filter")
            try:
                out[part] = compile_filter(text)
            except FilterError as exc:
                self.problem(doc, f"{ppath}.spec.filter", f"{exc}")
                ok = False
        if not ok:
            return None
        if "total" not in out or ("good" in out) == ("bad" in out):
            self.problem(doc, f"{path}.ratioMetric", "needs total and exactly one of good or bad")
            return None
        good = out["good"] if "good" in out else f"not coalesce(({out['bad']}), false)"
        # Good events are counted among total events only.
        return {"good": f"({out['total']}) and ({good})", "total": out["total"]}

    def time_window(self, doc: Document) -> dict | None:
        windows = doc.spec.get("timeWindow")
        if not isinstance(windows, list) or len(windows) != 1 or not isinstance(windows[0], dict):
            self.problem(doc, "spec.timeWindow", "exactly one time window is required")
            return None
        w = windows[0]
        m = re.fullmatch(r"(\d+)([mhdwMQY])", str(w.get("duration", "")))
        if not m:
            self.problem(doc, "spec.timeWindow[0].duration", f"not a duration like 28d or 1M: {w.get('duration')!r}")
            return None
        n, unit = int(m.group(1)), m.group(2)
        if w.get("isRolling", False):
            if unit not in ("d", "w"):
                self.problem(doc, "spec.timeWindow[0].duration", "a rolling window is counted in days: use Nd or Nw")
                return None
            return {"kind": "rolling", "days": n * (7 if unit == "w" else 1)}
        cal = w.get("calendar") or {}
        tz = cal.get("timeZone", "UTC")
        try:
            ZoneInfo(str(tz))
        except (ZoneInfoNotFoundError, ValueError):
            self.problem(doc, "spec.timeWindow[0].calendar.timeZone", f"unknown time zone {tz!r}")
            return None
        if tz != "UTC":
            self.problem(doc, "spec.timeWindow[0].calendar.timeZone", f"calendar windows in {tz} are not computed yet; use UTC")
            return None
        if unit not in CALENDAR_UNITS or n != 1:
            self.problem(doc, "spec.timeWindow[0].duration", "a calendar window is 1w, 1M or 1Q")
            return None
        return {"kind": "calendar", "unit": CALENDAR_UNITS[unit], "tz": tz}

    # --- slm/v1 -------------------------------------------------------------------------------
    def contract(self, doc: Document) -> None:
        s = doc.spec
        slo = s.get("slo")
        if slo not in self.by_kind.get("SLO", {}):
            self.problem(doc, "spec.slo", f"no SLO named {slo!r} in the catalog")
        period = s.get("period", "month")
        if period not in ("month", "quarter"):
            self.problem(doc, "spec.period", f"must be month or quarter, got {period!r}")
        tz = s.get("timeZone", "UTC")
        try:
            ZoneInfo(str(tz))
            if tz != "UTC":
                self.problem(doc, "spec.timeZone", f"periods in {tz} are not computed yet; use UTC")
        except (ZoneInfoNotFoundError, ValueError):
            self.problem(doc, "spec.timeZone", f"unknown time zone {tz!r}")
        fee = s.get("fee") or {}
        amount = _decimal(fee.get("amount"))
        if amount is None or amount < 0:
            self.problem(doc, "spec.fee.amount", f"must be a number >= 0, got {fee.get('amount')!r}")
        currency = fee.get("currency")
        if not (isinstance(currency, str) and re.fullmatch(r"[A-Z]{3}", currency)):
            self.problem(doc, "spec.fee.currency", f"must be an ISO 4217 code like USD, got {currency!r}")
        tiers = s.get("creditTiers")
        rows = []
        if not isinstance(tiers, list) or not tiers:
            self.problem(doc, "spec.creditTiers", "at least one tier is required")
        else:
            for i, t in enumerate(tiers):
                below, pct = _decimal((t or {}).get("below")), _decimal((t or {}).get("creditPercent"))
                if below is None or not 0 < below <= 100:
                    self.problem(doc, f"spec.creditTiers[{i}].below", f"must be a percentage in (0, 100], got {(t or {}).get('below')!r}")
                    continue
                if pct is None or not 0 <= pct <= 100:
                    self.problem(doc, f"spec.creditTiers[{i}].creditPercent", "must be a percentage in [0, 100]")
                    continue
                rows.append({"contract_name": doc.name, "below_pct": float(below), "credit_pct": float(pct)})
            belows = [r["below_pct"] for r in rows]
            if len(set(belows)) != len(belows):
                self.problem(doc, "spec.creditTiers", "two tiers share the same `below` threshold")
            ordered = sorted(rows, key=lambda r: -r["below_pct"])
            if any(b["credit_pct"] < a["credit_pct"] for a, b in zip(ordered, ordered[1:])):
                self.problem(doc, "spec.creditTiers", "a lower attainment must not earn a smaller credit")
        cap = _decimal(s.get("creditCapPercent", 100))
        if cap is None or not 0 <= cap <= 100:
            self.problem(doc, "spec.creditCapPercent", "must be a percentage in [0, 100]")
        minimum = _decimal(s.get("minimumCredit", 0))
        if minimum is None or minimum < 0:
            self.problem(doc, "spec.minimumCredit", "must be a number >= 0")
        kinds = s.get("exclusionKinds", [])
        if not isinstance(kinds, list) or any(k not in EXCLUSION_KINDS for k in kinds):
            self.problem(doc, "spec.exclusionKinds", f"must be a list of {sorted(EXCLUSION_KINDS)}")
            kinds = []
        missing = s.get("missingData", "excluded")
        if missing not in ("good", "bad", "excluded"):
            self.problem(doc, "spec.missingData", f"must be good, bad or excluded, got {missing!r}")
        start, end = _date(s.get("start")), _date(s.get("end"))
        if s.get("start") is not None and start is None:
            self.problem(doc, "spec.start", "must be a date YYYY-MM-DD")
        if s.get("end") is not None and end is None:
            self.problem(doc, "spec.end", "must be a date YYYY-MM-DD")
        if start and end and end <= start:
            self.problem(doc, "spec.end", "must be after start")
        if amount is None or cap is None or minimum is None:
            return
        self.cat.contracts.append({
            "contract_name": doc.name,
            "customer": str(s.get("customer") or ""),
            "slo_name": slo,
            "period": period,
            "time_zone": tz,
            "start_date": start,
            "end_date": end,
            "fee_amount": str(amount),
            "currency": currency,
            "credit_cap_pct": float(cap),
            "minimum_credit": str(minimum),
            "exclusion_kinds": ",".join(kinds),
            "missing_data": missing,
            "definition_hash": _hash(doc.body),
        })
        self.cat.credit_tiers.extend(rows)

    def exclusion(self, doc: Document) -> None:
        s = doc.spec
        services = s.get("services")
        if not isinstance(services, list) or not services:
            self.problem(doc, "spec.services", "a list of at least one service is required")
            return
        for svc in services:
            if svc not in self.by_kind.get("Service", {}):
                self.problem(doc, "spec.services", f"no Service named {svc!r} in the catalog")
        kind = s.get("kind")
        if kind not in EXCLUSION_KINDS:
            self.problem(doc, "spec.kind", f"must be one of {sorted(EXCLUSION_KINDS)}, got {kind!r}")
        start, end = _timestamp(s.get("start")), _timestamp(s.get("end"))
        if start is None:
            self.problem(doc, "spec.start", f"must be an RFC 3339 time, got {s.get('start')!r}")
        if end is None:
            self.problem(doc, "spec.end", f"must be an RFC 3339 time, got {s.get('end')!r}")
        if start and end and end <= start:
            self.problem(doc, "spec.end", "must be after start")
            return
        if start is None or end is None or kind not in EXCLUSION_KINDS:
            return
        for svc in services:
            self.cat.exclusions.append({
                "exclusion_name": doc.name,
                "service": svc,
                "kind": kind,
                "start_ts": start,
                "end_ts": end,
                "reason": str(s.get("reason") or ""),
                "approved_by": str(s.get("approvedBy") or ""),
                "ticket": str(s.get("ticket") or ""),
                "definition_hash": _hash(doc.body),
            })

    def dependency(self, doc: Document) -> None:
        s = doc.spec
        services = self.by_kind.get("Service", {})
        for key in ("service", "dependsOn"):
            if s.get(key) not in services:
                self.problem(doc, f"spec.{key}", f"no Service named {s.get(key)!r} in the catalog")
        self.cat.dependencies.append({
            "dependency_name": doc.name,
            "service": str(s.get("service")),
            "depends_on": str(s.get("dependsOn")),
            "hard": bool(s.get("hard", True)),
        })


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _timestamp(value: Any) -> dt.datetime | None:
    """RFC 3339 -> naive UTC (the warehouse's one time convention)."""
    if isinstance(value, dt.datetime):
        ts = value
    else:
        try:
            ts = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    if ts.tzinfo is None:
        return ts
    return ts.astimezone(dt.timezone.utc).replace(tzinfo=None)
