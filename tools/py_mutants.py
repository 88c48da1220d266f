"""Mutation testing for the Python rule modules (issue 22), with cosmic-ray: plant one small bug
at a time in a module that decides numbers, verification or accounting, run the fast tests that
cover it, and list every mutant they do not notice (file, line, change), to be answered with a
test or recorded as equivalent in docs/testing.md.

    .venv/bin/python tools/py_mutants.py [AREA ...]        # default: every area below

Only the operators a reviewer would plant are kept (a comparison's boundary or sense, `and`/`or`,
`not` added or dropped, `True`/`False`, a number shifted by one, `+`/`-` and `*`/`/`, a loop run
zero times, `break`/`continue`, an `except` that no longer catches), not in decorators: cosmic-ray's
others mostly rewrite type annotations (`str | None`), which no test can tell apart. Each mutant is written in
place by cosmic-ray and restored after its test run; this script also restores the modules on
any exit (Ctrl-C and SIGTERM included). Run it on a clean checkout with nothing else running.
"""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".mutants" / "py"
BIN = Path(sys.executable).parent

# area -> (modules, the fast tests that should notice a bug in them)
AREAS = {
    "filters": (["pipelines/catalog/filters.py"], ["tests/catalog/test_filters.py"]),
    "recurrence": (["pipelines/catalog/recurrence.py"], ["tests/catalog/test_recurring_exclusions.py"]),
    "periods": (["pipelines/core/periods.py"], ["tests/core/test_periods.py"]),
    "verification": (["pipelines/audit/stores/verify.py", "pipelines/audit/signing.py"],
                              ["tests/audit/test_verify_rules.py"]),
    "contracts": (["pipelines/catalog/resolve/contract.py"], ["tests/catalog/test_contract_terms.py"]),
}

KEPT = ["NumberReplacer", "AddNot", "ReplaceAndWithOr", "ReplaceOrWithAnd", "ReplaceTrueWithFalse",
        "ReplaceFalseWithTrue", "ReplaceUnaryOperator_Delete_Not", "ZeroIterationForLoop",
        "ReplaceBreakWithContinue", "ReplaceContinueWithBreak", "ExceptionReplacer",
        "ReplaceComparisonOperator_(Lt_LtE|LtE_Lt|Gt_GtE|GtE_Gt|Eq_NotEq|NotEq_Eq|Is_IsNot|IsNot_Is|In_NotIn|NotIn_In)",
        "ReplaceBinaryOperator_(Add_Sub|Sub_Add|Mul_Div|Div_Mul|FloorDiv_Div|Mod_FloorDiv)"]
KEPT_RE = re.compile(r"core/(?:%s)$" % "|".join(KEPT))


def is_decorator(line: str) -> bool:
    """`@dataclass(frozen=True)` and the like: how a class is built, not a rule."""
    return line.lstrip().startswith("@")


def config(module: str, tests: list[str]) -> str:
    command = f"{BIN / 'python'} -m pytest -x -q -n 0 -p no:cacheprovider {' '.join(tests)}"
    return (f'[cosmic-ray]\nmodule-path = "{module}"\ntimeout = 120.0\nexcluded-modules = []\n'
            f'test-command = "{command}"\n\n[cosmic-ray.distributor]\nname = "local"\n')


def run_module(area: str, module: str, tests: list[str]) -> tuple[int, int, list[str]]:
    """Mutants kept, killed, and each survivor described; the session stays in .mutants/py/."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkResult

    stem = module.replace("/", "_").removesuffix(".py")
    cfg, session = WORK / f"{stem}.toml", WORK / f"{stem}.sqlite"
    cfg.write_text(config(module, tests))
    session.unlink(missing_ok=True)
    subprocess.run([BIN / "cosmic-ray", "init", cfg, session], cwd=ROOT, check=True)
    lines = (ROOT / module).read_text().splitlines()
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item in list(db.pending_work_items):
            if not all(KEPT_RE.match(m.operator_name) and not is_decorator(lines[m.start_pos[0] - 1])
                       for m in item.mutations):
                db.set_result(item.job_id, WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output="not kept"))
        kept = sum(1 for _ in db.pending_work_items)
    print(f"{area}: {module}: {kept} mutants against {' '.join(tests)}", flush=True)
    started = time.monotonic()
    subprocess.run([BIN / "cosmic-ray", "exec", cfg, session], cwd=ROOT, check=True)
    killed, survivors = 0, []
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                continue
            if result.test_outcome == TestOutcome.SURVIVED:
                m = item.mutations[0]
                row = m.start_pos[0]
                survivors.append(f"{module}:{row} [{m.operator_name.removeprefix('core/')} #{m.occurrence}] "
                                 f"{lines[row - 1].strip()}")
            else:
                killed += 1
    print(f"  {killed} of {kept} killed in {time.monotonic() - started:.0f} s", flush=True)
    for s in sorted(survivors, key=lambda s: int(s.split(":")[1].split()[0])):
        print(f"  SURVIVED {s}", flush=True)
    return kept, killed, survivors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("areas", nargs="*", metavar="AREA", help=", ".join(AREAS))
    args = parser.parse_args(argv)
    unknown = [a for a in args.areas if a not in AREAS]
    if unknown:
        parser.error(f"unknown area {unknown[0]!r}: one of {', '.join(AREAS)}")
    areas = args.areas or list(AREAS)
    WORK.mkdir(parents=True, exist_ok=True)
    originals = {m: (ROOT / m).read_bytes() for a in areas for m in AREAS[a][0]}

    def restore(*_):
        for module, data in originals.items():
            if (ROOT / module).read_bytes() != data:
                (ROOT / module).write_bytes(data)
        if _:
            sys.exit(130)

    signal.signal(signal.SIGTERM, restore)
    rows = []
    try:
        for area in areas:
            modules, tests = AREAS[area]
            for module in modules:
                kept, killed, survivors = run_module(area, module, tests)
                rows.append((area, module, kept, killed, len(survivors)))
    finally:
        restore()
    print("\n| area | module | mutants | killed | survived |\n|---|---|---|---|---|")
    for area, module, kept, killed, survived in rows:
        print(f"| {area} | `{module}` | {kept} | {killed} ({100 * killed / max(kept, 1):.0f} %) | {survived} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
