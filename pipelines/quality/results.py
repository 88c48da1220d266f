"""What a check says, in the two shapes the rest of the code needs: a `CheckResult` as our own
checks produce it (recorded in the ledger, shown in the UI), and a `CheckVerdict` as a run
reports every check it ran, dbt's tests included (the `slm run` summary)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from .gx import SAMPLE, SuiteResult

# dbt's generic tests, named by dbt as <test>_<model>_<column>: the summary counts them apart
DBT_TEST_PREFIXES = ("unique_", "not_null_", "accepted_values_", "relationships_")


def is_dbt_test(check_name: str) -> bool:
    return check_name.startswith(DBT_TEST_PREFIXES)


@dataclass
class CheckResult:
    name: str
    passed: bool
    severity: str            # ledger.ERROR | ledger.WARN
    failed: list             # failed expectations with their evidence
    metadata: dict = field(default_factory=dict)  # plain values; lists and dicts are shown as JSON


@dataclass
class CheckVerdict:
    asset: str
    name: str
    passed: bool
    severity: str
    metadata: dict

    @property
    def is_dbt_test(self) -> bool:
        return is_dbt_test(self.name)


def failed_expectations(result: SuiteResult, frame: pd.DataFrame | None = None,
                        show: tuple[str, ...] = ()) -> list[dict]:
    """Failed expectations with their offending values, or offending rows when `show` names columns."""
    out = []
    for o in result.failed:
        item = {"expectation": o.expectation, "column": o.column, "unexpected_count": o.unexpected_count}
        if show and frame is not None and o.unexpected_index:
            rows = frame.loc[sorted(o.unexpected_index)[:SAMPLE], list(show)]
            item["rows"] = json.loads(rows.to_json(orient="records", date_format="iso"))
        else:
            item["sample"] = [str(v) for v in o.unexpected_sample]
        if o.observed is not None and not o.unexpected_sample:
            item["observed"] = str(o.observed)
        out.append(item)
    return out
