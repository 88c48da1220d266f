"""openslo/v1 Service documents -> a row each, and the status page components that name them."""

from __future__ import annotations

from ...core.hashing import canonical_hash
from ..model import COMPONENTS_ANNOTATION, Document
from ..values import shown
from .context import Resolution


def service(ctx: Resolution, doc: Document) -> None:
    ctx.cat.services.append({
        "service_name": doc.name,
        "display_name": (doc.body.get("metadata") or {}).get("displayName") or doc.name,
        "description": doc.spec.get("description") or "",
        "definition_hash": canonical_hash(doc.body),
    })
    annotations = (doc.body.get("metadata") or {}).get("annotations") or {}
    value = annotations.get(COMPONENTS_ANNOTATION) if isinstance(annotations, dict) else None
    if value is None:
        return
    where = f"metadata.annotations.{COMPONENTS_ANNOTATION}"
    names = [n.strip() for n in value.split(";") if n.strip()] if isinstance(value, str) else []
    if not names:
        ctx.problem(doc, where, f"must be component names separated by ';', got {shown(value)}")
        return
    for name in names:
        other = ctx.components.setdefault(name.lower(), doc.name)
        if other != doc.name:
            ctx.problem(doc, where, f"component {shown(name)} already names Service {shown(other)}")
            continue
        ctx.cat.service_components.append({"component": name, "service_name": doc.name})
