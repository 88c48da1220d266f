"""sqlfluff over every model, with the dbt templater (dbt_project/.sqlfluff): the SQL linted is
the SQL dbt runs, so the scenario's warehouse supplies what the models read at compile time."""

import os
import subprocess
import sys
from pathlib import Path

from pipelines.warehouse.project import DBT_PROJECT_DIR


def test_every_model_passes_sqlfluff(scenario_run):
    settings, _, _ = scenario_run
    sqlfluff = Path(sys.executable).parent / "sqlfluff"
    done = subprocess.run([str(sqlfluff), "lint", "models", "--processes", "1"],
                          cwd=DBT_PROJECT_DIR, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "SLM_HOME": str(settings.home), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})
    failing = [line for line in done.stdout.splitlines() if line.startswith(("== [", "L:"))]
    assert done.returncode == 0, "\n".join(failing[:40]) or done.stderr[-2000:]
    assert "All Finished" in done.stdout
    assert sum(1 for _ in (DBT_PROJECT_DIR / "models").rglob("*.sql")) > 40  # it saw the models
