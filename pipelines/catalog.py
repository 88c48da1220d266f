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

from .filters import FIELDS, FilterError, compile_filter

OPENSLO = "openslo/v1"
SLM = "slm/v1"
KNOWN_KINDS = {
    OPENSLO: {"Service", "SLI", "SLO", "AlertPolicy", "AlertCondition", "AlertNotificationTarget", "DataSource"},
    SLM: {"Contract", "Exclusion", "Dependency"},
}
EXCLUSION_KINDS = {"maintenance", "third_party", "ddos", "security_patch", "other"}
CALENDAR_UNITS = {"w": "week", "M": "month", "Q": "quarter"}
BUDGETING_METHODS = ("Occurrences", "Timeslices", "RatioTimeslices")
THRESHOLD_OPS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
VALID_FROM_ANNOTATION = "slm/valid-from"
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
    alert_conditions: list[dict] = field(default_factory=list)
    composite_members: list[dict] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # valid, but not computed here

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
        self.slo_alert_policies: list[tuple[str, str]] = []
        self.alert_rows: list[dict] = []

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
        for doc in self.by_kind.get("AlertPolicy", {}).values():
            self.alert_policy(doc)
        for doc in self.by_kind.get("SLO", {}).values():
            self.slo(doc)
        # Burn-rate conditions per SLO, for the alerting models (an AlertPolicy overrides defaults).
        for slo_doc, policy in self.slo_alert_policies:
            for row in self.alert_rows:
                if row["alert_policy"] == policy:
                    self.cat.alert_conditions.append({"slo_document": slo_doc, **row})
        for doc in self.by_kind.get("Contract", {}).values():
            self.contract(doc)
        for doc in self.by_kind.get("Exclusion", {}).values():
            self.exclusion(doc)
        for doc in self.by_kind.get("Dependency", {}).values():
            self.dependency(doc)
        self.composites()

    # --- SLOs ---------------------------------------------------------------------------------
    def note(self, doc: Document, path: str, message: str) -> None:
        self.cat.notes.append(Problem(doc.file, doc.index, doc.kind, doc.name, path, message))

    def slo(self, doc: Document) -> None:
        """One row per objective. A valid SLO we cannot compute yet is kept with a note, never dropped."""
        spec = doc.spec
        service = spec.get("service")
        if not service:
            self.problem(doc, "spec.service", "required")
        elif service not in self.by_kind.get("Service", {}):
            self.problem(doc, "spec.service", f"no Service named {service!r} in the catalog")
        for i, ref in enumerate(spec.get("alertPolicies") or []):
            name = ref if isinstance(ref, str) else (ref or {}).get("metadata", {}).get("name")
            if isinstance(ref, str) and ref not in self.by_kind.get("AlertPolicy", {}):
                self.problem(doc, f"spec.alertPolicies[{i}]", f"no AlertPolicy named {ref!r} in the catalog")
            elif name:
                self.slo_alert_policies.append((doc.name, name))
        indicator, ind_path = self.indicator(doc)
        window = self.time_window(doc)
        method = spec.get("budgetingMethod", "Occurrences")
        if method not in BUDGETING_METHODS:
            self.problem(doc, "spec.budgetingMethod", f"must be one of {', '.join(BUDGETING_METHODS)}, got {method!r}")
            return
        objectives = spec.get("objectives")
        if not isinstance(objectives, list) or not objectives:
            self.problem(doc, "spec.objectives", "at least one objective is required")
            return
        if indicator is None or window is None:
            return
        source = self.indicator_source(doc, indicator, ind_path)
        if source is None:
            return
        # An objective's key is its displayName as a slug ("99 % fast" -> "99-fast"), else its index.
        labels = [_slug(str(o.get("name") or o.get("displayName") or i)) if isinstance(o, dict) else str(i)
                  for i, o in enumerate(objectives)]
        if len(set(labels)) != len(labels):
            self.problem(doc, "spec.objectives", "objectives need distinct displayName values")
            return
        for i, obj in enumerate(objectives):
            path = f"spec.objectives[{i}]"
            if not isinstance(obj, dict):
                self.problem(doc, path, "must be a mapping")
                continue
            target = self.objective_target(doc, obj, path)
            slices = self.time_slices(doc, obj, path, method, source["kind"])
            good = self.objective_good_filter(doc, obj, path, source)
            if target is None or slices is None or good is False:
                continue
            reasons = [r for r in (source.get("not_computed"), window.get("not_computed")) if r]
            shift = _dst_shift_minutes(window.get("tz", "UTC"))
            if shift and slices.get("minutes") and shift % slices["minutes"]:
                reasons.append(f"time slices in {window['tz']} must divide its {shift}-minute daylight-saving shift")
            if reasons:
                self.note(doc, path, "listed, not computed here: " + "; ".join(reasons))
            key = doc.name if len(objectives) == 1 else f"{doc.name}.{labels[i]}"
            self.cat.slos.append({
                "slo_name": key,
                "slo_document": doc.name,
                "objective": labels[i],
                "service": service,
                "display_name": (doc.body.get("metadata") or {}).get("displayName") or doc.name,
                "indicator_name": (indicator.get("metadata") or {}).get("name") or "",
                "indicator_kind": source["kind"],
                "good_filter_sql": good,
                "total_filter_sql": source.get("total"),
                "target": target,
                "budgeting_method": method,
                "time_slice_target": slices.get("target"),
                "time_slice_minutes": slices.get("minutes"),
                "slice_count_op": THRESHOLD_OPS[obj["op"]] if source["kind"] == "throughput" else None,
                "slice_count_value": float(obj["value"]) if source["kind"] == "throughput" else None,
                "window_kind": window["kind"],
                "window_days": window.get("days"),
                "calendar_unit": window.get("unit"),
                "time_zone": window.get("tz", "UTC"),
                "computed": not reasons,
                "not_computed_reason": "; ".join(reasons) or None,
                "definition_hash": _hash({"slo": doc.body, "indicator": indicator, "objective": i}),
                "valid_from_annotation": self.valid_from(doc),
            })

    def valid_from(self, doc: Document) -> dt.date | None:
        """The day a changed definition takes effect (`metadata.annotations["slm/valid-from"]`)."""
        annotations = (doc.body.get("metadata") or {}).get("annotations") or {}
        value = annotations.get(VALID_FROM_ANNOTATION) if isinstance(annotations, dict) else None
        if value is None:
            return None
        day = _date(value)
        if day is None:
            self.problem(doc, f"metadata.annotations.{VALID_FROM_ANNOTATION}", f"must be a date YYYY-MM-DD, got {value!r}")
        return day

    def objective_target(self, doc: Document, obj: dict, path: str) -> float | None:
        if "target" in obj:
            target, field = obj["target"], "target"
        elif "targetPercent" in obj:
            raw = obj["targetPercent"]
            target, field = (raw / 100 if isinstance(raw, (int, float)) and not isinstance(raw, bool) else raw), "targetPercent"
        else:
            self.problem(doc, f"{path}.target", "required (or targetPercent)")
            return None
        if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0 < target < 1:
            shown = obj[field]
            bounds = "0 and 1" if field == "target" else "0 and 100"
            self.problem(doc, f"{path}.{field}", f"must be a number strictly between {bounds}, got {shown!r}")
            return None
        return float(target)

    def time_slices(self, doc: Document, obj: dict, path: str, method: str, kind: str) -> dict | None:
        if kind == "throughput" and method != "Timeslices":
            self.problem(doc, "spec.budgetingMethod", f"a throughput (count) indicator needs Timeslices, got {method!r}")
            return None
        if method == "Occurrences":
            return {}
        out: dict = {}
        window = obj.get("timeSliceWindow")
        m = re.fullmatch(r"(\d+)([smh])", str(window or ""))
        if not m:
            self.problem(doc, f"{path}.timeSliceWindow", f"{method} needs a slice length like 1m or 5m, got {window!r}")
            return None
        seconds = int(m.group(1)) * {"s": 1, "m": 60, "h": 3600}[m.group(2)]
        if seconds % 60 or not 60 <= seconds <= 86_400 or 86_400 % seconds:
            self.problem(doc, f"{path}.timeSliceWindow", "slices are whole minutes that divide a day (1m, 5m, 1h, ...)")
            return None
        out["minutes"] = seconds // 60
        if method == "Timeslices" and kind != "throughput":
            t = obj.get("timeSliceTarget")
            if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 < t <= 1:
                self.problem(doc, f"{path}.timeSliceTarget", f"Timeslices needs a slice target in (0, 1], got {t!r}")
                return None
            out["target"] = float(t)
        return out

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

    def metric_source(self, doc: Document, holder: Any, path: str) -> tuple[str | None, dict | None]:
        """('warehouse', spec) | ('external', None) | (None, None) after recording a problem."""
        src = holder.get("metricSource") if isinstance(holder, dict) else None
        if not isinstance(src, dict):
            self.problem(doc, f"{path}.metricSource", "required")
            return None, None
        ref = src.get("metricSourceRef")
        if ref is not None and ref not in self.by_kind.get("DataSource", {}):
            self.problem(doc, f"{path}.metricSource.metricSourceRef", f"no DataSource named {ref!r} in the catalog")
            return None, None
        kind = src.get("type") or (self.by_kind["DataSource"][ref].spec.get("type") if ref else None)
        if kind != "warehouse":
            return "external", None
        spec = src.get("spec")
        return "warehouse", spec if isinstance(spec, dict) else {}

    def compiled(self, doc: Document, text: Any, path: str) -> str | None:
        try:
            return compile_filter(text)
        except FilterError as exc:
            self.problem(doc, path, str(exc))
            return None

    def indicator_source(self, doc: Document, indicator: dict, path: str) -> dict | None:
        """What every objective of the SLO shares: kind, total filter, and good/bad filters of a ratio."""
        ispec = indicator["spec"]
        ratio, threshold = ispec.get("ratioMetric"), ispec.get("thresholdMetric")
        if isinstance(threshold, dict) and ratio is None:
            kind, spec = self.metric_source(doc, threshold, f"{path}.thresholdMetric")
            if kind is None:
                return None
            if kind == "external":
                return {"kind": "threshold", "not_computed": "the metric source is external"}
            if spec.get("measure", "value") not in ("value", "count"):
                self.problem(doc, f"{path}.thresholdMetric.metricSource.spec.measure",
                             f"must be value (compare each event's field) or count (events per slice), got {spec.get('measure')!r}")
                return None
            if spec.get("measure") == "count":  # throughput: weighted events per time slice
                total = self.compiled(doc, spec.get("filter", "true"), f"{path}.thresholdMetric.metricSource.spec.filter")
                return None if total is None else {"kind": "throughput", "total": total}
            field = spec.get("field", "latency_ms")
            if FIELDS.get(field, ("",))[0] != "number":
                numeric = ", ".join(f for f, (t, _) in FIELDS.items() if t == "number")
                self.problem(doc, f"{path}.thresholdMetric.metricSource.spec.field",
                             f"must be a numeric event field ({numeric}), got {field!r}")
                return None
            total = self.compiled(doc, spec.get("filter", "true"), f"{path}.thresholdMetric.metricSource.spec.filter")
            return None if total is None else {"kind": "threshold", "total": total, "field": field}
        if not isinstance(ratio, dict):
            self.problem(doc, path, "needs a ratioMetric or a thresholdMetric")
            return None
        if "raw" in ratio:
            return {"kind": "ratio", "not_computed": "a raw (pre-computed) ratio comes from an external source"}
        parts, external = {}, False
        for part in ("good", "bad", "total"):
            if part not in ratio:
                continue
            ppath = f"{path}.ratioMetric.{part}"
            kind, spec = self.metric_source(doc, ratio[part], ppath)
            if kind is None:
                return None
            if kind == "external":
                external = True
                continue
            sql = self.compiled(doc, spec.get("filter"), f"{ppath}.metricSource.spec.filter")
            if sql is None:
                return None
            parts[part] = sql
        if ("good" in ratio) == ("bad" in ratio) or "total" not in ratio:
            self.problem(doc, f"{path}.ratioMetric", "needs total and exactly one of good or bad")
            return None
        if external:
            return {"kind": "ratio", "not_computed": "a metric source is external"}
        good = parts["good"] if "good" in parts else f"not coalesce(({parts['bad']}), false)"
        # Good events are counted among total events only.
        return {"kind": "ratio", "total": parts["total"], "good": f"({parts['total']}) and ({good})"}

    def objective_good_filter(self, doc: Document, obj: dict, path: str, source: dict) -> str | None | bool:
        """The good filter for one objective (None when not computed, False after a problem)."""
        if source["kind"] == "ratio":
            return source.get("good")
        op, value = obj.get("op"), obj.get("value")
        if source["kind"] == "throughput":
            # Every counted event is "good"; the slice's count is compared with op/value later.
            return self.slice_count_threshold(doc, obj, path) and source["total"]
        if op not in THRESHOLD_OPS:
            self.problem(doc, f"{path}.op", f"a thresholdMetric objective needs op {sorted(THRESHOLD_OPS)}, got {op!r}")
            return False
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(doc, f"{path}.value", f"a thresholdMetric objective needs a numeric value, got {value!r}")
            return False
        if "total" not in source:
            return None
        # The threshold text is built from checked parts and compiled like any filter.
        condition = compile_filter(f"{source['field']} {THRESHOLD_OPS[op]} {value!r}")
        return f"({source['total']}) and ({condition})"

    def slice_count_threshold(self, doc: Document, obj: dict, path: str) -> bool:
        """A throughput objective compares each slice's event count with a non-negative value."""
        op, value = obj.get("op"), obj.get("value")
        if op not in THRESHOLD_OPS:
            self.problem(doc, f"{path}.op", f"a throughput objective needs op {sorted(THRESHOLD_OPS)}, got {op!r}")
            return False
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            self.problem(doc, f"{path}.value", f"a throughput objective needs a count >= 0 per slice, got {value!r}")
            return False
        return True

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
        if cal.get("startTime") is not None and _timestamp(str(cal["startTime"]).replace(" ", "T")) is None:
            self.problem(doc, "spec.timeWindow[0].calendar.startTime", f"not a time: {cal['startTime']!r}")
            return None
        if unit not in CALENDAR_UNITS or n != 1:
            self.problem(doc, "spec.timeWindow[0].duration", "a calendar window is 1w, 1M or 1Q")
            return None
        return {"kind": "calendar", "unit": CALENDAR_UNITS[unit], "tz": tz}

    # --- alerting -----------------------------------------------------------------------------
    def alert_condition(self, body: dict, path: str, owner: Document) -> dict | None:
        spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
        cond = spec.get("condition")
        if not isinstance(cond, dict):
            self.problem(owner, f"{path}.spec.condition", "required")
            return None
        ok = True
        if cond.get("kind", "burnrate") != "burnrate":
            self.problem(owner, f"{path}.spec.condition.kind", f"only burnrate is supported, got {cond.get('kind')!r}")
            ok = False
        if cond.get("op") not in THRESHOLD_OPS:
            self.problem(owner, f"{path}.spec.condition.op", f"must be one of {sorted(THRESHOLD_OPS)}")
            ok = False
        threshold = cond.get("threshold")
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or threshold <= 0:
            self.problem(owner, f"{path}.spec.condition.threshold", f"must be a number > 0, got {threshold!r}")
            ok = False
        minutes = {}
        for field in ("lookbackWindow", "alertAfter"):
            m = re.fullmatch(r"(\d+)([mhd])", str(cond.get(field, "")))
            if not m and not (field == "alertAfter" and field not in cond):
                self.problem(owner, f"{path}.spec.condition.{field}", f"a duration like 5m, 1h or 1d, got {cond.get(field)!r}")
                ok = False
            elif m:
                minutes[field] = int(m.group(1)) * {"m": 1, "h": 60, "d": 1440}[m.group(2)]
        if not ok:
            return None
        return {
            "condition_name": (body.get("metadata") or {}).get("name") or "",
            "severity": str(spec.get("severity") or ""),
            "op": cond["op"],
            "threshold": float(threshold),
            "lookback_minutes": minutes["lookbackWindow"],
            "alert_after_minutes": minutes.get("alertAfter", 0),
        }

    def alert_policy(self, doc: Document) -> None:
        conditions = doc.spec.get("conditions")
        if not isinstance(conditions, list) or not conditions:
            self.problem(doc, "spec.conditions", "at least one condition is required")
            return
        for i, c in enumerate(conditions):
            path = f"spec.conditions[{i}]"
            if isinstance(c, dict) and "conditionRef" in c:
                ref = self.by_kind.get("AlertCondition", {}).get(c["conditionRef"])
                if ref is None:
                    self.problem(doc, f"{path}.conditionRef", f"no AlertCondition named {c['conditionRef']!r} in the catalog")
                    continue
                row = self.alert_condition(ref.body, path, doc)
            elif isinstance(c, dict):
                row = self.alert_condition(c, path, doc)
            else:
                self.problem(doc, path, "must be a conditionRef or an inline AlertCondition")
                continue
            if row:
                self.alert_rows.append({"alert_policy": doc.name, **row})

    # --- slm/v1 -------------------------------------------------------------------------------
    def contract(self, doc: Document) -> None:
        s = doc.spec
        slo = s.get("slo")
        if slo not in self.by_kind.get("SLO", {}):
            self.problem(doc, "spec.slo", f"no SLO named {slo!r} in the catalog")
        elif self.by_kind["SLO"][slo].spec.get("budgetingMethod", "Occurrences") == "Timeslices":
            self.note(doc, "spec.slo", "listed, not computed here: contracts on Timeslices SLOs are not computed "
                                       "(use Occurrences, or RatioTimeslices for uptime)")
        period = s.get("period", "month")
        if period not in ("month", "quarter"):
            self.problem(doc, "spec.period", f"must be month or quarter, got {period!r}")
        tz = s.get("timeZone", "UTC")
        not_computed = None
        if slo in self.by_kind.get("SLO", {}) and self.by_kind["SLO"][slo].spec.get("budgetingMethod", "Occurrences") == "Timeslices":
            not_computed = "contracts on Timeslices SLOs are not computed (use Occurrences, or RatioTimeslices for uptime)"
        try:
            ZoneInfo(str(tz))
            if tz != "UTC":
                reason = f"periods in {tz} are not computed yet (UTC only)"
                not_computed = "; ".join(r for r in (not_computed, reason) if r)
                self.note(doc, "spec.timeZone", f"listed, not computed here: {reason}")
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
            "computed": not_computed is None,
            "not_computed_reason": not_computed,
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
        slo = s.get("slo")
        if slo is not None:
            owner = {r["slo_name"]: r["service"] for r in self.cat.slos}.get(slo)
            if owner != s.get("dependsOn"):
                self.problem(doc, "spec.slo", f"no SLO named {slo!r} of service {s.get('dependsOn')!r}")
        if s.get("service") == s.get("dependsOn"):
            self.problem(doc, "spec.dependsOn", "a service cannot depend on itself")
        self.cat.dependencies.append({
            "dependency_name": doc.name,
            "service": str(s.get("service")),
            "depends_on": str(s.get("dependsOn")),
            "hard": bool(s.get("hard", True)),
            "slo_name": None if slo is None else str(slo),
            "definition_hash": _hash(doc.body),
        })

    def composites(self) -> None:
        """Every service with hard dependencies is a user journey: its members are itself and every
        service reachable through hard dependencies (transitively), each listed once at its
        shortest depth. A cycle of hard dependencies has no composite and is a problem."""
        hard: dict[str, list[dict]] = {}
        for d in self.cat.dependencies:
            if d["hard"]:
                hard.setdefault(d["service"], []).append(d)
        docs = self.by_kind.get("Dependency", {})
        for journey in sorted(hard):
            members = {journey: (0, None)}
            frontier, depth = [journey], 0
            while frontier:
                depth += 1
                nxt = []
                for svc in frontier:
                    for d in hard.get(svc, []):
                        if d["depends_on"] == journey:
                            self.problem(docs[d["dependency_name"]], "spec.dependsOn",
                                         f"hard dependencies form a cycle through {journey!r}")
                            return
                        if d["depends_on"] not in members:
                            members[d["depends_on"]] = (depth, d["slo_name"])
                            nxt.append(d["depends_on"])
                frontier = nxt
            for member, (level, slo) in sorted(members.items(), key=lambda m: (m[1][0], m[0])):
                self.cat.composite_members.append({
                    "journey_service": journey, "member_service": member, "depth": level, "slo_name": slo})


def _dst_shift_minutes(tz: str) -> int:
    """How much a local day grows or shrinks on a daylight-saving change (0 without DST): time
    slices must divide it so that a 23- or 25-hour day holds whole slices."""
    zone = ZoneInfo(tz)
    year = dt.date.today().year
    offsets = {dt.datetime(year, month, 1, tzinfo=zone).utcoffset() for month in (1, 7)}
    return int(abs(max(offsets) - min(offsets)).total_seconds() // 60)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-") or "objective"


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
