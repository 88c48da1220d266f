"""What a catalog file may look like (issue 17, item 1): one document, a `---` stream, or one
top-level list of documents (as OpenSLO's Go SDK and oslo write them); YAML of other tools in
the folder is skipped with one note per file; older OpenSLO versions are named, not "unknown"."""

import textwrap

from pipelines.catalog import load_catalog

WORKFLOW = textwrap.dedent("""\
    name: CI
    on: [push]
    jobs:
      test: {runs-on: ubuntu-latest, steps: [{run: make test}]}
    """)
DEPLOYMENT = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec: {replicas: 2}
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec: {ports: [{port: 80}]}
    """)


def test_a_top_level_list_of_documents_reads_like_a_stream(tmp_path, catalog_of):
    import yaml

    stream = catalog_of("web")  # a Service and an SLO, `---` between them
    (tmp_path / "as-list.yaml").write_text(yaml.safe_dump([d for d in yaml.safe_load_all(stream) if d]))
    listed = load_catalog(tmp_path)
    (tmp_path / "as-list.yaml").unlink()
    (tmp_path / "as-stream.yaml").write_text(stream)
    streamed = load_catalog(tmp_path)
    assert listed.ok and streamed.ok, (listed.problems, streamed.problems)
    assert [d.index for d in listed.documents] == [1, 2]
    assert listed.slos == streamed.slos and len(listed.slos) == 1


def test_yaml_of_other_tools_is_skipped_with_one_note_per_file(tmp_path, catalog_of):
    (tmp_path / "catalog.yaml").write_text(catalog_of("web"))
    (tmp_path / ".github-ci.yml").write_text(WORKFLOW)
    (tmp_path / "k8s.yaml").write_text(DEPLOYMENT)
    cat = load_catalog(tmp_path)
    assert cat.ok, cat.problems
    assert cat.notes == [
        ".github-ci.yml: 1 document(s) neither OpenSLO nor slm/v1 (a CI workflow, a Kubernetes manifest, ...): skipped",
        "k8s.yaml: 2 document(s) neither OpenSLO nor slm/v1 (a CI workflow, a Kubernetes manifest, ...): skipped",
    ]
    assert len(cat.slos) == 1


def test_older_openslo_versions_are_named_and_a_missing_api_version_is_required(tmp_path):
    (tmp_path / "old.yaml").write_text(
        "apiVersion: openslo/v1alpha\nkind: SLO\nmetadata: {name: a}\nspec: {}\n---\n"
        "apiVersion: openslo.com/v2alpha\nkind: SLO\nmetadata: {name: b}\nspec: {}\n---\n"
        "kind: SLO\nmetadata: {name: c}\nspec: {}\n")
    problems = [str(p) for p in load_catalog(tmp_path).problems]
    assert problems == [
        "old.yaml:1:13 doc 1 SLO a: apiVersion: openslo/v1alpha documents are not read: this warehouse reads openslo/v1 "
        "(and slm/v1); convert them first (e.g. `oslo convert --to-version openslo/v1`)",
        "old.yaml:6:13 doc 2 SLO b: apiVersion: openslo.com/v2alpha documents are not read: this warehouse reads "
        "openslo/v1 (and slm/v1); convert them first (e.g. `oslo convert --to-version openslo/v1`)",
        "old.yaml:11:1 doc 3 SLO c: apiVersion: required: openslo/v1 or slm/v1",
    ]
