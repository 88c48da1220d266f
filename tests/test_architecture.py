"""The shape of the code (docs/architecture.md) as tests: they fail on an import against the
layers, Dagster or the environment where they do not belong, and modules or classes that have
grown past what one person reads in one go."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pipelines"
MODELS = ROOT / "dbt_project" / "models"
MAX_MODULE_LINES, MAX_CLASS_LINES, MAX_MODEL_LINES = 400, 200, 160


def _lint_imports() -> str:
    beside = Path(sys.executable).parent / "lint-imports"
    return str(beside) if beside.exists() else (shutil.which("lint-imports") or "lint-imports")


def test_import_contracts_hold():
    """The layers import one way, and Dagster only where it belongs ([tool.importlinter])."""
    done = subprocess.run([_lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_import_contracts_catch_an_upward_import(tmp_path):
    """The contract is real: a core module that imports the command line breaks it."""
    work = tmp_path / "repo"
    shutil.copytree(PACKAGE, work / "pipelines", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", work / "pyproject.toml")
    (work / "pipelines" / "core" / "upward.py").write_text("from ..cli import main  # noqa\n")
    done = subprocess.run([_lint_imports(), "--no-cache"], cwd=work, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(work), "PATH": "/usr/bin:/bin"})
    assert done.returncode != 0
    assert "pipelines.core.upward -> pipelines.cli" in done.stdout


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_only_settings_reads_the_environment():
    readers = []
    for path in _modules():
        if path == PACKAGE / "settings.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") \
                    and isinstance(node.value, ast.Name) and node.value.id == "os":
                readers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert readers == []


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_classes_stay_small(path):
    text = path.read_text()
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            assert node.end_lineno - node.lineno + 1 <= MAX_CLASS_LINES, node.name


def test_dbt_models_stay_small_and_each_folder_has_one_models_file():
    too_long = [str(p.relative_to(MODELS)) for p in MODELS.rglob("*.sql")
                if len(p.read_text().splitlines()) > MAX_MODEL_LINES]
    assert too_long == []
    for folder in {p.parent for p in MODELS.rglob("*.sql")}:
        assert [p.name for p in folder.glob("_*__models.yml")] == [f"_{folder.name}__models.yml"], folder
