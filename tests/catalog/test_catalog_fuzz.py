"""`slm validate` never raises (issue 17, item 5): Hypothesis feeds it YAML trees built from the
real kinds and their field names, with values of every YAML type in every place."""

import datetime as dt

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.catalog import load_catalog
from pipelines.catalog.model import KNOWN_KINDS
from pipelines.catalog.shapes import SPECS


def field_names(schema) -> set[str]:
    """Every field name the shapes know, at any depth."""
    if isinstance(schema, dict):
        names = set(schema.get("properties", {}))
        return names.union(*(field_names(v) for v in schema.values()))
    if isinstance(schema, list):
        return set().union(*(field_names(v) for v in schema))
    return set()


FIELDS = sorted(field_names(SPECS) | {"filter", "field", "measure", "slm/valid-from"})
scalars = (st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats() | st.text(max_size=12)
           | st.sampled_from(["web", "28d", "1M", "0d", "lt", "gte", "status_code < 500", "Occurrences",
                              "Timeslices", "UTC", "2026-10-01", "USD", "maintenance", "2026-13-45"])
           | st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)))
trees = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), inner, max_size=4),
                     max_leaves=25)
names = st.sampled_from(["web", "a", "web-availability", "h-ok", ""]) | st.text(max_size=8) | scalars
documents = st.fixed_dictionaries({
    "apiVersion": st.sampled_from(sorted(KNOWN_KINDS) + ["openslo/v1alpha", "apps/v1"]) | scalars,
    "kind": st.sampled_from(sorted(set().union(*KNOWN_KINDS.values()))) | scalars,
    "metadata": st.fixed_dictionaries({"name": names}, optional={"annotations": trees, "displayName": scalars})
                | trees,
    "spec": st.dictionaries(st.sampled_from(FIELDS), trees, max_size=8) | trees,
})
SERVICE = {"apiVersion": "openslo/v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {}}


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(docs=st.lists(documents, min_size=1, max_size=4))
def test_validate_reports_or_accepts_any_tree_of_the_real_kinds_never_raises(tmp_path_factory, docs):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "catalog.yaml").write_text(yaml.safe_dump_all([SERVICE, *docs], sort_keys=False))
    cat = load_catalog(folder)  # the assertion: it returns
    for p in cat.problems:
        assert p.file == "catalog.yaml" and p.doc >= 1 and p.message, p
        assert "None" not in p.message and "unhashable" not in p.message and "object has no" not in p.message, p
