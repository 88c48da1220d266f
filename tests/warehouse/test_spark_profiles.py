"""The Spark connection profiles (issue 18): the local session of dbt_project/profiles.yml and the
cluster examples of infra/spark/profiles.example.yml are what dbt-spark accepts (its own
credentials schema), and each sets the session's time zone rather than taking the cluster's."""

import os
from pathlib import Path

import jinja2
import pytest
import yaml
from dbt.adapters.spark.connections import SparkCredentials

from pipelines.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
NOT_CREDENTIALS = {"type", "threads"}


def rendered(path: Path, **environ: str) -> dict:
    """The profile file as dbt renders it in `environ`; a variable unset and without a default
    renders as <NAME>."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    text = env.from_string(path.read_text()).render(env_var=lambda name, default=None: environ.get(name, default or f"<{name}>"))
    return yaml.safe_load(text)["slm_warehouse"]


@pytest.mark.parametrize("path, output", [
    ("dbt_project/profiles.yml", "spark"),
    ("infra/spark/profiles.example.yml", "spark"),
])
def test_spark_outputs_are_valid_dbt_spark_credentials_with_a_utc_session(path, output):
    profile = rendered(ROOT / path)
    out = profile["outputs"][output]
    assert out["type"] == "spark"
    SparkCredentials.validate({k: v for k, v in out.items() if k not in NOT_CREDENTIALS})
    assert out["server_side_parameters"]["spark.sql.session.timeZone"] == "UTC"
    # the schema is a real judge
    with pytest.raises(Exception, match="not one of"):
        SparkCredentials.validate({**{k: v for k, v in out.items() if k not in NOT_CREDENTIALS}, "method": "thirft"})


def test_the_local_session_keeps_its_tables_and_metastore_in_the_home(tmp_path, monkeypatch):
    monkeypatch.delenv("SLM_ENGINE", raising=False)
    settings = Settings.resolve(tmp_path / "home")
    with settings.exported():
        environ = {k: os.environ[k] for k in ("SLM_HOME", "SLM_SPARK_TABLES", "SLM_SPARK_METASTORE", "SLM_ENGINE",
                                              "SLM_PROJECT_DIR")}
    profile = rendered(ROOT / "dbt_project/profiles.yml", **environ)
    assert profile["target"] == environ["SLM_ENGINE"] == "duckdb"
    session = profile["outputs"]["spark"]
    params = session["server_side_parameters"]
    assert session["method"] == "session"
    assert params["spark.sql.warehouse.dir"] == str(settings.spark_tables) == str(tmp_path / "home" / "lake" / "tables")
    assert f"databaseName={settings.spark_metastore};" in params["spark.hadoop.javax.jdo.option.ConnectionURL"]
    # Spark's own log settings (errors only) are a file that exists
    log_config = params["spark.driver.extraJavaOptions"].split("-Dlog4j2.configurationFile=")[1].split()[0]
    assert Path(log_config) == ROOT / "infra" / "spark" / "log4j2.properties" and Path(log_config).is_file()
    # dbt run by hand from dbt_project/, without the settings exported: the same places
    by_hand = rendered(ROOT / "dbt_project/profiles.yml", SLM_HOME=str(settings.home))["outputs"]["spark"]
    assert {k: v for k, v in by_hand["server_side_parameters"].items() if k != "spark.driver.extraJavaOptions"} == {
        k: v for k, v in params.items() if k != "spark.driver.extraJavaOptions"}
    assert "-Dlog4j2.configurationFile=../infra/spark/log4j2.properties" in by_hand["server_side_parameters"]["spark.driver.extraJavaOptions"]


def test_the_databricks_example_sets_utc_and_plain_parquet_is_explained():
    example = rendered(ROOT / "infra/spark/profiles.example.yml")["outputs"]["databricks"]
    assert example["type"] == "databricks" and example["session_properties"]["timezone"] == "UTC"
    assert "file_format: parquet" in (ROOT / "infra/spark/profiles.example.yml").read_text()
