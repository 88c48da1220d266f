"""Data quality: Great Expectations suites from `expectations/` over bounded frames, the ledger of
check results that audit snapshots consult, and the checks themselves (Dagster wiring in
`checks.py`)."""

from .gx import ExpectationResult, SuiteResult, validate_frame
from .landed import delivery_day
from .ledger import ERROR, WARN, CheckRecord, checks_for_period, read_checks, record_check
from .results import CheckResult, CheckVerdict

__all__ = ["ERROR", "WARN", "CheckRecord", "CheckResult", "CheckVerdict", "ExpectationResult", "SuiteResult",
           "checks_for_period", "delivery_day", "read_checks", "record_check", "validate_frame"]
