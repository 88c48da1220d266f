"""SLOs as code: OpenSLO v1 plus our slm/v1 kinds, loaded, checked and exported for dbt."""

from .load import load_catalog, require_catalog
from .model import Catalog, CatalogError, Problem

__all__ = ["Catalog", "CatalogError", "Problem", "load_catalog", "require_catalog"]
