"""Reading a catalog folder: every *.yaml / *.yml below it, each document checked for its
apiVersion, kind and name, then resolved into rows."""

from __future__ import annotations

from pathlib import Path

import yaml

from .model import KNOWN_KINDS, OPENSLO, SLM, Catalog, CatalogError, Document, Problem
from .openslo_rules import rule_problems
from .resolve import resolve
from .shapes import shape_problems
from .values import shown
from .yaml_loader import load_documents


def load_catalog(root: str | Path) -> Catalog:
    """Read every *.yaml / *.yml below `root` (recursively) and resolve it into tables."""
    root = Path(root)
    cat = Catalog(root=root)
    if not root.exists():
        cat.problems.append(Problem(str(root), 0, "", "", "", "catalog folder does not exist"))
        return cat
    named = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml"))
    files = [p for p in named if p.is_file()]
    for folder in (p for p in named if not p.is_file()):
        cat.notes.append(f"{folder.relative_to(root)} is a folder, not a file: skipped")
    if not files:
        cat.problems.append(Problem(str(root), 0, "", "", "", "no .yaml or .yml files found"))
    for path in files:
        rel = str(path.relative_to(root)) if root.is_dir() else path.name
        try:
            loaded = load_documents(path.read_text(encoding="utf-8"))
        except RecursionError:
            cat.problems.append(Problem(rel, 0, "", "", "", "not valid YAML: nested too deeply"))
            continue
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            mark = getattr(exc, "problem_mark", None)
            at = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
            cat.problems.append(Problem(rel, 0, "", "", "", f"not valid YAML: {getattr(exc, 'problem', exc)}", *at))
            continue
        foreign = 0
        for i, (body, node) in enumerate(_documents(loaded), start=1):
            if body is None:
                continue
            doc = Document(rel, i, body if isinstance(body, dict) else {}, node)
            if not isinstance(body, dict):
                cat.problems.append(doc.problem("", "a document must be a mapping"))
                continue
            api, kind = body.get("apiVersion"), doc.kind
            if _foreign(api, kind):
                foreign += 1
                continue
            if not isinstance(api, str) or api not in KNOWN_KINDS:
                cat.problems.append(doc.problem("apiVersion", _unread_version(api)))
                continue
            if not isinstance(body.get("kind"), str) or kind not in KNOWN_KINDS[api]:
                cat.problems.append(doc.problem("kind", f"unknown kind {shown(body.get('kind'))} for {api}"))
                continue
            cat.problems += _checked(doc)
            cat.documents.append(doc)
        if foreign:
            cat.notes.append(f"{rel}: {foreign} document(s) neither OpenSLO nor {SLM} (a CI workflow, a Kubernetes "
                             f"manifest, ...): skipped")
    resolve(cat)
    return cat


def _checked(doc: Document) -> list[Problem]:
    """Its name, its kind's shape (`shapes`: a document not of it is `malformed`, not resolved) and,
    for OpenSLO, the spec's rules (`openslo_rules`), each fault once: a place already reported is
    not reported again by a later check (`Document.reported`), nor by the resolvers."""
    found = []
    # A bad name is reported, and the rest of the document is still checked and resolved (nothing
    # can refer to it).
    if not doc.name:
        found.append(doc.problem("metadata.name", "required"))
    elif not doc.well_named:
        found.append(doc.problem(
            "metadata.name", "must be lowercase letters, digits, '-' or '.' (RFC 1123), at most 63 characters"))
    shape = [doc.problem(path, message) for path, message in shape_problems(doc.kind, doc.body)]
    doc.malformed = bool(shape)
    found += shape
    doc.reported.update(p.path for p in found)
    if doc.body.get("apiVersion") == OPENSLO:
        for path, message in rule_problems(doc.kind, doc.body):
            if not doc.already_reported(path):
                found.append(doc.problem(path, message))
        doc.reported.update(p.path for p in found)
    return sorted(found, key=lambda p: (p.line, p.column))


def _documents(loaded: list[tuple[object, yaml.Node]]) -> list[tuple[object, yaml.Node]]:
    """The documents of a YAML stream with their nodes: each `---` document, and each item of a
    document that is a list (OpenSLO's Go SDK and oslo write a file as one list of documents)."""
    out = []
    for body, node in loaded:
        if isinstance(body, list) and isinstance(node, yaml.SequenceNode):
            out += list(zip(body, node.value))
        else:
            out.append((body, node))
    return out


def _foreign(api, kind) -> bool:
    """A document of another tool: its apiVersion names neither OpenSLO nor slm (or it has none
    and a kind that is not ours)."""
    if isinstance(api, str):
        return not api.lower().startswith(("openslo", "slm"))
    return api is None and kind not in set().union(*KNOWN_KINDS.values())


def _unread_version(api) -> str:
    if isinstance(api, str) and api.startswith(("openslo/v1alpha", "openslo.com/v2alpha", "openslo/v2")):
        return (f"{api} documents are not read: this warehouse reads {OPENSLO} (and {SLM}); "
                f"convert them first (e.g. `oslo convert --to-version {OPENSLO}`)")
    if api is None:
        return f"required: {OPENSLO} or {SLM}"
    return f"unknown apiVersion {shown(api)} (expected {OPENSLO} or {SLM})"


def require_catalog(root: str | Path) -> Catalog:
    cat = load_catalog(root)
    if not cat.ok:
        raise CatalogError(cat.problems)
    return cat
