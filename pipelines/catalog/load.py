"""Reading a catalog folder: every *.yaml / *.yml below it, each document checked for its
apiVersion, kind and name, then resolved into rows."""

from __future__ import annotations

from pathlib import Path

import yaml

from .model import KNOWN_KINDS, NAME_RE, OPENSLO, SLM, Catalog, CatalogError, Document, Problem
from .resolve import resolve
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
            bodies = load_documents(path.read_text(encoding="utf-8"))
        except RecursionError:
            cat.problems.append(Problem(rel, 0, "", "", "", "not valid YAML: nested too deeply"))
            continue
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" (line {mark.line + 1})" if mark is not None else ""
            cat.problems.append(Problem(rel, 0, "", "", "", f"not valid YAML{line}: {getattr(exc, 'problem', exc)}"))
            continue
        for i, body in enumerate(bodies, start=1):
            if body is None:
                continue
            if not isinstance(body, dict):
                cat.problems.append(Problem(rel, i, "", "", "", "a document must be a mapping"))
                continue
            doc = Document(rel, i, body)
            api, kind = body.get("apiVersion"), doc.kind
            if api not in KNOWN_KINDS:
                cat.problems.append(Problem(rel, i, kind, doc.name, "apiVersion", f"unknown apiVersion {api!r} (expected {OPENSLO} or {SLM})"))
                continue
            if kind not in KNOWN_KINDS[api]:
                cat.problems.append(Problem(rel, i, kind, doc.name, "kind", f"unknown kind {kind!r} for {api}"))
                continue
            if not doc.name:
                cat.problems.append(Problem(rel, i, kind, "", "metadata.name", "required"))
                continue
            if not NAME_RE.fullmatch(doc.name):
                cat.problems.append(Problem(rel, i, kind, doc.name, "metadata.name",
                                            "must be lowercase letters, digits, '-' or '.' (RFC 1123), at most 63 characters"))
                continue
            cat.documents.append(doc)
    resolve(cat)
    return cat


def require_catalog(root: str | Path) -> Catalog:
    cat = load_catalog(root)
    if not cat.ok:
        raise CatalogError(cat.problems)
    return cat
