"""One place where SLM Warehouse learns where things live.

Everything else receives a `Settings` (or its paths); nothing below this module reads the
environment. dbt is the exception by design: it reads `SLM_HOME` through `env_var()` in its
profile and sources, which is why `Settings.export()` puts the resolved home there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_HOME = ".slm"


@dataclass(frozen=True)
class Settings:
    home: Path
    landing: str
    catalog: Path
    # landing path prefix -> format, for files whose content does not tell (SLM_FORMATS)
    formats: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def resolve(cls, home: str | os.PathLike, landing: str | None = None,
                catalog: str | os.PathLike | None = None, formats: dict[str, str] | None = None) -> "Settings":
        """Absolute locations; landing and catalog default to folders inside the home."""
        home_path = Path(home).expanduser().resolve()
        landing = landing or str(home_path / "landing")
        if "://" not in landing:
            landing = str(Path(landing).expanduser().resolve())
        catalog_path = Path(catalog or home_path / "catalog").expanduser().resolve()
        return cls(home=home_path, landing=landing, catalog=catalog_path, formats=dict(formats or {}))

    @classmethod
    def from_env(cls, home: str | os.PathLike | None = None, landing: str | None = None,
                 catalog: str | os.PathLike | None = None) -> "Settings":
        """Explicit arguments win over `SLM_HOME` / `SLM_LANDING` / `SLM_CATALOG`."""
        return cls.resolve(
            home or os.environ.get("SLM_HOME") or DEFAULT_HOME,
            landing or os.environ.get("SLM_LANDING") or None,
            catalog or os.environ.get("SLM_CATALOG") or None,
            parse_formats(os.environ.get("SLM_FORMATS", "")),
        )

    def export(self) -> None:
        """Make these the process-wide defaults, so dbt subprocesses and Dagster resources agree."""
        os.environ["SLM_HOME"] = str(self.home)
        os.environ["SLM_LANDING"] = self.landing
        os.environ["SLM_CATALOG"] = str(self.catalog)
        if self.formats:
            os.environ["SLM_FORMATS"] = ";".join(f"{k}={v}" for k, v in self.formats.items())

    # Derived locations: the only place their layout is spelled out.
    @property
    def lake(self) -> Path:
        return self.home / "lake"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def snapshots(self) -> Path:
        return self.home / "snapshots"

    @property
    def quality(self) -> Path:
        """Check results (checks.jsonl), GX validation results and the Data Docs site."""
        return self.home / "quality"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"


def parse_formats(text: str) -> dict[str, str]:
    """`SLM_FORMATS="alb/=alb;edge/logs/=access_log"`: landing path prefixes and their format."""
    from .ingest import FORMATS

    out = {}
    for item in filter(None, (part.strip() for part in text.split(";"))):
        prefix, sep, fmt = item.partition("=")
        if not sep or fmt.strip() not in FORMATS:
            raise ValueError(f"SLM_FORMATS: {item!r} is not prefix=format with format one of {', '.join(FORMATS)}")
        out[prefix.strip()] = fmt.strip()
    return out


def retry_settings() -> tuple[int, float]:
    """How often a failed step is retried and the first delay in seconds (`SLM_RETRIES`, default 2;
    `SLM_RETRY_DELAY_SECONDS`, default 30, doubling each time)."""
    retries, delay = os.environ.get("SLM_RETRIES", "2"), os.environ.get("SLM_RETRY_DELAY_SECONDS", "30")
    try:
        return max(0, int(retries)), max(0.0, float(delay))
    except ValueError:
        raise ValueError(f"SLM_RETRIES must be a whole number and SLM_RETRY_DELAY_SECONDS a number of seconds, "
                         f"got {retries!r} and {delay!r}") from None
