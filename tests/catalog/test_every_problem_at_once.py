"""Every problem at once, where it is (issue 17, item 5): a fault in a referenced SLI or
AlertCondition is reported once, against that document, used or not; a bad time zone or name does
not hide the rest of its document; unknown fields are named with the field they are closest to."""

from pipelines.catalog import load_catalog

SERVICE = """\
apiVersion: openslo/v1
kind: Service
metadata: {name: web}
spec: {}
---
"""
POLICY_SPEC = """spec: {alertWhenBreaching: true, alertWhenResolved: false, alertWhenNoData: false, conditions: [{conditionRef: %s}],
       notificationTargets: [{kind: AlertNotificationTarget, metadata: {name: mail}, spec: {target: email}}]}"""
DOCS = SERVICE + """\
apiVersion: openslo/v1
kind: SLI
metadata: {name: broken}
spec:
  ratioMetric:
    counter: true
    good: {metricSource: {type: warehouse, spec: {filter: "status_code <"}}}
    total: {metricSource: {type: warehouse, spec: {filter: "true"}}}
---
apiVersion: openslo/v1
kind: SLI
metadata: {name: unused-and-broken}
spec:
  ratioMetric: {counter: true, total: {metricSource: {type: warehouse, spec: {filter: "true"}}}}
---
apiVersion: openslo/v1
kind: AlertCondition
metadata: {name: never}
spec: {severity: page, condition: {kind: burnrate, op: gte, threshold: -1, lookbackWindow: 1h}}
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: p1}
""" + POLICY_SPEC % "never" + """
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: p2}
""" + POLICY_SPEC % "never" + """
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: one}
spec:
  service: web
  indicatorRef: broken
  timeWindow: [{duration: 1M, isRolling: false, calendar: {startTime: "2026-01-01 00:00:00", timeZone: Mars/Olympus}}]
  budgetingMethod: Occurrences
  objectives: [{target: 1.5}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: Two_Bad}
spec:
  service: web
  indicatorRef: broken
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99, timeslicewindow: 5m}]
"""


def test_each_problem_once_against_its_own_document_and_none_hidden(tmp_path):
    (tmp_path / "catalog.yaml").write_text(DOCS)
    lines = DOCS.splitlines()

    def at(text: str, nth: int = 1) -> int:
        return [n for n, line in enumerate(lines, start=1) if text in line][nth - 1]

    problems = [(p.line, p.doc, p.name, p.path, p.message) for p in load_catalog(tmp_path).problems]
    assert sorted(problems) == sorted([
        # the SLI's filter, once, though two SLOs use it
        (at('"status_code <"'), 2, "broken", "spec.ratioMetric.good.metricSource.spec.filter",
         "expected a value, found end of expression (at character 14)"),
        # an SLI no SLO uses is still checked
        (at("ratioMetric: {counter: true, total"), 3, "unused-and-broken", "spec.ratioMetric",
         "OpenSLO v1 needs one of good or bad, with total"),
        # the condition's threshold, once, though two policies use it
        (at("threshold: -1"), 4, "never", "spec.condition.threshold", "must be a number > 0, got -1"),
        # a bad time zone does not hide the objective's target
        (at("Mars/Olympus"), 7, "one", "spec.timeWindow[0].calendar.timeZone", "unknown time zone 'Mars/Olympus'"),
        (at("target: 1.5"), 7, "one", "spec.objectives[0].target", "must be in [0, 1) in OpenSLO v1, got 1.5"),
        # a bad name does not hide an unknown field, named with the closest known one
        (at("name: Two_Bad"), 8, "Two_Bad", "metadata.name",
         "must be lowercase letters, digits, '-' or '.' (RFC 1123), at most 63 characters"),
        (at("timeslicewindow"), 8, "Two_Bad", "spec.objectives[0].timeslicewindow",
         "unknown field (did you mean timeSliceWindow?)"),
    ])


ALLOWED = SERVICE + """\
apiVersion: openslo/v1
kind: AlertCondition
metadata: {name: slow-burn}
spec: {severity: ticket, condition: {kind: burnrate, op: gte, threshold: 1, lookbackWindow: 1w, alertAfter: 1h}}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: anything-goes}
spec:
  service: web
  indicator:
    metadata: {name: ok}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: warehouse, spec: {filter: "status_code < 500"}}}
        total: {metricSource: {type: warehouse, spec: {filter: "true"}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: RatioTimeslices
  objectives:
    - {displayName: zero, target: 0, timeSliceWindow: 5}
    - {displayName: percent, targetPercent: 0, timeSliceWindow: 1d}
"""


def test_what_v1_allows_in_targets_slices_and_lookbacks_is_accepted(tmp_path):
    """target [0, 1) and targetPercent [0, 100) (0 included); a timeSliceWindow as a bare number
    of minutes or any shorthand that divides a day; a lookbackWindow in weeks (issue 17, item 2)."""
    (tmp_path / "catalog.yaml").write_text(ALLOWED)
    cat = load_catalog(tmp_path)
    assert cat.problems == [], [str(p) for p in cat.problems]
    slos = {s["slo_name"]: (s["target"], s["time_slice_minutes"]) for s in cat.slos}
    assert slos == {"anything-goes.zero": (0.0, 5), "anything-goes.percent": (0.0, 1440)}
    (tmp_path / "catalog.yaml").write_text(ALLOWED.replace("budgetingMethod: RatioTimeslices",
                                                           "alertPolicies: [p]\n  budgetingMethod: RatioTimeslices")
                                           + "---\napiVersion: openslo/v1\nkind: AlertPolicy\nmetadata: {name: p}\n"
                                           + POLICY_SPEC % "slow-burn" + "\n")
    cat = load_catalog(tmp_path)
    assert cat.problems == [] and [(c["lookback_minutes"], c["alert_after_minutes"]) for c in cat.alert_conditions] \
        == [(7 * 24 * 60, 60)]
