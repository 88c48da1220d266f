"""What a build leaves for the next steps of its home: dbt's partial parse for the next run, and,
when it succeeded, its manifest (every node compiled) for the docs site, used only while the
project is the one it was built from; otherwise the site is compiled again by `dbt docs generate`."""

import json

from pipelines.warehouse.project import built_manifest, keep_manifest, keep_parse, project_fingerprint


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
