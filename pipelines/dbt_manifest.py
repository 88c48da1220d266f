"""Where the dbt project is, and its manifest, prepared before the dbt assets are defined.

`@dbt_assets` reads the manifest when its module is imported, and the manifest must never be
parsed at import time in production, so the CLI and the tests call `prepare_manifest()` first;
under `dagster dev` it is prepared here (what `DbtProject.prepare_if_dev()` does, but with the
dbt found beside this interpreter rather than only on PATH).
"""

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.dbt_project import using_dagster_dev

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable() -> str:
    """The dbt installed beside this interpreter, so an unactivated virtualenv works too."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())


def prepare_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than any project file."""
    manifest = dbt_project.manifest_path
    sources = [p for p in DBT_PROJECT_DIR.rglob("*") if p.suffix in (".sql", ".yml", ".yaml")
               and "target" not in p.parts and "logs" not in p.parts]
    if manifest.exists() and all(p.stat().st_mtime <= manifest.stat().st_mtime for p in sources):
        return manifest
    dbt_resource().cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()
    return manifest


if using_dagster_dev():
    prepare_manifest()
