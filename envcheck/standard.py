"""The site standard: expected values, read from inventory variables.

The documented defaults are the `standard` role's defaults file, the very file the
playbooks use, so the value a playbook sets and the value a check expects cannot drift.
"""

from __future__ import annotations

import codecs
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from envcheck.appview import declared
from envcheck.appview.declared import Datasource, DeclarationError, Endpoint
from envcheck.errors import BadInput, words
from envcheck.model import Text
from envcheck.paths import PLAYBOOK_DIR

DEFAULTS_FILE = PLAYBOOK_DIR / "roles" / "standard" / "defaults" / "main.yml"
PREFIX = "standard_"
_LOCALE_RE = re.compile(r"^[A-Za-z]{1,3}(_[A-Za-z]{2})?(\.[A-Za-z0-9-]+)?(@\w+)?$|^C(\.UTF-8)?$|^POSIX$")


@dataclass(frozen=True)
class Tier:
    source: str  # inventory group the connection starts from
    target: str  # inventory group it must reach
    ports: tuple[int, ...]


@dataclass(frozen=True)
class Standard:
    timezone: str
    ntp_servers: tuple[str, ...]
    max_clock_offset_ms: float
    locale: str
    locales_required: tuple[str, ...]
    charset: str
    mysql_charset: str
    mysql_collation: str
    mysql_lower_case_table_names: int
    mysql_max_connections: int
    pg_encoding: str
    pg_locale: str
    pg_max_connections: int
    pg_listen_addresses: str
    tomcat_uri_encoding: str
    tomcat_heap_percent: int
    http_client_max_body_size: str
    nofile: int
    nproc: int
    vm_swappiness: int
    net_core_somaxconn: int
    transparent_hugepage: str
    min_free_disk_percent: float
    min_free_inodes_percent: float
    min_memory_mb: int
    disk_paths: tuple[str, ...]
    services: tuple[str, ...]
    ports: tuple[int, ...]
    tiers: tuple[Tier, ...]
    service_user: str
    peer_sample: int = 16  # peers a host probes in a large fleet (envcheck.checks.util.sample); 0: all
    # The application's view (envcheck.checks.app): what its sessions, configs and partners get.
    app_datasources: tuple[Datasource, ...] = ()
    app_configs: tuple[str, ...] = ()
    app_endpoints: tuple[Endpoint, ...] = ()
    app_health_urls: tuple[str, ...] = ()

    @classmethod
    def from_vars(cls, host_vars: Mapping[str, Any], source: Text | str | None = None) -> Standard:
        """Build the standard for one host from its variables over the defaults, validated;
        `source` names where they come from in an error (host_source)."""
        source = source or words("error.source_inventory")
        merged = {**load_defaults(), **{k: v for k, v in host_vars.items() if k.startswith(PREFIX)}}
        values: dict[str, Any] = {}
        for f in fields(cls):
            key = PREFIX + f.name
            if key not in merged:
                raise BadInput.of("error.std_missing", source=source, key=key, defaults=DEFAULTS_FILE)
            values[f.name] = _convert(f.name, merged[key], source)
        std = cls(**values)
        std.validate(source)
        return std

    def validate(self, source: Text | str) -> None:
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise BadInput.of("error.std_timezone", source=source, value=repr(self.timezone)) from exc
        for name in (self.locale, *self.locales_required):
            if not _LOCALE_RE.match(name):
                raise BadInput.of("error.std_locale", source=source, value=repr(name))
        try:
            codecs.lookup(self.charset)
        except LookupError as exc:
            raise BadInput.of("error.std_charset", source=source, value=repr(self.charset)) from exc
        if not re.fullmatch(r"[a-z0-9]+", self.mysql_charset):
            raise BadInput.of("error.std_mysql_charset", source=source, value=repr(self.mysql_charset))
        if not self.mysql_collation.startswith(self.mysql_charset + "_"):
            raise BadInput.of("error.std_collation", source=source, value=repr(self.mysql_collation),
                              charset=repr(self.mysql_charset))
        if self.transparent_hugepage not in ("never", "madvise", "always"):
            raise BadInput.of("error.std_thp", source=source)


def _convert(name: str, value: Any, source: Text | str) -> Any:
    try:
        if name == "tiers":
            return tuple(
                Tier(str(t["from"]), str(t["to"]), tuple(int(p) for p in t.get("ports", ())))
                for t in value or ()
            )
        if name == "app_datasources":
            return declared.datasources(value)
        if name == "app_endpoints":
            return declared.endpoints(value)
        if name in ("ntp_servers", "locales_required", "disk_paths", "services", "app_configs", "app_health_urls"):
            if isinstance(value, str):
                value = [value]
            return tuple(str(v) for v in value or ())
        if name == "ports":
            return tuple(int(p) for p in value or ())
        if name in ("max_clock_offset_ms", "min_free_disk_percent", "min_free_inodes_percent"):
            return float(value)
        if name in (
            "mysql_lower_case_table_names", "mysql_max_connections", "pg_max_connections",
            "tomcat_heap_percent", "nofile", "nproc", "vm_swappiness", "net_core_somaxconn",
            "min_memory_mb", "peer_sample",
        ):
            return int(value)
        return str(value)
    except DeclarationError as exc:
        raise BadInput.of("error.std_declaration", source=source, name=PREFIX + name, error=str(exc)) from exc
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        shown = words("error.std_secret_value") if name == "app_datasources" else repr(value)  # may hold a password
        raise BadInput.of("error.std_value", source=source, name=PREFIX + name, value=shown) from exc


def host_source(host: str) -> Text:
    """Where a host's standard_* values come from, as an error names it."""
    return words("error.source_host", host=host)


_defaults: dict[str, Any] | None = None


def load_defaults() -> dict[str, Any]:
    global _defaults
    if _defaults is None:
        _defaults = _read_defaults()
    return _defaults


def _read_defaults() -> dict[str, Any]:
    try:
        # libyaml's parser where PyYAML has it: a tenth of the pure-Python one's CPU.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(Path(DEFAULTS_FILE).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (a safe loader)
    except (OSError, yaml.YAMLError) as exc:
        raise BadInput.of("error.std_defaults_unreadable", path=DEFAULTS_FILE, error=exc) from exc
    if not isinstance(data, dict):
        raise BadInput.of("error.std_defaults_shape", path=DEFAULTS_FILE)
    return data
