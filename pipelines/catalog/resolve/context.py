"""What resolving one catalog shares across kinds: the documents by kind and name, where problems
and notes go, and what one kind leaves for another (the SLOs naming each AlertPolicy)."""

from __future__ import annotations

from ..model import Catalog, Document, Problem


class Resolution:
    def __init__(self, cat: Catalog):
        self.cat = cat
        self.by_kind: dict[str, dict[str, Document]] = {}
        self.slo_alert_policies: list[tuple[str, str]] = []  # (SLO document, AlertPolicy name)
        self.alert_rows: list[dict] = []                      # conditions, by AlertPolicy

    def problem(self, doc: Document, path: str, message: str) -> None:
        """Something that makes the catalog unusable: `slm validate` lists it, runs refuse."""
        self.cat.problems.append(Problem(doc.file, doc.index, doc.kind, doc.name, path, message))

    def note(self, doc: Document, path: str, message: str) -> None:
        """Valid, but not computed here: listed, never fails a run."""
        self.cat.notes.append(Problem(doc.file, doc.index, doc.kind, doc.name, path, message))

    def named(self, kind: str) -> dict[str, Document]:
        return self.by_kind.get(kind, {})
