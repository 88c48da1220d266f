"""The `slm` command line: `app` holds the group and how failures look; each module adds its
commands (`pipeline`, `snapshots`, `lake`, `annotate`, `review`, `claim`); `runner` runs the Dagster jobs in process."""

from . import annotate, claim, lake, pipeline, review, snapshots  # noqa: F401  (each registers its commands on `main`)
from .app import main

__all__ = ["main"]
