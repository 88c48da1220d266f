"""Mutation testing for the dbt SQL (issue 22): plant one small bug at a time in a macro or a
model (swap `<` and `<=`, `>` and `>=`, `and` and `or`, drop a `when` branch, shift a constant)
and run the tests that should notice: the project's dbt unit tests, and optionally pytest files.
A mutant the tests do not notice *survives*; each survivor is listed with its place and change,
to be answered with a test or recorded as equivalent in docs/testing.md.

    .venv/bin/python tools/sql_mutants.py --home HOME [--pytest tests/x.py ...] [--limit N] FILE ...

HOME is a home with a built warehouse (the unit tests read their inputs' column types from it),
e.g. one left by `pytest --basetemp=/tmp/m tests/warehouse/test_sla_credits.py`. FILE is a path
under dbt_project/ (macros/credits.sql, models/marts/finance/fct_sla_compliance.sql). Each
mutant is written in place and the original restored afterwards, whatever happens; run it on a
clean checkout and nothing else at the same time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "dbt_project"
BIN = Path(sys.executable).parent


@dataclass
class Mutant:
    file: str
    line: int          # 1-based
    operator: str
    before: str
    after: str

    def describe(self) -> str:
        return f"{self.file}:{self.line} [{self.operator}] {self.before.strip()} -> {self.after.strip() or '(line dropped)'}"


# (operator, pattern, replacement): applied one occurrence at a time
SWAPS = [
    ("<= to <", re.compile(r"(?<![<>!=-])<=(?!=)"), "<"),
    ("< to <=", re.compile(r"(?<![<-])<(?![=>%#{])"), "<="),
    (">= to >", re.compile(r"(?<![<>!=-])>=(?!=)"), ">"),
    ("> to >=", re.compile(r"(?<![-<%#}=])>(?![=])"), ">="),
    ("and to or", re.compile(r"\band\b"), "or"),
    ("or to and", re.compile(r"\bor\b"), "and"),
    ("constant + 1", re.compile(r"(?<![\w.'])(\d+)(?![\w.'])"), None),  # None: the number plus one
]


def sql_lines(text: str) -> list[tuple[int, str]]:
    """The lines that are SQL, with their index: not Jinja comments, blocks or set lines, not `--`
    comments, not config."""
    out, in_comment = [], False
    for i, line in enumerate(text.splitlines()):
        stripped = line.strip()
        if in_comment:
            in_comment = "#}" not in stripped
            continue
        if stripped.startswith("{#"):
            in_comment = "#}" not in stripped
            continue
        if not stripped or stripped.startswith(("--", "{%", "{{ config", "config(", "materialized", "unique_key",
                                                "incremental_strategy", "partition_by", "on_schema_change")):
            continue
        out.append((i, line))
    return out


def mutants_of(rel: str) -> list[Mutant]:
    text = (PROJECT / rel).read_text()
    out = []
    for i, line in sql_lines(text):
        code = line.split("--")[0]
        for name, pattern, replacement in SWAPS:
            for m in pattern.finditer(code):
                new = str(int(m.group(1)) + 1) if replacement is None else replacement
                out.append(Mutant(rel, i + 1, name, line, line[:m.start()] + new + line[m.end():]))
        if re.match(r"\s*when\b.*\bthen\b", code):
            out.append(Mutant(rel, i + 1, "drop when", line, ""))
    return out


def apply(m: Mutant) -> str:
    path = PROJECT / m.file
    original = path.read_text()
    lines = original.splitlines(keepends=True)
    ending = "\n" if lines[m.line - 1].endswith("\n") else ""
    lines[m.line - 1] = (m.after + ending) if m.after else ""
    path.write_text("".join(lines))
    return original


def killed(home: Path, pytest_files: list[str]) -> tuple[bool, str]:
    """Whether the tests notice: a failing (or not compiling) dbt unit test, or a failing pytest file."""
    env = {**os.environ, "SLM_HOME": str(home), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    target = ROOT / ".mutants" / "sql-target"  # per checkout: two checkouts may mutate at once
    done = subprocess.run([str(BIN / "dbt"), "test", "--select", "test_type:unit", "--project-dir", str(PROJECT),
                           "--profiles-dir", str(PROJECT), "--target-path", str(target), "--quiet"],
                          env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        failing = [r["unique_id"].split(".")[-1] for r in _results(target)
                   if r["unique_id"].startswith("unit_test.") and r["status"] != "pass"]
        return True, "dbt unit test " + (", ".join(failing) or "compilation")
    if pytest_files:
        done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-n", "0", "-p", "no:cacheprovider",
                               *pytest_files], cwd=ROOT, capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            return True, "pytest " + " ".join(pytest_files)
    return False, ""


def _results(target: Path) -> list[dict]:
    try:
        return json.loads((target / "run_results.json").read_text())["results"]
    except (OSError, ValueError, KeyError):
        return []


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", help="paths under dbt_project/")
    ap.add_argument("--home", required=True, type=Path, help="a home with a built warehouse")
    ap.add_argument("--pytest", nargs="*", default=[], help="pytest files to run against each mutant too")
    ap.add_argument("--limit", type=int, default=0, help="at most this many mutants per file (0: all)")
    args = ap.parse_args()
    # a stopped run must still put the original file back: SIGTERM unwinds like Ctrl-C
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    if not (args.home / "warehouse.duckdb").exists():
        ap.error(f"{args.home} has no warehouse.duckdb: build one first")
    total_killed = total = 0
    for rel in args.files:
        mutants = mutants_of(rel)[: args.limit or None]
        survivors, started = [], time.monotonic()
        for n, m in enumerate(mutants, 1):
            original = apply(m)
            try:
                dead, by = killed(args.home, args.pytest)
            finally:
                (PROJECT / m.file).write_text(original)
            print(f"  {n}/{len(mutants)} {'killed' if dead else 'SURVIVED'}: {m.describe()}"
                  + (f" (by {by})" if dead else ""), flush=True)
            if not dead:
                survivors.append(m)
        k = len(mutants) - len(survivors)
        total_killed, total = total_killed + k, total + len(mutants)
        print(f"{rel}: {k} of {len(mutants)} killed ({100 * k / max(1, len(mutants)):.0f} %) "
              f"in {time.monotonic() - started:.0f} s", flush=True)
        for m in survivors:
            print(f"  survivor {m.describe()}")
    print(f"all: {total_killed} of {total} killed ({100 * total_killed / max(1, total):.0f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
