"""The dbt project as the rest of the code sees it: where it is, how to run its dbt, and what its
manifest says about the marts (which exist, which month a row belongs to, which are frozen in
audit snapshots) and its vars. Facts about the marts live in the dbt project's YAML, not here.

`@dbt_assets` reads the manifest when its module is imported, and the manifest must never be
parsed at import time in production, so the CLI and the tests call `prepare_manifest()` first.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from ..core.storage import exclusive_lock
from ..settings import project_dir, tool_environment

DBT_PROJECT_DIR = project_dir() / "dbt_project"
TARGET_DIR = DBT_PROJECT_DIR / "target"
MANIFEST_PATH = TARGET_DIR / "manifest.json"
PARSE_LOCK = TARGET_DIR / ".parse.lock"
MARTS_FOLDER = "marts"
# A run's days, half-open [min, max): in dbt's environment (read by the macro slm_run_window), and
# as {"min_date", "max_date"} ({} for every day) in this file beside the run's run_results.json.
RUN_WINDOW_ENV = ("SLM_RUN_MIN_DATE", "SLM_RUN_MAX_DATE")
RUN_WINDOW_FILE = "window.json"
# For the pipeline's own dbt commands: no log file. At its default level, debug, it is every event
# and SQL statement (5 MiB a build, whatever the data), and writing it cost 2 s of a 15 s build
# (issue 15); nothing read it. What a run shows and keeps is dbt's output, read by dagster-dbt.
NO_LOG_FILE = {"DBT_LOG_LEVEL_FILE": "none"}


class ProjectError(Exception):
    pass


def dbt_executable() -> str:
    """The dbt installed beside this interpreter, so an unactivated virtualenv works too."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def _project_files() -> list[Path]:
    """Every file dbt reads to compile the project: models, macros and YAML (not its outputs)."""
    return sorted(p for p in DBT_PROJECT_DIR.rglob("*") if p.suffix in (".sql", ".yml", ".yaml")
                  and "target" not in p.parts and "logs" not in p.parts)


