"""One place where SLM Warehouse learns where things live.

Everything else receives a `Settings` (or its paths) or asks a function here; no other module
reads the environment. dbt is the exception by design: it reads `SLM_HOME` through `env_var()` in
its profile and sources, which is why `Settings.export()` puts the resolved home there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .core.events import DEPLOY_FORMATS, INCIDENT_FORMATS, LANDING_FORMATS, PLAUSIBLE_AHEAD, PLAUSIBLE_FROM

DEFAULT_HOME = ".slm"
DEFAULT_SNAPSHOT_RETENTION_DAYS = 2555  # 7 x 365 days: a bucket default of 7 years always covers it
EXPORTED = ("SLM_HOME", "SLM_LANDING", "SLM_CATALOG", "SLM_FORMATS", "SLM_ENGINE", "SLM_SPARK_TABLES",
            "SLM_SPARK_METASTORE", "SLM_PROJECT_DIR")
# Read by the command line's own options (click), named here so every variable is listed in one place.
VERIFY_KEY_ENV = "SLM_VERIFY_KEY"          # the public key `verify` and `pull` check signatures with
LAKE_RETENTION_ENV = "SLM_LAKE_RETENTION_DAYS"  # the default --keep-days of `slm lake prune`
# DuckDB's memory limit and spill folder, for this process's connections and dbt's (its profile
# reads them): past the limit DuckDB spills to the folder instead of failing or taking the machine.
# The limit bounds DuckDB's buffers, not the process: dbt's build under 1 GiB peaked at 1.5 GiB, and
# with the CLI running Dagster (0.54) a 30 M-event run reached 2.09 GiB; under 768 MiB, 1.12 and
# 1.72 GiB in the same time (143 s against 142 s, benchmarks/README.md, issue 15).
ENGINE_MEMORY_ENV, DEFAULT_ENGINE_MEMORY = "SLM_DUCKDB_MEMORY_LIMIT", "768MiB"
ENGINE_TEMP_ENV = "SLM_DUCKDB_TEMP_DIRECTORY"
# Where the dbt project, the GX suites and infra/ are: the source checkout, or where an image put
# them beside an installed wheel (infra/k8s/Dockerfile)
PROJECT_DIR_ENV = "SLM_PROJECT_DIR"
# The executor of Dagster runs launched by the daemon or the UI: Dagster's multiprocess default,
# or one Kubernetes job per step (dagster-k8s). `slm run` always executes in its own process.
EXECUTOR_ENV, EXECUTORS = "SLM_EXECUTOR", ("multiprocess", "k8s")
# The engine dbt builds the warehouse with (the target of dbt_project/profiles.yml, issue 18)
ENGINE_ENV, ENGINES = "SLM_ENGINE", ("duckdb", "spark")
# The lake of record on S3 (issue 18): s3://bucket/prefix; the home's lake is its working copy.
# A writer holds the lake's lease this many minutes at most (a crashed writer's lease lapses).
LAKE_ENV, LAKE_LEASE_ENV, DEFAULT_LAKE_LEASE_MINUTES = "SLM_LAKE", "SLM_LAKE_LEASE_MINUTES", 60
INGEST_WORKERS_ENV = "SLM_INGEST_WORKERS"  # files landed at once (default: one per core)
LANDING_STEPS_ENV = "SLM_LANDING_STEPS"    # a Dagster run's parallel landing steps (default: as many)
# The longest record (a line of a line format, a value of a Parquet file) and the largest JSON
# document (OTLP, Prometheus: parsed whole) ingest reads; longer ones are quarantined unread, so a
# gzip bomb or a file of one endless line costs bounded memory.
RECORD_BYTES_ENV, DEFAULT_RECORD_BYTES = "SLM_MAX_RECORD_BYTES", 2**20
DOCUMENT_BYTES_ENV, DEFAULT_DOCUMENT_BYTES = "SLM_MAX_DOCUMENT_BYTES", 64 * 2**20
# the plausible range of event timestamps: from this day, to now plus this many days
TIMESTAMPS_FROM_ENV, TIMESTAMPS_AHEAD_ENV = "SLM_TIMESTAMPS_FROM", "SLM_TIMESTAMPS_AHEAD_DAYS"
# One planned-materialization event per asset for a run over a range of days, not one per asset and
# day: 54 assets x 30 days cost Dagster's SQLite event log 21 s before the first step (issue 15).
# What Dagster gives up for it: a failed run does not mark each of its days as failed.
# And an asset's materializations of a run's days handed to the event log as one batch
# (orchestration/event_log.py writes it in one transaction per shard): every day keeps its event.
DAGSTER_RANGE_EVENTS = {"DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "true", "DAGSTER_EVENT_BATCH_SIZE": "1000"}


@dataclass(frozen=True)
class Settings:
    home: Path
    landing: str
    catalog: Path
    # landing path prefix -> format, for files whose content does not tell (SLM_FORMATS)
    formats: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def resolve(cls, home: str | os.PathLike, landing: str | None = None,
                catalog: str | os.PathLike | None = None, formats: dict[str, str] | None = None) -> "Settings":
        """Absolute locations; landing and catalog default to folders inside the home."""
        home_path = Path(home).expanduser().resolve()
        landing = landing or str(home_path / "landing")
        if "://" not in landing:
            landing = str(Path(landing).expanduser().resolve())
        catalog_path = Path(catalog or home_path / "catalog").expanduser().resolve()
        return cls(home=home_path, landing=landing, catalog=catalog_path, formats=dict(formats or {}))

    @classmethod
    def from_env(cls, home: str | os.PathLike | None = None, landing: str | None = None,
                 catalog: str | os.PathLike | None = None) -> "Settings":
        """Explicit arguments win over `SLM_HOME` / `SLM_LANDING` / `SLM_CATALOG`."""
        return cls.resolve(
            home or os.environ.get("SLM_HOME") or DEFAULT_HOME,
            landing or os.environ.get("SLM_LANDING") or None,
            catalog or os.environ.get("SLM_CATALOG") or None,
            parse_formats(os.environ.get("SLM_FORMATS", "")),
        )

    def export(self) -> None:
        """Make these the process-wide defaults, so dbt subprocesses and Dagster resources agree."""
        os.environ["SLM_HOME"] = str(self.home)
        os.environ["SLM_LANDING"] = self.landing
        os.environ["SLM_CATALOG"] = str(self.catalog)
        if self.formats:
            os.environ["SLM_FORMATS"] = ";".join(f"{k}={v}" for k, v in self.formats.items())
        os.environ[ENGINE_ENV] = engine()
        os.environ["SLM_SPARK_TABLES"] = str(self.spark_tables)
        os.environ["SLM_SPARK_METASTORE"] = str(self.spark_metastore)
        os.environ[PROJECT_DIR_ENV] = str(project_dir())  # the profile finds Spark's log settings there
        for name, value in {**engine_environment(), **DAGSTER_RANGE_EVENTS}.items():
            os.environ.setdefault(name, value)

    @contextlib.contextmanager
    def exported(self) -> Iterator["Settings"]:
        """`export()` for the duration of a block, then the process's own defaults again (a
        recompute runs the pipeline over a scratch home inside another command)."""
        with _restored(EXPORTED):
            self.export()
            yield self

    # Derived locations: the only place their layout is spelled out.
    @property
    def lake(self) -> Path:
        return self.home / "lake"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def spark_tables(self) -> Path:
        """Where the Spark engine keeps its tables (marts.db/<mart> ...): Parquet on the lake."""
        return self.lake / "tables"

    @property
    def spark_metastore(self) -> Path:
        """The Spark engine's metastore (Derby), which names the tables; one writer at a time."""
        return self.home / "spark" / "metastore"

    @property
    def snapshots(self) -> Path:
        return self.home / "snapshots"

    @property
    def quality(self) -> Path:
        """Check results (checks.jsonl), GX validation results and the Data Docs site."""
        return self.home / "quality"

    @property
    def annotations(self) -> Path:
        """The annotation log (`slm annotate`), appended and never rewritten."""
        return self.home / "annotations"

    @property
    def reviews(self) -> Path:
        """The SLO review log (`slm review`), appended and never rewritten."""
        return self.home / "reviews"

    @property
    def claims(self) -> Path:
        """The vendor claim log and the claim packs (`slm claim`)."""
        return self.home / "claims"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def dbt_runs(self) -> Path:
        """One folder per Dagster run that built dbt, holding its run_results.json (audit evidence)."""
        return self.home / "dbt" / "runs"

    @property
    def dbt_parse_cache(self) -> Path:
        """dbt's partial parse of this home's latest run, handed to the next (see warehouse/assets.py)."""
        return self.home / "dbt" / "partial_parse.msgpack"

    @property
    def dbt_docs(self) -> Path:
        return self.home / "dbt" / "docs"

    @property
    def exports(self) -> Path:
        """The BI releases and the `current` link."""
        return self.home / "exports"

    @property
    def reports(self) -> Path:
        """Where `slm report` writes unless told otherwise."""
        return self.home / "reports"


