"""What a build leaves for the next steps of its home: dbt's partial parse for the next run, and,
when it succeeded, its manifest (every node compiled) for the docs site, used only while the
project is the one it was built from; otherwise the site is compiled again by `dbt docs generate`.
A home's first parse is made ahead, while the run lands, and its build starts from it."""

import json

import pytest

from conftest import run_dbt
from pipelines import settings as slm_settings
from pipelines.warehouse import project
from pipelines.warehouse.project import (NO_LOG_FILE, PARTIAL_PARSE, built_manifest, keep_manifest, keep_parse,
                                         parse_ahead, project_fingerprint, reuse_parse)


def test_the_build_manifest_serves_the_docs_only_for_the_project_it_was_built_from(tmp_path):
    cache, target = tmp_path / "dbt" / "partial_parse.msgpack", tmp_path / "dbt" / "runs" / "r1"
    target.mkdir(parents=True)
    assert built_manifest(cache, project_fingerprint()) is None  # a home that never built
    (target / "partial_parse.msgpack").write_bytes(b"parse 1")
    (target / "manifest.json").write_text(json.dumps({"build": 1}))
    keep_parse(target, cache)
    assert cache.read_bytes() == b"parse 1" and built_manifest(cache, project_fingerprint()) is None  # a failed build: parse only
    keep_manifest(target, cache)
    assert built_manifest(cache, project_fingerprint()) == cache.with_name("manifest.json")
    assert json.loads(built_manifest(cache, project_fingerprint()).read_text()) == {"build": 1}
    assert cache.with_name("manifest.sha256").read_text() == project_fingerprint()
    # the project changed since that build (the stamp names another): the docs compile again
    cache.with_name("manifest.sha256").write_text("0" * 64)
    assert built_manifest(cache, project_fingerprint()) is None
    kept = sorted(p.name for p in cache.parent.iterdir())
    assert kept == ["manifest.json", "manifest.sha256", "partial_parse.msgpack", "runs"]


def test_a_homes_first_parse_is_made_ahead_and_its_build_reparses_nothing(tmp_path):
    home = slm_settings.Settings.from_env(home=tmp_path / "home")
    cache, target = home.dbt_parse_cache, tmp_path / "target"
    target.mkdir()
    with home.exported():
        with parse_ahead(cache):
            reuse_parse(cache, target)  # the build's first step waits for the parse ahead
            assert (target / PARTIAL_PARSE).read_bytes() == cache.read_bytes()
        # dbt as the build runs it, with a run's days: the parse fits whole (and no log file is written)
        env = slm_settings.tool_environment(SLM_RUN_MIN_DATE="2026-11-01", SLM_RUN_MAX_DATE="2026-11-02", **NO_LOG_FILE)
    done = run_dbt(["--debug", "parse"], env, tmp_path, timeout=300)
    assert "Partial parsing enabled: 0 files deleted, 0 files added, 0 files changed." in done.stdout
    assert "Unable to do partial parsing" not in done.stdout
    assert not (tmp_path / "logs" / "dbt.log").exists()
    # a home that has its parse starts none: dbt brings it up to date in the build
    kept = cache.stat().st_mtime_ns
    with home.exported(), parse_ahead(cache):
        pass
    assert cache.stat().st_mtime_ns == kept


@pytest.mark.parametrize("dbt", ["false", "/nonexistent/dbt"])  # a dbt that exits 1; none to start
def test_a_parse_ahead_that_fails_leaves_the_build_to_parse(tmp_path, monkeypatch, dbt):
    monkeypatch.setattr(project, "dbt_executable", lambda: dbt)
    cache, target = tmp_path / "home" / "dbt" / PARTIAL_PARSE, tmp_path / "target"
    target.mkdir()
    with parse_ahead(cache):
        reuse_parse(cache, target)
    assert not cache.exists() and not (target / PARTIAL_PARSE).exists()


def test_a_command_that_fails_before_its_build_stops_the_parse_ahead(tmp_path):
    home = slm_settings.Settings.from_env(home=tmp_path / "home")
    with home.exported(), pytest.raises(KeyError):
        with parse_ahead(home.dbt_parse_cache):
            raise KeyError("no telemetry landed")  # at once: the parse has not finished
    assert not home.dbt_parse_cache.exists()  # stopped, not waited for and kept
