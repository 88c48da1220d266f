"""What resolving one catalog shares across kinds: the documents by kind and name, where problems
and notes go, and what one kind leaves for another (the SLOs naming each AlertPolicy)."""

from __future__ import annotations

import datetime as dt

from ..model import VALID_FROM_ANNOTATION, Catalog, Document
from ..values import parse_date, shown


class Resolution:
    def __init__(self, cat: Catalog):
        self.cat = cat
        self.by_kind: dict[str, dict[str, Document]] = {}
        self.slo_alert_policies: list[tuple[str, str]] = []  # (SLO document, AlertPolicy name)
        self.alert_rows: list[dict] = []                      # conditions, by AlertPolicy
        self.sli_sources: dict[str, dict | None] = {}         # SLI name -> what it counts (None: it has problems)
        self.conditions: dict[str, dict | None] = {}          # AlertCondition name -> its row (None: it has problems)
        self.components: dict[str, str] = {}                  # status page component (lower case) -> Service

    def problem(self, doc: Document, path: str, message: str) -> None:
        """Something that makes the catalog unusable: `slm validate` lists it, runs refuse. A place
        the document's checks already reported (`load._checked`) is not reported twice."""
        if not doc.already_reported(path):
            self.cat.problems.append(doc.problem(path, message))

    def note(self, doc: Document, path: str, message: str) -> None:
        """Valid, but not computed here: listed, never fails a run."""
        self.cat.notes.append(doc.problem(path, message))

    def named(self, kind: str) -> list[Document]:
        """The documents of a kind to resolve, in catalog order: those of their kind's shape (the
        others are reported), the badly named and duplicate ones included for their own problems."""
        return [d for d in self.cat.documents if d.kind == kind and not d.malformed]

    def valid_from(self, doc: Document) -> dt.date | None:
        """The day a changed definition takes effect (`metadata.annotations["slm/valid-from"]`):
        SLOs and recurring exclusions are versioned alike (`export.update_versions`)."""
        annotations = (doc.body.get("metadata") or {}).get("annotations") or {}
        value = annotations.get(VALID_FROM_ANNOTATION) if isinstance(annotations, dict) else None
        if value is None:
            return None
        day = parse_date(value)
        if day is None:
            self.problem(doc, f"metadata.annotations.{VALID_FROM_ANNOTATION}", f"must be a date YYYY-MM-DD, got {shown(value)}")
        return day
