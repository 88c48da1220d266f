"""The shape of each kind of catalog document: which fields are mappings, lists, text or numbers,
checked by `jsonschema` before anything reads them (issue 16: a list where a name belongs, a string
where a mapping belongs, made `slm validate` raise instead of report).

These schemas say which fields each object has and of what type; what a value must be (a known
service, a percentage, a duration) is the resolvers' to say, with their own messages. An unknown
field is a problem, with the known field it is closest to (`creditCapPercnt`: did you mean
creditCapPercent?): a misspelt optional field would otherwise fall back to its default in
silence. Free-form places stay open: annotations, labels, a metric source's `spec`, a data
source's `connectionDetails`. Fields YAML may read as dates or times (`start`, `end`,
`startTime`) are left to the resolvers, which accept either. A document that is not of its shape
is reported, every deviation at once, and is not resolved (other documents may still name it).
"""

from __future__ import annotations

import difflib
from typing import Any, Iterator

from jsonschema import Draft202012Validator

from .values import shown

TEXT = {"type": "string"}
NUMBER = {"type": "number"}
FLAG = {"type": "boolean"}
ANY: dict = {}
AMOUNT = {"type": ["number", "string"]}  # a decimal may be written as text to keep its digits
ID = {"type": ["string", "number"]}      # a customer or ticket number may be written bare
WHEN = ANY                               # YAML reads an unquoted day or time as a date: the resolvers accept both


def mapping(properties: dict | None = None, closed: bool = True, **extra: Any) -> dict:
    """An object with these fields; `closed`: no others (every field the spec or SPEC.md names is listed)."""
    return {"type": "object", "properties": properties or {}, **({"additionalProperties": False} if closed else {}),
            **extra}


def items(item: dict) -> dict:
    return {"type": "array", "items": item}


METADATA = mapping({"name": TEXT, "displayName": TEXT, "namespace": TEXT, "annotations": mapping(closed=False),
                    "labels": mapping(closed=False)})
# metricSource.spec is the data source's own: anything (ours reads filter, field and measure)
SOURCE = mapping({"metricSourceRef": TEXT, "type": TEXT, "spec": mapping(
    {"filter": {"type": ["string", "boolean"]}, "field": TEXT, "measure": TEXT}, closed=False)})
