"""The check catalogue. Importing this package registers every fact and check."""

from __future__ import annotations

import importlib

from envcheck.checks.registry import CHECKS, FACTS, FLEET_CHECKS, Check, Fact, FleetCheck

# One module per area; each registers its facts and checks when imported.
AREAS = ("time", "locale", "mysql", "postgresql", "tomcat", "nginx", "apache", "resources", "network",
         "app", "appconfig", "endpoint", "proxy", "packages", "fleet")

_loaded = False


def load_catalogue() -> None:
    global _loaded
    if _loaded:
        return
    for area in AREAS:
        try:
            importlib.import_module(f"envcheck.checks.{area}")
        except ModuleNotFoundError as exc:
            if exc.name != f"envcheck.checks.{area}":
                raise
    _loaded = True


__all__ = ["CHECKS", "FACTS", "FLEET_CHECKS", "Check", "Fact", "FleetCheck", "load_catalogue"]
