"""`dagster dev` over a home the CLI has run in: the UI's GraphQL API shows the assets, checks,
schedules and the CLI's run, and a partition launched from it materializes."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        payload = json.load(resp)
    assert "errors" not in payload, payload["errors"]
    return payload["data"]


@pytest.fixture
def dagster_dev(scenario_run, tmp_path):
    settings, outcome, _ = scenario_run
    port = free_port()
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}", "SLM_HOME": str(settings.home),
           "SLM_LANDING": settings.landing, "SLM_CATALOG": str(settings.catalog),
           "DAGSTER_HOME": str(settings.dagster_home)}
    # dagster dev and its run workers log to stderr: into a file, never an undrained pipe (a full
    # pipe blocks the run worker that writes to it, and the run never finishes)
    log = open(tmp_path / "dagster-dev.log", "wb")
    proc = subprocess.Popen([str(bin_dir / "dagster"), "dev", "-h", "127.0.0.1", "-p", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    pytest.fail(f"dagster dev did not start: {(tmp_path / 'dagster-dev.log').read_text()[-2000:]}")
                time.sleep(1)
        # the code location loads in the background: wait for the repository
        while not graphql(port, "{ repositoriesOrError { ... on RepositoryConnection { nodes { name } } } }")[
                "repositoriesOrError"].get("nodes"):
            assert time.time() < deadline, "the code location did not load"
            time.sleep(1)
        yield port, outcome
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def test_the_ui_shows_the_pipeline_and_materializes_a_partition(dagster_dev):
    port, cli_outcome = dagster_dev
    data = graphql(port, """{
        assetNodes { assetKey { path } hasAssetChecks }
        repositoriesOrError { ... on RepositoryConnection { nodes { name location { name }
            schedules { name cronSchedule } jobs { name } } } }
        runsOrError { ... on Runs { results { runId status } } }
    }""")
    keys = {"/".join(a["assetKey"]["path"]) for a in data["assetNodes"]}
    assert {"landed_events", "catalog/slos", "marts/fct_sli_daily", "marts/fct_sla_compliance", "audit_snapshot"} <= keys
    assert {"/".join(a["assetKey"]["path"]) for a in data["assetNodes"] if a["hasAssetChecks"]} >= {
        "landed_events", "marts/fct_telemetry_gaps", "marts/fct_telemetry_volume", "marts/fct_sli_daily"}
    [repo] = data["repositoriesOrError"]["nodes"]
    assert {(s["name"], s["cronSchedule"]) for s in repo["schedules"]} == {
        ("slm_daily_schedule", "30 0 * * *"), ("slm_snapshot_schedule", "0 6 2 * *")}
    # the run `slm run` made is in the same instance
    assert {r["runId"]: r["status"] for r in data["runsOrError"]["results"]}[cli_outcome.run_id] == "SUCCESS"

    launched = graphql(port, """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
        __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }""", {"params": {
        "selector": {"repositoryLocationName": repo["location"]["name"], "repositoryName": repo["name"],
                     "jobName": "slm_daily"},
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": "2026-10-02"}]},
    }})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    deadline, status = time.time() + 420, None
    while time.time() < deadline:
        status = graphql(port, "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }",
                         {"id": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(2)
    assert status == "SUCCESS"
