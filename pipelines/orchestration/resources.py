"""Dagster resources: how assets receive settings (never by reading the environment themselves)."""

import dagster as dg

from ..settings import Settings, parse_formats


class SlmLocations(dg.ConfigurableResource):
    """Where the home, landing zone and catalog are (the resource `slm`): what an asset needs
    to build its `Settings`. Built from SLM_HOME / SLM_LANDING / SLM_CATALOG."""

    home: str
    landing: str = ""
    catalog: str = ""
    formats: str = ""  # SLM_FORMATS syntax: "prefix=format;..."

    @classmethod
    def of(cls, settings: Settings) -> "SlmLocations":
        return cls(home=str(settings.home), landing=settings.landing, catalog=str(settings.catalog),
                   formats=";".join(f"{k}={v}" for k, v in settings.formats.items()))

    def settings(self) -> Settings:
        return Settings.resolve(self.home, self.landing or None, self.catalog or None, parse_formats(self.formats))
