"""A generator of hostile catalogs (issue 16): a small catalog that uses every kind the warehouse
computes, and every variant of it with one value replaced by something hostile or one key removed.

`slm validate` must report each variant or accept it, never raise; what it accepts must compute.
The variants that touch a document's own fields (not its name) can be merged into one catalog,
each document renamed, so one pipeline run computes all of them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
import os
from typing import Any, Iterator

import yaml

SERVICES = ("web", "api")  # the services the base refers to, defined by whoever runs it

BASE = """
apiVersion: openslo/v1
kind: SLI
metadata: {name: h-ok}
spec:
  ratioMetric:
    counter: true
    good: {metricSource: {type: warehouse, spec: {filter: "status_code < 500 and not is_probe"}}}
    total: {metricSource: {type: warehouse, spec: {filter: "not is_probe"}}}
---
apiVersion: openslo/v1
kind: AlertCondition
metadata: {name: h-fast}
spec:
  severity: page
  condition: {kind: burnrate, op: gte, threshold: 14.4, lookbackWindow: 1h, alertAfter: 5m}
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: h-paging}
spec:
  alertWhenBreaching: true
  alertWhenResolved: false
  alertWhenNoData: false
  conditions: [{conditionRef: h-fast}]
  notificationTargets: [{kind: AlertNotificationTarget, metadata: {name: h-mail}, spec: {target: email}}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: h-avail, displayName: Web availability, annotations: {slm/valid-from: "2026-01-01"}}
spec:
  service: web
  alertPolicies: [h-paging]
  indicatorRef: h-ok
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{displayName: two nines, target: 0.99}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: h-fast-pages}
spec:
  service: api
  indicator:
    metadata: {name: h-latency}
    spec:
      thresholdMetric:
        metricSource: {type: warehouse, spec: {field: latency_ms, filter: "not is_probe"}}
  timeWindow: [{duration: 1M, isRolling: false, calendar: {startTime: "2026-01-01 00:00:00", timeZone: Europe/Berlin}}]
  budgetingMethod: Timeslices
  objectives: [{op: lte, value: 300, target: 0.95, timeSliceTarget: 0.9, timeSliceWindow: 5m}]
---
apiVersion: slm/v1
kind: Contract
metadata: {name: h-acme}
spec:
  customer: ACME
  slo: h-avail
  period: month
  start: 2026-01-01
  end: 2027-01-01
  fee: {amount: 1000.50, currency: USD}
  creditTiers: [{below: 99.9, creditPercent: 10}, {below: 99, creditPercent: 25}]
  creditCapPercent: 50
  minimumCredit: 5
  exclusionKinds: [maintenance]
  missingData: excluded
---
apiVersion: slm/v1
kind: Exclusion
metadata: {name: h-maint}
spec:
  services: [web]
  kind: maintenance
  start: "2026-10-01T02:00:00Z"
  end: "2026-10-01T03:00:00Z"
  reason: Database upgrade
  approvedBy: change-board
  ticket: CHG-1
"""

# What a careless or hostile author writes where a value belongs.
VALUES: tuple[Any, ...] = (
    None, "", " ", "x" * 5000, -1, 0, 0.5, 1, 100, 10**30, -(10**30), float("inf"), float("nan"), 1e-300, True,
    [], {}, [[[]]], {"a": {"b": None}}, "\x00", "'; drop table marts.x; --", "<script>alert(1)</script>",
    "2026-13-45", "0001-01-01", "9999-12-31", "0d", "99999999d", "1e999", "status_code <", "((((", "héllo ☃",
)


@dataclass(frozen=True)
class Variant:
    doc: int          # which document of the base (0-based)
    path: tuple       # keys and indexes to the value replaced (or removed)
    value: Any        # the value put there; REMOVED for a key taken out
    text: str         # the whole catalog as YAML

    @property
    def label(self) -> str:
        shown = "removed" if self.value is REMOVED else repr(self.value)[:20]
        return f"doc {self.doc + 1} {'.'.join(map(str, self.path))} = {shown}"


REMOVED = object()


def base_documents() -> list[dict]:
    return list(yaml.safe_load_all(BASE))


def services_yaml() -> str:
    return "".join(f"---\napiVersion: openslo/v1\nkind: Service\nmetadata: {{name: {s}}}\nspec: {{}}\n"
                   for s in SERVICES)


def _paths(node: Any, path: tuple = ()) -> Iterator[tuple]:
    """Every key and index below `node`, outermost first."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield path + (key,)
        yield from _paths(child, path + (key,))


def _set(doc: dict, path: tuple, value: Any) -> None:
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if value is REMOVED:
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(value)


def _dump(docs: list[dict]) -> str:
    return services_yaml() + "".join("---\n" + yaml.safe_dump(d, sort_keys=False, allow_unicode=True) for d in docs)


def variants(per_path: int | None = None) -> Iterator[Variant]:
    """Every document's every key removed, and its value replaced by each of VALUES; with
    `per_path`, by that many of them only, taken in turn so that each value serves many paths
    (all of them when `SLM_HOSTILE_ALL` is set: about 4,000 catalogs, a minute)."""
    if os.environ.get("SLM_HOSTILE_ALL"):
        per_path = None
    base = base_documents()
    n = 0
    for i, doc in enumerate(base):
        for path in _paths(doc):
            chosen = VALUES if per_path is None else [VALUES[(n + k) % len(VALUES)] for k in range(per_path)]
            n += per_path or 0
            for value in (REMOVED, *chosen):
                docs = copy.deepcopy(base)
                _set(docs[i], path, value)
                yield Variant(i, path, value, _dump(docs))


def base_catalog() -> str:
    return _dump(base_documents())


def mergeable(variant: Variant) -> bool:
    """Whether the variant's changed document can join a merged catalog under a new name: its
    name, kind and version are untouched, and nothing else refers to it by name."""
    return variant.path[0] not in ("apiVersion", "kind") and variant.path[:2] != ("metadata", "name") \
        and base_documents()[variant.doc]["kind"] in ("SLO", "Contract", "Exclusion")


def merged(accepted: list[Variant]) -> str:
    """The base's documents (without services) and each accepted variant's changed document,
    renamed `<name>-v<n>`: one catalog that computes all of them."""
    docs = base_documents()
    for n, variant in enumerate(accepted):
        doc = list(yaml.safe_load_all(variant.text))[len(SERVICES) + variant.doc]
        doc["metadata"]["name"] = f"{doc['metadata']['name']}-v{n}"
        docs.append(doc)
    return "".join("---\n" + yaml.safe_dump(d, sort_keys=False, allow_unicode=True) for d in docs)


def merged_names(accepted: list[Variant]) -> dict[str, set[str]]:
    """The names `merged` gives the accepted variants' documents, by kind."""
    base, out = base_documents(), {}
    for n, variant in enumerate(accepted):
        doc = base[variant.doc]
        out.setdefault(doc["kind"], set()).add(f"{doc['metadata']['name']}-v{n}")
    return out