def parse_formats(text: str) -> dict[str, str]:
    """`SLM_FORMATS="alb/=alb;edge/logs/=access_log"`: landing path prefixes and their format."""
    out = {}
    for item in filter(None, (part.strip() for part in text.split(";"))):
        prefix, sep, fmt = item.partition("=")
        known = LANDING_FORMATS + INCIDENT_FORMATS + DEPLOY_FORMATS
        if not sep or fmt.strip() not in known:
            raise ValueError(f"SLM_FORMATS: {item!r} is not prefix=format with format one of {', '.join(known)}")
        out[prefix.strip()] = fmt.strip()
    return out


def retry_settings() -> tuple[int, float]:
    """How often a failed step is retried and the first delay in seconds (`SLM_RETRIES`, default 2;
    `SLM_RETRY_DELAY_SECONDS`, default 30, doubling each time)."""
    retries, delay = os.environ.get("SLM_RETRIES", "2"), os.environ.get("SLM_RETRY_DELAY_SECONDS", "30")
    try:
        return max(0, int(retries)), max(0.0, float(delay))
    except ValueError:
        raise ValueError(f"SLM_RETRIES must be a whole number and SLM_RETRY_DELAY_SECONDS a number of seconds, "
                         f"got {retries!r} and {delay!r}") from None


