"""Hostile and malformed catalogs (issue 16): `slm validate` reports each problem with its file
and field and exits 1; it never raises, hangs or eats memory, and what validates also runs."""

import re
import subprocess
import sys
import textwrap

import pytest

SERVICE = "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: web}\nspec: {}\n"


def slo(filter_text: str) -> str:
    return SERVICE + textwrap.dedent(f"""\
        ---
        apiVersion: openslo/v1
        kind: SLO
        metadata: {{name: web-availability}}
        spec:
          service: web
          indicator:
            metadata: {{name: web-ok}}
            spec:
              ratioMetric:
                counter: true
                good: {{metricSource: {{type: warehouse, spec: {{filter: {filter_text}}}}}}}
                total: {{metricSource: {{type: warehouse, spec: {{filter: "true"}}}}}}
          timeWindow: [{{duration: 28d, isRolling: true}}]
          budgetingMethod: Occurrences
          objectives: [{{target: 0.99}}]
        """)


def contract(fee: str, below: str = "99.9") -> str:
    return slo('"status_code < 500"') + textwrap.dedent(f"""\
        ---
        apiVersion: slm/v1
        kind: Contract
        metadata: {{name: acme}}
        spec:
          customer: ACME
          slo: web-availability
          period: month
          fee: {{amount: {fee}, currency: USD}}
          creditTiers: [{{below: {below}, creditPercent: 10}}]
        """)


LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))

CASES = {
    "alias bomb": (LAUGHS, "values through aliases (more than 200,000): refused"),
    "recursive anchor": ("a: &x [1, *x]\n", "an alias refers to a node that contains it"),
    "5000-deep filter": (slo('"' + "(" * 5000 + "status_code < 500" + ")" * 5000 + '"'), "nested more than"),
    "5000-deep YAML": ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    "a list for a name": (SERVICE.replace("{name: web}", "{name: [a, b]}"), "metadata.name"),
    "NaN fee": (contract(".nan"), "spec.fee.amount"),
    "infinite fee": (contract(".inf"), "spec.fee.amount"),
    "infinite tier": (contract("100", below=".inf"), "spec.creditTiers"),
    "a fee beyond any money column": (contract("1e30"), "spec.fee.amount: must be a number >= 0 and under 1,000,000,000,000"),
    "a minimum credit beyond it": (contract("100") + "  minimumCredit: 1e13\n", "spec.minimumCredit: must be"),
    # a zero window computed nothing and the deploy gate froze for good
    "a zero-day window": (slo('"true"').replace("duration: 28d", "duration: 0d"),
                          "spec.timeWindow[0].duration: must be an OpenSLO duration shorthand: a whole number > 0"),
    "a 99999999-day window": (slo('"true"').replace("duration: 28d", "duration: 99999999d"), "1 to 3660 days"),
    "1e999 in a filter": (slo('"latency_ms < 1e999"'), "1e999"),
    "NUL in a filter": (slo('"version = \'a\\0b\'"'), "NUL"),
    "invalid date in a filter": (slo('"timestamp > \'2026-13-45T00:00:00Z\'"'), "2026-13-45"),
}


def validate(folder):
    return subprocess.run([sys.executable, "-m", "pipelines.cli", "validate", str(folder)],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_catalog_is_reported_not_raised(tmp_path, case):
    text, expected = CASES[case]
    (tmp_path / "catalog.yaml").write_text(text)
    done = validate(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "slm: error" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    problems = [line for line in done.stdout.splitlines() if line.startswith("catalog.yaml")]
    assert problems and any(expected in line for line in problems), done.stdout
    assert done.stderr.strip().splitlines()[-1] == f"Error: {len(problems)} problem(s) in {tmp_path}"


def test_a_folder_named_like_yaml_is_a_note_not_a_crash(tmp_path):
    (tmp_path / "x.yaml").mkdir()
    (tmp_path / "catalog.yaml").write_text(SERVICE)
    done = validate(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "note: x.yaml is a folder, not a file: skipped" in done.stdout


def test_every_generated_hostile_catalog_is_reported_or_accepted_and_what_is_accepted_exports(
        hostile_catalog_outcomes, tmp_path):
    """The generator's variants of a catalog that uses every kind: `slm validate` exits 0, or 1
    with each problem on one line naming file, document and field; it never raises. What it
    accepts is exported to the tables dbt reads (and computed by the pipeline run of
    test_accepted_records_compute)."""
    from hostile_catalogs import base_catalog
    from pipelines.catalog import load_catalog
    from pipelines.catalog.export import export_catalog

    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "catalog.yaml").write_text(base_catalog())
    assert load_catalog(folder).ok, "the base itself is valid"
    outcomes = {0: 0, 1: 0}
    for i, (variant, code, output) in enumerate(hostile_catalog_outcomes):
        assert code in (0, 1), (variant.label, output)
        outcomes[code] += 1
        lines = output.splitlines()
        if code == 1:
            problems = [line for line in lines if not line.startswith(("note: ", "Error: "))]
            assert problems and lines[-1] == f"Error: {len(problems)} problem(s) in <catalog>", (variant.label, lines)
            for line in problems:  # catalog.yaml:12:5 doc 4 SLO h-avail: spec.objectives[0].target: must be ...
                where, _, what = line.partition(": ")
                assert re.fullmatch(r"catalog\.yaml:\d+:\d+ doc \d+ .*", where) and ": " in what, (variant.label, line)
        else:
            (folder / "catalog.yaml").write_text(variant.text)
            export_catalog(load_catalog(folder), tmp_path / f"lake-{i}")
    assert outcomes[0] > 25 and outcomes[1] > 200, outcomes  # both kinds of outcome were exercised