def prepare_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than any project file. Under a
    lock: processes that find it stale together (the test workers, two `slm` commands after an
    upgrade) parse one after the other, and none reads a manifest another is writing."""
    with exclusive_lock(PARSE_LOCK):
        if MANIFEST_PATH.exists() and all(p.stat().st_mtime <= MANIFEST_PATH.stat().st_mtime
                                          for p in _project_files()):
            return MANIFEST_PATH
        done = subprocess.run(_parse_command(TARGET_DIR), env=tool_environment(), capture_output=True, text=True)
    if done.returncode != 0:
        raise ProjectError(f"dbt parse failed: {(done.stdout + done.stderr).strip()[-2000:]}")
    _manifest.cache_clear()
    return MANIFEST_PATH


def _parse_command(target: Path | str) -> list[str]:
    """`dbt parse` of the project, its manifest and partial parse written into `target`."""
    return [dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target)]


@functools.lru_cache(maxsize=1)
def _manifest() -> dict:
    if not MANIFEST_PATH.exists():
        prepare_manifest()
    with exclusive_lock(PARSE_LOCK):
        return json.loads(MANIFEST_PATH.read_text())


@dataclass(frozen=True)
class Mart:
    name: str
    period_column: str | None  # the column that places a row in a month, if any
    snapshot: dict | None      # how an audit snapshot selects its rows; None: not frozen
    # the columns its YAML documents, in order, with their `data_type` (None where not given)
    columns: tuple[tuple[str, str | None], ...] = ()
    incremental: bool = False  # replaced day by day (on Spark: a table partitioned by day)

    @property
    def asset_key(self) -> list[str]:
        return [MARTS_FOLDER, self.name]


def marts() -> list[Mart]:
    """Every model under models/marts, by name, with its `meta` (see models/marts/*/_*__models.yml)."""
    out = []
    for node in _manifest()["nodes"].values():
        if node["resource_type"] == "model" and node["fqn"][1] == MARTS_FOLDER:
            meta = node.get("config", {}).get("meta") or {}
            columns = tuple((name, col.get("data_type")) for name, col in node.get("columns", {}).items())
            out.append(Mart(node["name"], meta.get("period_column"), meta.get("snapshot"), columns,
                            node["config"].get("materialized") == "incremental"))
    return sorted(out, key=lambda m: m.name)


def mart(name: str) -> Mart:
    for m in marts():
        if m.name == name:
            return m
    raise ProjectError(f"no mart named {name!r} in the dbt project")


def project_fingerprint() -> str:
    """A hash of every file dbt reads to compile the project (models, macros, YAML): what is built
    from the project alone, like the docs site, needs rebuilding only when this changes."""
    h = hashlib.sha256()
    for path in _project_files():
        h.update(path.relative_to(DBT_PROJECT_DIR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def built_nodes() -> int:
    """Models and data tests in the project: what a full `dbt build` reports on."""
    return sum(1 for n in _manifest()["nodes"].values() if n["resource_type"] in ("model", "test"))


def project_var(name: str) -> Any:
    """A var of dbt_project.yml: the one place such a setting is written."""
    doc = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    try:
        return doc["vars"][name]
    except KeyError:
        raise ProjectError(f"dbt_project.yml has no var {name!r}") from None


PARTIAL_PARSE = "partial_parse.msgpack"
BUILT_MANIFEST, BUILT_STAMP = "manifest.json", "manifest.sha256"


def reuse_parse(cache: Path, target: Path) -> None:
    """Start dbt from this home's previous parse, so it re-parses only the files that changed
    (a full parse: 4.5 s). Left alone, dagster-dbt copies the project's own, parsed for no home in
    particular: the warehouse's path is part of what dbt compares, so that one always meant a full
    parse. dbt checks the file itself and parses everything again if it no longer fits. A parse
    started ahead for this home (`parse_ahead`) is waited for first."""
    _collect_parse(cache)
    if cache.exists():
        shutil.copy2(cache, target / PARTIAL_PARSE)


@dataclass
class _ParseAhead:
    process: subprocess.Popen
    target: tempfile.TemporaryDirectory


_PARSES_AHEAD: dict[Path, _ParseAhead] = {}


@contextlib.contextmanager
def parse_ahead(cache: Path) -> Iterator[None]:
    """A home's first build parses the whole project (4.5 s of one core, issue 15): for a home
    without a parse, start that parse now, in a process of its own, while the command does what
    comes before the build (landing, the catalog, the landed-events checks: mostly one core), and
    keep it as the home's parse for `reuse_parse`. A home that has one needs nothing: dbt brings
    it up to date itself. Run with the environment the build gets; if it fails, or fits no
    longer, the build parses as before. On the way out the parse is waited for (and kept), or
    stopped when the command fails before its build: no dbt outlives the command."""
    if cache.exists() or cache in _PARSES_AHEAD:
        yield
        return
    target = tempfile.TemporaryDirectory(prefix="slm-dbt-parse-")
    try:
        process = subprocess.Popen(_parse_command(target.name), env=tool_environment(**NO_LOG_FILE),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:  # no dbt to start: the build says so, with its own error
        target.cleanup()
        yield
        return
    _PARSES_AHEAD[cache] = _ParseAhead(process, target)
    try:
        yield
    except BaseException:
        if cache in _PARSES_AHEAD:
            _PARSES_AHEAD[cache].process.kill()
        raise
    finally:
        _collect_parse(cache)


def _collect_parse(cache: Path) -> None:
    ahead = _PARSES_AHEAD.pop(cache, None)
    if ahead is None:
        return
    with ahead.target:
        if ahead.process.wait() == 0:
            cache.parent.mkdir(parents=True, exist_ok=True)
            _keep(Path(ahead.target.name) / PARTIAL_PARSE, cache)


def keep_parse(target: Path, cache: Path) -> None:
    """After a build, failed or not: its partial parse, for the next run (`reuse_parse`)."""
    _keep(target / PARTIAL_PARSE, cache)


def keep_manifest(target: Path, cache: Path) -> None:
    """After a build that succeeded: its manifest, every model and test compiled, for the docs
    site (`built_manifest`), stamped with the project it was built from (a failed build's
    manifest lacks the nodes it never reached)."""
    (target / BUILT_STAMP).write_text(project_fingerprint())
    _keep(target / BUILT_MANIFEST, cache.with_name(BUILT_MANIFEST))
    _keep(target / BUILT_STAMP, cache.with_name(BUILT_STAMP))


def _keep(made: Path, kept: Path) -> None:
    if made.exists():
        staged = kept.with_name(kept.name + ".tmp")
        shutil.copy2(made, staged)
        staged.replace(kept)


def built_manifest(cache: Path, fingerprint: str) -> Path | None:
    """The manifest of this home's latest build when it was built from the project as it is now
    (`fingerprint`: project_fingerprint()): what `dbt docs generate` would compile again (2.8 s of
    the 5.5 s it takes)."""
    manifest, stamp = cache.with_name(BUILT_MANIFEST), cache.with_name(BUILT_STAMP)
    if manifest.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return manifest
    return None