def lake_location() -> str | None:
    """`SLM_LAKE`: the lake of record, s3://bucket[/prefix]; unset: the home's lake is the lake."""
    uri = os.environ.get(LAKE_ENV, "").strip() or None
    if uri and not (uri.startswith("s3://") and len(uri) > 5 and not uri.startswith("s3:///")):
        raise ValueError(f"{LAKE_ENV} must be s3://bucket[/prefix], got {uri!r}")
    return uri


def customer_header() -> str | None:
    """`SLM_CUSTOMER_HEADER`: the request header an access log line records its customer in, as
    `x-tenant-id="acme"` (or `http_x_tenant_id=acme`, nginx's variable name); unset: not read."""
    return os.environ.get("SLM_CUSTOMER_HEADER", "").strip() or None


def customer_attribute() -> str | None:
    """`SLM_CUSTOMER_ATTRIBUTE`: the span (else resource) attribute of OTLP traces, or the label of
    a Prometheus series, that names the customer, e.g. `tenant.id`; unset: not read."""
    return os.environ.get("SLM_CUSTOMER_ATTRIBUTE", "").strip() or None


def lake_lease_minutes() -> int:
    """`SLM_LAKE_LEASE_MINUTES`: how long a writer's lease on an S3 lake lasts at most."""
    return _whole(LAKE_LEASE_ENV, DEFAULT_LAKE_LEASE_MINUTES, " of minutes")


def snapshot_store_location() -> str | None:
    """`SLM_SNAPSHOT_STORE`: s3://bucket/prefix (Object Lock) or a folder; unset: under the home."""
    return os.environ.get("SLM_SNAPSHOT_STORE") or None


def snapshot_retention_days() -> int:
    """`SLM_SNAPSHOT_RETENTION_DAYS`: the least COMPLIANCE retention of a snapshot on S3."""
    days = os.environ.get("SLM_SNAPSHOT_RETENTION_DAYS", str(DEFAULT_SNAPSHOT_RETENTION_DAYS))
    if not days.isdigit():
        raise ValueError(f"SLM_SNAPSHOT_RETENTION_DAYS must be a whole number of days, got {days!r}")
    return int(days)


def signing_key() -> Path | None:
    """`SLM_SIGNING_KEY`: the Ed25519 private key that signs manifests."""
    value = os.environ.get("SLM_SIGNING_KEY")
    return Path(value) if value else None


def debug() -> bool:
    """`SLM_DEBUG`: show the traceback behind an unexpected error."""
    return bool(os.environ.get("SLM_DEBUG"))


def engine_environment() -> dict[str, str]:
    """`SLM_DUCKDB_MEMORY_LIMIT` (default 768MiB) and `SLM_DUCKDB_TEMP_DIRECTORY` (default
    `slm-duckdb` in the system's temporary folder), resolved."""
    return {ENGINE_MEMORY_ENV: os.environ.get(ENGINE_MEMORY_ENV) or DEFAULT_ENGINE_MEMORY,
            ENGINE_TEMP_ENV: os.environ.get(ENGINE_TEMP_ENV) or str(Path(tempfile.gettempdir()) / "slm-duckdb")}


@contextlib.contextmanager
def _restored(names: tuple[str, ...]) -> Iterator[None]:
    """The variables `names` as they were before the block, whatever it set or unset."""
    saved = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)


@contextlib.contextmanager
def environment_for_tools(values: dict[str, str | None]) -> Iterator[None]:
    """`values` in this process's environment for a block (None: unset), for a tool that a
    library starts from it (dagster-dbt's dbt inherits it), then as before."""
    with _restored(tuple(values)):
        for name, value in values.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)
        yield


