"""Great Expectations, wrapped by hand (dagster-ge is pinned below GX 1.0), always over pandas
frames: its SQL path through duckdb-engine has known metric bugs.

The suites are plain JSON in git (`expectations/`) and are loaded into an ephemeral context,
because a file context rewrites its own YAML whenever a datasource is registered and the
repository must not change when the pipeline runs. Validation results and the Data Docs site are
written under the home (`quality/`).
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pandas as pd

from ..settings import project_dir, quiet_vendor_telemetry

EXPECTATIONS_DIR = project_dir() / "expectations"
SAMPLE = 10  # offending rows shown in a check's metadata


@dataclass
class ExpectationResult:
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int = 0
    unexpected_sample: list = field(default_factory=list)
    unexpected_index: list = field(default_factory=list)
    observed: object = None


@dataclass
class SuiteResult:
    suite: str
    success: bool
    outcomes: list[ExpectationResult]

    @property
    def failed(self) -> list[ExpectationResult]:
        return [o for o in self.outcomes if not o.success]


_gx_contexts: dict[str, object] = {}
_docs_waiting: dict[str, list] = {}  # home -> stored results whose Data Docs pages wait for one build


@contextmanager
def data_docs_built_once(home: Path) -> Iterator[None]:
    """Validations against `home` inside the block add their Data Docs pages in one build when it
    ends: each build renders the site's index again (0.18 s, seven times a run; issue 15)."""
    key = str(home)
    _docs_waiting[key] = waiting = []
    try:
        yield
    finally:
        del _docs_waiting[key]
    if waiting:
        _context(home).build_data_docs(resource_identifiers=waiting)


def _context(home: Path | None):
    """One ephemeral GX context per home and process; with a home, validation results and Data
    Docs are kept in files under `home/quality`."""
    key = str(home or "")
    if key not in _gx_contexts:
        quiet_vendor_telemetry()
        # GX imports pyspark when it is installed (the `spark` extra), and pyspark warns about
        # pandas 3 on import; GX validates pandas frames here, never Spark ones
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig, InMemoryStoreBackendDefaults, ProgressBarsConfig)

        config = DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
                                   analytics_enabled=False, progress_bars=ProgressBarsConfig(globally=False))
        if home:
            base = Path(home) / "quality"
            config.stores["validation_results_store"] = {
                "class_name": "ValidationResultsStore",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(base / "gx")},
            }
            config.data_docs_sites = {"local_site": {
                "class_name": "SiteBuilder", "show_how_to_buttons": False,
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(base / "data_docs")},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }}
        ctx = gx.get_context(mode="ephemeral", project_config=config)
        asset = ctx.data_sources.add_pandas("frames").add_dataframe_asset("frame")
        asset.add_batch_definition_whole_dataframe("whole")
        _gx_contexts[key] = ctx
    return _gx_contexts[key]


def load_suite(name: str) -> dict:
    path = EXPECTATIONS_DIR / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def validate_frame(frame: pd.DataFrame, suite_name: str, complete: bool = False,
                   home: Path | None = None) -> SuiteResult:
    """Validate a frame against a suite; `complete` returns every offending row index. With a
    home, the result is stored and its Data Docs page added (only its own: rendering every stored
    result again took longer with each run, 0.015 s per result per validation; issue 15), at the
    end of a `data_docs_built_once` block when inside one."""
    ctx = _context(home)
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    suite = ctx.suites.add_or_update(gx.ExpectationSuite(**load_suite(suite_name)))
    batch_def = ctx.data_sources.get("frames").get_asset("frame").get_batch_definition("whole")
    definition = ctx.validation_definitions.add_or_update(
        gx.ValidationDefinition(data=batch_def, suite=suite, name=suite_name))
    run_id = RunIdentifier(run_name=suite_name, run_time=dt.datetime.now(dt.timezone.utc))
    result = definition.run(batch_parameters={"dataframe": frame}, run_id=run_id,
                            result_format="COMPLETE" if complete else "SUMMARY")
    if home:
        stored = [k for k in ctx.validation_results_store.list_keys() if k.run_id == run_id]
        if str(home) in _docs_waiting:
            _docs_waiting[str(home)].extend(stored)
        else:
            ctx.build_data_docs(resource_identifiers=stored)
    outcomes = []
    for r in result.results:
        cfg = r.expectation_config
        res = r.result or {}
        if r.exception_info and r.exception_info.get("raised_exception"):
            outcomes.append(ExpectationResult(cfg.type, cfg.kwargs.get("column"), False,
                                               unexpected_sample=[r.exception_info.get("exception_message")]))
            continue
        outcomes.append(ExpectationResult(
            expectation=cfg.type,
            column=cfg.kwargs.get("column") or cfg.kwargs.get("column_A"),
            success=bool(r.success),
            unexpected_count=int(res.get("unexpected_count") or 0),
            unexpected_sample=list(res.get("partial_unexpected_list") or [])[:SAMPLE],
            unexpected_index=list(res.get("unexpected_index_list") or []) if complete else [],
            observed=res.get("observed_value"),
        ))
    return SuiteResult(suite_name, bool(result.success), outcomes)
