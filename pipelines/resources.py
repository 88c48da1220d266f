"""Dagster resources: how assets receive settings (never by reading the environment themselves)."""


import dagster as dg

from .settings import Settings, parse_formats


class SlmResource(dg.ConfigurableResource):
    """Where the home, landing zone and catalog are. Built from SLM_HOME / SLM_LANDING / SLM_CATALOG."""

    home: str
    landing: str = ""
    catalog: str = ""
    formats: str = ""  # SLM_FORMATS syntax: "prefix=format;..."

    def settings(self) -> Settings:
        return Settings.resolve(self.home, self.landing or None, self.catalog or None, parse_formats(self.formats))