def project_dir() -> Path:
    """`SLM_PROJECT_DIR`: the folder holding dbt_project/, expectations/ and infra/ (default: the
    checkout this package was installed from in editable mode)."""
    value = os.environ.get(PROJECT_DIR_ENV)
    return Path(value).expanduser().resolve() if value else Path(__file__).resolve().parents[1]


def _choice(name: str, choices: tuple[str, ...]) -> str:
    """The variable `name`, one of `choices` (any case; unset: the first)."""
    value = (os.environ.get(name) or choices[0]).strip().lower()
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {os.environ[name]!r}")
    return value


def _whole(name: str, default: int, unit: str = "") -> int:
    """The variable `name`, a whole number of at least 1 (unset: `default`)."""
    value = os.environ.get(name) or str(default)
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a whole number{unit} of at least 1, got {value!r}")
    return int(value)


def executor() -> str:
    """`SLM_EXECUTOR`: `multiprocess` (default) or `k8s`, how a launched run executes its steps."""
    return _choice(EXECUTOR_ENV, EXECUTORS)


def engine() -> str:
    """`SLM_ENGINE`: `duckdb` (default) or `spark`, the engine dbt builds the models with."""
    return _choice(ENGINE_ENV, ENGINES)


def ingest_workers() -> int:
    """`SLM_INGEST_WORKERS`: how many landing files are read at once (default: one per core)."""
    return _whole(INGEST_WORKERS_ENV, os.cpu_count() or 1)


def landing_steps() -> int:
    """`SLM_LANDING_STEPS`: the parallel steps a Dagster run lands new files in (default: as many
    as `ingest_workers()`); on Kubernetes each is a job of its own."""
    return _whole(LANDING_STEPS_ENV, ingest_workers())


def _byte_count(name: str, default: int) -> int:
    return _whole(name, default, " of bytes")


def max_record_bytes() -> int:
    """`SLM_MAX_RECORD_BYTES` (default 1 MiB): a longer line or Parquet value is quarantined unread."""
    return _byte_count(RECORD_BYTES_ENV, DEFAULT_RECORD_BYTES)


def max_document_bytes() -> int:
    """`SLM_MAX_DOCUMENT_BYTES` (default 64 MiB): a larger OTLP or Prometheus JSON document (after
    decompression) is quarantined unread; exporters can rotate their files below it."""
    return _byte_count(DOCUMENT_BYTES_ENV, DEFAULT_DOCUMENT_BYTES)


def plausible_timestamps(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[earliest, latest] (naive UTC) of the event timestamps ingest accepts: `SLM_TIMESTAMPS_FROM`
    (a date, default 1990-01-01) to now plus `SLM_TIMESTAMPS_AHEAD_DAYS` (default 1)."""
    earliest, ahead = PLAUSIBLE_FROM, PLAUSIBLE_AHEAD
    if os.environ.get(TIMESTAMPS_FROM_ENV):
        try:
            earliest = dt.datetime.fromisoformat(os.environ[TIMESTAMPS_FROM_ENV])
        except ValueError:
            raise ValueError(f"{TIMESTAMPS_FROM_ENV} must be a date (YYYY-MM-DD), got {os.environ[TIMESTAMPS_FROM_ENV]!r}") from None
    if os.environ.get(TIMESTAMPS_AHEAD_ENV):
        value = os.environ[TIMESTAMPS_AHEAD_ENV]
        if not value.isdigit():
            raise ValueError(f"{TIMESTAMPS_AHEAD_ENV} must be a whole number of days, got {value!r}")
        ahead = dt.timedelta(days=int(value))
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    return earliest.replace(tzinfo=None), now + ahead


# DuckDB's units of memory (its setting is case-insensitive)
_MEMORY_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
                 "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def engine_config(share: int = 1) -> dict[str, str]:
    """The DuckDB configuration of every connection this project opens for heavy work; `share`
    connections working at once (the landing workers) divide the memory limit between them, so
    together they stay within it."""
    env = engine_environment()
    memory = env[ENGINE_MEMORY_ENV]
    amount = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]+)\s*", memory)
    if share > 1 and amount and amount.group(2).lower() in _MEMORY_UNITS:
        memory = f"{int(float(amount.group(1)) * _MEMORY_UNITS[amount.group(2).lower()] / share)}B"
    return {"memory_limit": memory, "temp_directory": env[ENGINE_TEMP_ENV]}


def tool_environment(**extra: str) -> dict[str, str]:
    """The environment for a tool this project runs as a subprocess (dbt): this process's own,
    with the tool's usage reporting off."""
    return {**os.environ, **engine_environment(), ENGINE_ENV: engine(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            **extra}


def quiet_vendor_telemetry() -> None:
    """Great Expectations reports usage to its vendor unless told not to before it is imported;
    this project never phones home (dbt's and Dagster's are off in their own config files)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
