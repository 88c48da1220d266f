"""The demo: a deterministic landing zone (`generator`) and its catalog (YAML files in `catalog/`,
the same documents a user would write)."""

from __future__ import annotations

import shutil
from pathlib import Path

from .generator import BAD_LINES, DEMO_DAYS, DEMO_START, SERVICES, generate_landing

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"
LEGACY_CATALOG_FILE = "demo.yaml"  # the one file older versions wrote; it would now repeat every document


def write_catalog(folder: Path) -> Path:
    """Copy the demo catalog's YAML files into `folder`; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / LEGACY_CATALOG_FILE).unlink(missing_ok=True)
    for source in sorted(CATALOG_DIR.glob("*.yaml")):
        shutil.copyfile(source, folder / source.name)
    return folder


__all__ = ["BAD_LINES", "CATALOG_DIR", "DEMO_DAYS", "DEMO_START", "SERVICES", "generate_landing", "write_catalog"]