METRIC = mapping({"metricSource": SOURCE})
SLI_SPEC = mapping({
    "description": TEXT,
    "ratioMetric": mapping({"counter": FLAG, "good": METRIC, "bad": METRIC, "total": METRIC, "raw": METRIC,
                            "rawType": TEXT}),
    "thresholdMetric": METRIC,
})
ALERT_CONDITION_SPEC = mapping({
    "description": TEXT, "severity": TEXT,
    "condition": mapping({"kind": TEXT, "op": TEXT, "threshold": NUMBER, "lookbackWindow": TEXT, "alertAfter": TEXT,
                          "horizon": TEXT}),  # horizon: of an slm/v1 exhaustion condition
})
INLINE = {"kind": TEXT, "apiVersion": TEXT, "metadata": METADATA}  # an object written inside another
NOTIFICATION_TARGET_SPEC = mapping({"description": TEXT, "target": TEXT})
ALERT_POLICY_SPEC = mapping({
    "description": TEXT, "alertWhenNoData": FLAG, "alertWhenResolved": FLAG, "alertWhenBreaching": FLAG,
    "conditions": items(mapping({"conditionRef": TEXT, **INLINE, "spec": ALERT_CONDITION_SPEC})),
    "notificationTargets": items(mapping({"targetRef": TEXT, **INLINE, "spec": NOTIFICATION_TARGET_SPEC})),
})
SPECS: dict[str, dict] = {
    "Service": mapping({"description": TEXT}),
    "SLI": SLI_SPEC,
    "SLO": mapping({
        "description": TEXT,
        "service": TEXT,
        "indicatorRef": TEXT,
        "indicator": mapping({**INLINE, "spec": SLI_SPEC}),
        # the name of an AlertPolicy, or a mapping: an alertPolicyRef or a policy inline
        "alertPolicies": items({"if": TEXT, "else": mapping({"alertPolicyRef": TEXT, **INLINE, "spec": ALERT_POLICY_SPEC})}),
        "timeWindow": items(mapping({"duration": TEXT, "isRolling": FLAG,
                                     "calendar": mapping({"startTime": WHEN, "timeZone": TEXT})})),
        "budgetingMethod": TEXT,
        # grouped SLIs (issue 20): per customer, at most groupLimit groups and one for the rest
        "groupBy": items(TEXT), "groupLimit": {"type": "integer"},
        "objectives": items(mapping({
            "displayName": TEXT, "op": TEXT, "value": NUMBER, "target": NUMBER, "targetPercent": NUMBER,
            "timeSliceTarget": NUMBER, "timeSliceWindow": {"type": ["string", "number"]},
            "indicator": mapping({**INLINE, "spec": SLI_SPEC}), "indicatorRef": TEXT, "compositeWeight": NUMBER,
        })),
    }),
    "AlertCondition": ALERT_CONDITION_SPEC,
    "AlertPolicy": ALERT_POLICY_SPEC,
    "AlertNotificationTarget": NOTIFICATION_TARGET_SPEC,
    "DataSource": mapping({"description": TEXT, "type": TEXT, "connectionDetails": ANY}),
    "Contract": mapping({
        "description": TEXT, "customer": ID, "slo": TEXT, "period": TEXT, "timeZone": TEXT, "start": WHEN, "end": WHEN,
        "fee": mapping({"amount": AMOUNT, "currency": TEXT}),
        "creditTiers": items(mapping({"below": AMOUNT, "creditPercent": AMOUNT})),
        "creditCapPercent": AMOUNT, "minimumCredit": AMOUNT,
        "exclusionKinds": items(TEXT), "missingData": TEXT,
        "scope": mapping({"customer": ID}),  # computed on that customer's traffic only (issue 20)
        # a vendor's SLA to us (issue 20): who owes the credit and how it must be claimed
        "direction": TEXT, "vendor": ID,
        "claim": mapping({"windowMonths": {"type": "integer"}, "windowDays": {"type": "integer"}, "evidence": items(TEXT)}),
    }),
    "Exclusion": mapping({"description": TEXT, "services": items(TEXT), "kind": TEXT, "start": WHEN, "end": WHEN,
                          "recurrence": mapping({"rrule": TEXT, "start": WHEN, "duration": TEXT, "timeZone": TEXT}),
                          "reason": TEXT, "approvedBy": TEXT, "ticket": ID}),
    "Dependency": mapping({"description": TEXT, "service": TEXT, "dependsOn": TEXT, "slo": TEXT, "hard": FLAG}),
}
_VALIDATORS = {kind: Draft202012Validator(mapping({"apiVersion": TEXT, "kind": TEXT, "metadata": METADATA, "spec": spec}))
               for kind, spec in SPECS.items()}


def field_path(parts) -> str:
    """A JSON Schema error's path as problems write it: spec.objectives[0].target."""
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def shape_problems(kind: str, body: dict) -> Iterator[tuple[str, str]]:
    """(field path, what is wrong) for every place the document departs from its kind's shape."""
    validator = _VALIDATORS.get(kind)
    if validator is None:
        return
    for error in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
        if error.validator == "additionalProperties":
            known = sorted(error.schema.get("properties", {}))
            for key in sorted(set(error.instance) - set(known), key=str):
                close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.75)
                hint = f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(known)})"
                yield field_path([*error.absolute_path, key]), f"unknown field{hint}"
            continue
        if error.validator == "type":
            expected = error.validator_value
            expected = " or ".join(expected) if isinstance(expected, list) else expected
            expected = _ARTICLE.get(expected, expected)
        else:
            expected = error.schema.get("description", error.message)
        yield field_path(error.absolute_path), f"must be {expected}, got {shown(error.instance)}"


_ARTICLE = {"object": "a mapping", "array": "a list", "string": "text", "number": "a number", "boolean": "true or false",
            "number or string": "a number", "string or boolean": "text", "string or number": "text or a number"}
