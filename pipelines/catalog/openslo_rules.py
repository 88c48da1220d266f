"""What OpenSLO v1 forbids, judged by OpenSLO's own v1 JSON Schemas (vendored verbatim in
`openslo_v1/`, see its README): each OpenSLO document is checked against the general part and its
kind's part, and every failure is reported with the rule it breaks (issue 17, item 3).

`shapes` says which fields exist and of what type (and names unknown ones); this module adds the
spec's rules: what is required, lengths, patterns, enums, ranges, fields that exclude each other.
Where a schema and the spec README disagree the README wins (`../shared/reference/README.md`); each
such override is in `_follow_the_readme` with its reason, and each is tested in
tests/catalog/test_openslo_rules.py.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from importlib import resources
from typing import Any, Iterator

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from .shapes import field_path
from .values import shown

BASE = "https://openslo.com/schemas/v1/parts/"
PARTS = {"AlertCondition": "alertcondition-spec", "AlertNotificationTarget": "alertnotificationtarget-spec",
         "AlertPolicy": "alertpolicy-spec", "DataSource": "datasource-spec", "Service": "service-spec",
         "SLI": "sli-spec", "SLO": "slo-spec"}
# The rule a failed keyword breaks, in the spec's words where a part's title does not say it.
_TITLED = {"Duration Shorthand": "an OpenSLO duration shorthand: a whole number > 0 and one of m h d w M Q Y (12h, 4w, 1M)",
           "Name": "an OpenSLO name: lowercase letters, digits, '.', '-', at most 255 characters"}


def _ref(part: str) -> dict:
    return {"$ref": f"{BASE}{part}.schema.json"}


def _inline(kind: str, part: str) -> dict:
    """An object of `kind` written inside another (kind, metadata, spec), checked as a document."""
    return {"type": "object", "required": ["kind", "metadata", "spec"], "properties": {"kind": {"const": kind}},
            "allOf": [_ref("metadata"), _ref(part)]}


def _by_ref_or_inline(ref: str, kind: str, part: str) -> dict:
    """`{<ref>: name}` or the object inline: the branch taken is checked, so its own faults show."""
    return {"type": "object", "if": {"required": [ref]},
            "then": {"properties": {ref: _ref("name")},
                     "not": {"anyOf": [{"required": ["metadata"]}, {"required": ["spec"]}],
                             "description": f"{ref} or an inline {kind}, not both"}},
            "else": _inline(kind, part)}


def _follow_the_readme(parts: dict[str, dict]) -> None:
    """Where the schemas contradict the spec README, the README's rule."""
    slo = parts["slo-spec"]["properties"]["spec"]
    fields = slo["properties"]
    # README: budgetingMethod is Occurrences | Timeslices | RatioTimeslices (the schema lacks the third).
    fields["budgetingMethod"]["enum"].append("RatioTimeslices")
    # README: calendar.timeZone is "name as in IANA Time Zone Database": UTC is one; the schema's
    # Area/City pattern refuses it (the zone itself is checked against the zone database).
    window_rule = fields["timeWindow"]["items"]["allOf"][1]
    del window_rule["then"]["properties"]["calendar"]["properties"]["timeZone"]["pattern"]
    # README: "isRolling: false # if omitted assumed `false`": a window without isRolling is a calendar
    # window (the schema's test passes an absent isRolling as rolling, so its calendar went unchecked).
    window_rule["if"]["not"]["required"] = ["isRolling"]
    objective = fields["objectives"]["items"]
    # README: either target or targetPercent [0, 100), never both (the schema requires target).
    del objective["required"]
    objective["properties"].update({
        "targetPercent": {"type": "number", "minimum": 0, "exclusiveMaximum": 100},
        # README: a composite SLO's objectives carry their own indicator, weighted (0, inf].
        "indicator": fields["indicator"], "indicatorRef": _ref("name"),
        "compositeWeight": {"type": "number", "exclusiveMinimum": 0},
    })
    objective["oneOf"] = [{"required": ["target"]}, {"required": ["targetPercent"]}]
    objective["description"] = "exactly one of target or targetPercent"
    # README: timeSliceWindow is required with Timeslices and RatioTimeslices. The slice target that
    # Timeslices needs is checked by the resolver: a count (throughput) indicator has none.
    slo["allOf"][0] = {"if": {"properties": {"budgetingMethod": {"enum": ["Timeslices", "RatioTimeslices"]}},
                              "required": ["budgetingMethod"]},
                       "then": {"properties": {"objectives": {"items": {"required": ["timeSliceWindow"]}}}}}
    # README: a composite SLO moves indicator/indicatorRef into every objective.
    slo["allOf"][2] = {
        "anyOf": [{"required": ["indicator"]}, {"required": ["indicatorRef"]},
                  {"required": ["objectives"], "properties": {"objectives": {
                      "type": "array", "minItems": 1,
                      "items": {"anyOf": [{"required": ["indicator"]}, {"required": ["indicatorRef"]}]}}}}],
        "description": "an indicator or indicatorRef (on the SLO, or on every objective of a composite SLO)"}
    # README: an alert policy is named, referred to by alertPolicyRef, or written inline.
    fields["alertPolicies"]["items"] = {"if": {"type": "string"}, "then": _ref("name"),
                                        "else": _by_ref_or_inline("alertPolicyRef", "AlertPolicy", "alertpolicy-spec")}
    # README: a condition or a notification target is referred to or inline. The schema checks an
    # inline one's spec one level too deep, and gives a notification target the kind AlertCondition.
    policy = parts["alertpolicy-spec"]["properties"]["spec"]["properties"]
    policy["conditions"]["items"] = _by_ref_or_inline("conditionRef", "AlertCondition", "alertcondition-spec")
    policy["notificationTargets"]["items"] = _by_ref_or_inline(
        "targetRef", "AlertNotificationTarget", "alertnotificationtarget-spec")
    # README: a burnrate condition's alertAfter "defaults to 0m" (the schema requires it).
    burnrate = parts["alertcondition-spec"]["properties"]["spec"]["properties"]["condition"]["then"]
    burnrate["required"].remove("alertAfter")
    # README: an annotation's prefix is "a DNS subdomain: a series of DNS labels separated by dots";
    # one label is such a series (as in Kubernetes, whose keys these follow), so `slm/valid-from` is a
    # key. The schema's pattern wants two labels or more.
    keys = parts["metadata"]["properties"]["metadata"]["properties"]["annotations"]["propertyNames"]["allOf"][0]
    keys["pattern"] = keys["pattern"].replace(r"\.)+[a-z0-9][a-z0-9-]{0,61}[a-z0-9]/", r"\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?/")
    assert "*[a-z0-9]([a-z0-9-]" in keys["pattern"], "the vendored annotations pattern changed"
    # README: a ratio is good/total, bad/total, or a precomputed `raw` with its `rawType`
    # (`counter` "has no effect" on raw); the schema knows only the first two.
    ratio = parts["sli-spec"]["properties"]["spec"]["properties"]["ratioMetric"]
    ratio["properties"]["raw"] = ratio["properties"]["total"]
    ratio["properties"]["rawType"] = {"enum": ["success", "failure"]}
    ratio["allOf"] = [{"if": {"required": ["raw"]},
                       "then": {"required": ["rawType"],
                                "not": {"anyOf": [{"required": [f]} for f in ("good", "bad", "total")],
                                        "description": "raw is not used with good, bad or total"}},
                       "else": {"required": ratio.pop("required"), "allOf": ratio["allOf"]}}]
    # Neither good nor bad: said in the README's words. Both: said once, by the schema's `not`.
    numerator = ratio["allOf"][0]["else"]["allOf"][1]
    numerator["anyOf"] = numerator.pop("oneOf")
    numerator["description"] = "one of good or bad, with total"


