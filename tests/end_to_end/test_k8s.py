"""infra/k8s (issue 18): what can be checked without a cluster. The Dockerfile's wheel is the
package as the tests know it, and that wheel, laid out as the image lays it out (the dbt project
and the suites beside it, found through SLM_PROJECT_DIR), prepares the dbt manifest and loads the
definitions; the Helm values, rendered as the chart renders them, and the k8s executor validate
against dagster-k8s' and dagster-postgres' own config schemas."""

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._config import process_config, resolve_to_config_type
from dagster_k8s import K8sRunLauncher, k8s_job_executor
from dagster_postgres import PostgresRunStorage

from pipelines.definitions import build_definitions
from pipelines.settings import EXECUTOR_ENV, PROJECT_DIR_ENV, Settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "infra" / "k8s"


def dockerfile() -> tuple[list[str], list[str]]:
    """The Dockerfile's instructions (continuation lines joined), split at the second FROM: the
    wheel stage and the code-location stage."""
    text = re.sub(r"\\\n\s*", " ", (K8S / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    second = [i for i, line in enumerate(lines) if line.startswith("FROM ")][1]
    return lines[:second], lines[second:]


def _valid(fields: dict, value: dict) -> list[str]:
    result = process_config(resolve_to_config_type(dg.Shape(fields)), value)
    return [] if result.success else [e.message for e in result.errors]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel as the Dockerfile's first stage builds it: its COPY lines into a build folder,
    then its `pip wheel` command."""
    build, _ = dockerfile()
    src = tmp_path_factory.mktemp("docker-src")
    for line in build:
        if line.startswith("COPY "):
            *sources, dest = line.split()[1:]
            for s in sources:
                target = src / s if dest.endswith("/") else src / dest
                (shutil.copytree if (ROOT / s).is_dir() else shutil.copy)(ROOT / s, target)
    [pip_wheel] = [line for line in build if line.startswith("RUN pip wheel")]
    wheels = src / "wheels"
    args = pip_wheel.removeprefix("RUN pip wheel").replace("/wheels", str(wheels)).split()
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", *args], cwd=src,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    [built] = wheels.glob("slm_warehouse-*.whl")
    return built


def test_the_image_wheel_holds_every_module_and_data_file_of_the_package(wheel):
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert wheel.name == f"slm_warehouse-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        metadata = z.read(f"slm_warehouse-{version}.dist-info/METADATA").decode()
    source = {p.relative_to(ROOT).as_posix() for p in (ROOT / "pipelines").rglob("*")
              if p.is_file() and "__pycache__" not in p.parts and p.suffix in (".py", ".json", ".yaml", ".md")}
    assert source and source <= names, sorted(source - names)[:10]
    # the extras the image installs exist, and pin what the tests run with
    assert "Provides-Extra: spark" in metadata and "Provides-Extra: k8s" in metadata


def test_the_image_layout_prepares_the_manifest_and_loads_the_definitions(wheel, tmp_path):
    """The wheel installed alone (no checkout beside it), the project folders copied where the
    Dockerfile copies them: the manifest is prepared at build time and the code location loads."""
    _, image = dockerfile()
    env_line = next(line for line in image if line.startswith("ENV "))
    assert f"{PROJECT_DIR_ENV}=/opt/slm" in env_line
    opt = tmp_path / "opt" / "slm"
    copied = []
    for line in image:
        if line.startswith("COPY ") and "--from" not in line:
            source, dest = line.split()[1:]
            assert dest.startswith("/opt/slm")
            target = opt / Path(dest).relative_to("/opt/slm")
            target.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if (ROOT / source).is_dir() else shutil.copy)(
                ROOT / source, target, **({"ignore": shutil.ignore_patterns("target", "logs")} if (ROOT / source).is_dir() else {}))
            copied.append(source)
    assert {"dbt_project", "expectations", "infra", "constraints.txt"} <= set(copied)
    site = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    [prepare] = [line.removeprefix("RUN ") for line in image if "prepare_manifest" in line]
    script = ("import json, pipelines; " + prepare.split('"', 1)[1].rstrip('"') + "; "
              "from pipelines.definitions import defs; from pipelines.warehouse.project import MANIFEST_PATH; "
              "repo = defs.get_repository_def(); "
              "print(json.dumps({'package': pipelines.__file__, 'manifest': str(MANIFEST_PATH), "
              "'jobs': sorted(j.name for j in repo.get_all_jobs()), "
              "'executor': repo.get_job('slm_daily').executor_def.name, "
              "'schedules': sorted(s.job_name for s in repo.schedule_defs), "
              "'sensors': sorted(s.name for s in repo.sensor_defs)}))")
    env = {**os.environ, "PYTHONPATH": str(site), PROJECT_DIR_ENV: str(opt), "SLM_HOME": str(tmp_path / "home"),
           EXECUTOR_ENV: "k8s"}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["package"].startswith(str(site))  # the wheel, not the checkout
    assert loaded["manifest"] == str(opt / "dbt_project" / "target" / "manifest.json")
    assert (opt / "dbt_project" / "target" / "manifest.json").exists()
    assert {"slm_daily", "slm_snapshot"} <= set(loaded["jobs"])
    assert loaded["schedules"] == ["slm_daily", "slm_snapshot"] and loaded["sensors"] == ["new_landing_files"]
    assert loaded["executor"] == "k8s"


def _render_run_launcher(values: dict) -> dict:
    """What the chart's `dagsterYaml.runLauncher.k8s` template writes into the instance's
    dagster.yaml from `runLauncher.config.k8sRunLauncher` (helm/dagster/templates/helpers/instance/
    _run-launcher.tpl), with the environment references the chart sets on every pod."""
    k = values["runLauncher"]["config"]["k8sRunLauncher"]
    config = {
        "load_incluster_config": k["loadInclusterConfig"],
        "job_namespace": k.get("jobNamespace") or "slm",
        "image_pull_policy": k["imagePullPolicy"],
        "service_account_name": "slm-dagster",
        "dagster_home": {"env": "DAGSTER_HOME"},
        "instance_config_map": {"env": "DAGSTER_K8S_INSTANCE_CONFIG_MAP"},
        "postgres_password_secret": {"env": "DAGSTER_K8S_PG_PASSWORD_SECRET"},
        "env_config_maps": [{"env": "DAGSTER_K8S_PIPELINE_RUN_ENV_CONFIGMAP"},
                            *[c["name"] for c in k.get("envConfigMaps", []) if "name" in c]],
    }
    if k.get("envSecrets"):
        config["env_secrets"] = [s["name"] for s in k["envSecrets"] if "name" in s]
    for helm, instance in (("envVars", "env_vars"), ("volumeMounts", "volume_mounts"), ("volumes", "volumes")):
        if k.get(helm):
            config[instance] = k[helm]
    if k.get("runK8sConfig"):
        config["run_k8s_config"] = {re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower(): value
                                    for key, value in k["runK8sConfig"].items()}
    return config


# set by the chart on every Dagster pod; the instance config refers to them
CHART_ENV = {"DAGSTER_HOME": "/opt/dagster/dagster_home", "DAGSTER_K8S_INSTANCE_CONFIG_MAP": "slm-dagster-instance",
             "DAGSTER_K8S_PG_PASSWORD_SECRET": "slm-postgresql-secret",
             "DAGSTER_K8S_PIPELINE_RUN_ENV_CONFIGMAP": "slm-dagster-pipeline-env", "DAGSTER_PG_PASSWORD": "secret"}


def test_the_helm_values_render_an_instance_that_dagster_k8s_accepts(monkeypatch):
    for name, value in CHART_ENV.items():
        monkeypatch.setenv(name, value)
    values = yaml.safe_load((K8S / "values.yaml").read_text())
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    launcher = _render_run_launcher(values)
    assert _valid(K8sRunLauncher.config_type(), launcher) == []
    # the schema is a real judge: a misspelt field or a wrong type is refused
    assert _valid(K8sRunLauncher.config_type(), {**launcher, "job_namspace": "slm"})
    assert _valid(K8sRunLauncher.config_type(), {**launcher, "env_secrets": "slm-aws"})
    pg = values["postgresql"]
    storage = {"postgres_db": {"username": pg["postgresqlUsername"], "password": {"env": "DAGSTER_PG_PASSWORD"},
                               "hostname": pg["postgresqlHost"] or "slm-postgresql",
                               "db_name": pg["postgresqlDatabase"], "port": pg["service"]["port"]}}
    assert _valid(PostgresRunStorage.config_type(), storage) == []
    # the code location: this image, loaded by module, with the run and step settings it needs
    [deployment] = values["dagster-user-deployments"]["deployments"]
    assert deployment["dagsterApiGrpcArgs"] == ["--module-name", "pipelines.definitions"]
    env = {e["name"]: e["value"] for e in deployment["env"]}
    assert env[EXECUTOR_ENV] == "k8s" and env["SLM_ENGINE"] in ("duckdb", "spark")
    assert "SLM_EXECUTOR=k8s" in values["runLauncher"]["config"]["k8sRunLauncher"]["envVars"]
    assert values["dagsterDaemon"]["enabled"]  # schedules and the sensor


def test_the_definitions_load_with_the_k8s_executor_and_its_config_validates(monkeypatch, tmp_path):
    monkeypatch.setenv(EXECUTOR_ENV, "k8s")
    defs = build_definitions(Settings.resolve(tmp_path / "home"))
    job = defs.resolve_job_def("slm_daily")
    assert job.executor_def is k8s_job_executor
    step_config = {"job_namespace": "slm", "max_concurrent": 2, "env_secrets": ["slm-aws"],
                   "step_k8s_config": {"container_config": {"resources": {"requests": {"cpu": "1"}}}}}
    assert dg.validate_run_config(job, {"execution": {"config": step_config}})
    with pytest.raises(dg.DagsterInvalidConfigError):
        dg.validate_run_config(job, {"execution": {"config": {"max_concurent": 2}}})
    monkeypatch.setenv(EXECUTOR_ENV, "multiprocess")
    assert build_definitions(Settings.resolve(tmp_path / "home")).resolve_job_def("slm_daily").executor_def.name == "multi_or_in_process_executor"
    monkeypatch.setenv(EXECUTOR_ENV, "celery")
    with pytest.raises(ValueError, match="SLM_EXECUTOR must be one of multiprocess, k8s, got 'celery'"):
        build_definitions(Settings.resolve(tmp_path / "home"))