@cache
def _validators() -> dict[str, Draft7Validator]:
    folder = resources.files(__package__) / "openslo_v1" / "parts"
    parts = {p.name.removesuffix(".schema.json"): json.loads(p.read_text(encoding="utf-8"))
             for p in folder.iterdir() if p.name.endswith(".schema.json")}
    _follow_the_readme(parts)
    registry = Registry().with_resources((s["$id"], Resource(contents=s, specification=DRAFT7)) for s in parts.values())
    return {kind: Draft7Validator({"allOf": [_ref("general"), _ref(part)]}, registry=registry)
            for kind, part in PARTS.items()}


def _plain(value: Any) -> Any:
    """The document as JSON sees it: YAML reads an unquoted `2020-01-21 12:30:00` as a time."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def rule_problems(kind: str, body: dict) -> Iterator[tuple[str, str]]:
    """(field path, the OpenSLO v1 rule broken) for every failure of an OpenSLO document."""
    validator = _validators().get(kind)
    if validator is None:
        return
    seen = set()
    for error in validator.iter_errors(_plain(body)):
        for path, message in _said(error):
            if (path, message) not in seen:
                seen.add((path, message))
                yield path, message


def _said(error) -> Iterator[tuple[str, str]]:
    where, rule, got = list(error.absolute_path), error.validator, error.instance
    value = error.validator_value
    if rule == "required":
        for name in (n for n in value if isinstance(got, dict) and n not in got):
            yield field_path([*where, name]), "required by OpenSLO v1"
        return
    if rule == "type":
        return  # `shapes` reports types, with the known fields
    size = len(got) if isinstance(got, (str, list)) else got
    text = {
        "maxLength": lambda: f"at most {value} characters in OpenSLO v1, got {size}",
        "minLength": lambda: "may not be empty in OpenSLO v1",
        "enum": lambda: f"must be one of {', '.join(map(str, value))} in OpenSLO v1, got {shown(got)}",
        "const": lambda: f"must be {value} in OpenSLO v1, got {shown(got)}",
        **dict.fromkeys(("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"),
                        lambda: f"must be in {_interval(error.schema)} in OpenSLO v1, got {shown(got)}"),
        "maxItems": lambda: f"at most {value} item(s) in OpenSLO v1, got {size}",
        "minItems": lambda: f"at least {value} item(s) in OpenSLO v1",
    }.get(rule, lambda: None)()
    if text is None and rule == "pattern" and "propertyNames" in error.absolute_schema_path:
        text = (f"a key is an optional DNS-subdomain prefix and '/', then a name of letters, digits, '-', '_' or "
                f"'.' in OpenSLO v1, got {shown(got)}")
    if text is None and rule == "pattern":
        title = error.schema.get("title", "").rpartition("-> ")[2]
        text = f"must be {_TITLED.get(title, 'of the form ' + value)}, got {shown(got)}"
    if text is None and rule == "not" and isinstance(value, dict) and value.get("required"):
        text = f"{' and '.join(value['required'])} may not be used together in OpenSLO v1"
    if text is None:
        described = error.schema.get("description") if rule in ("oneOf", "anyOf") else None
        described = described or (value.get("description") if isinstance(value, dict) else None)
        text = f"OpenSLO v1 needs {described}" if described else f"not valid OpenSLO v1: {error.message[:120]}"
    yield field_path(where), text


def _interval(schema: dict) -> str:
    """A number's range as the spec writes it: [0.0, 1.0), (0.0, inf+]."""
    low = f"[{schema['minimum']}" if "minimum" in schema else f"({schema.get('exclusiveMinimum', '-inf')}"
    high = f"{schema['maximum']}]" if "maximum" in schema else f"{schema.get('exclusiveMaximum', 'inf')})"
    return f"{low}, {high}"
