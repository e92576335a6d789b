"""The application's declared view, from the inventory (standard_app_* variables, documented
in playbooks/roles/standard/defaults/main.yml): its datasources and its partner endpoints.

A datasource's password comes from the environment variable its `password_env` names, or from
its `password` (an Ansible Vault value or a lookup, templated by the inventory): it is kept out
of every repr, every command record and every piece of evidence."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

ENGINES = {"postgresql": 5432, "mysql": 3306}
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class DeclarationError(ValueError):
    """An app_* entry that cannot be used (the standard turns it into a BadInput)."""


@dataclass(frozen=True)
class Datasource:
    name: str
    engine: str  # postgresql | mysql
    host: str
    port: int
    database: str
    user: str
    password_env: str | None = None
    password: str | None = field(default=None, repr=False, compare=False)  # never printed
    jdbc_url: str | None = None

    def secret(self) -> str | None:
        """The password, read when the session opens (never kept by envcheck)."""
        if self.password_env:
            return os.environ.get(self.password_env)
        return self.password

    def public(self) -> dict[str, Any]:
        """What may be written down: everything but the password."""
        out: dict[str, Any] = {"name": self.name, "engine": self.engine, "host": self.host, "port": self.port,
                               "database": self.database, "user": self.user}
        if self.password_env:
            out["password_env"] = self.password_env
        if self.jdbc_url:
            out["jdbc_url"] = self.jdbc_url
        return out

    def declaration(self) -> dict[str, Any]:
        """As the inventory declares it (what a fixture's context records): no password."""
        return self.public()


@dataclass(frozen=True)
class Endpoint:
    name: str
    host: str
    port: int
    scheme: str  # https | http | tcp
    path: str = "/"
    expect_status: int | None = None  # None: any status below 500
    min_cert_days: int = 30
    ca_file: str | None = None  # a CA bundle on the host; default: the host's own bundle

    @property
    def url(self) -> str | None:
        if self.scheme == "tcp":
            return None
        default = 443 if self.scheme == "https" else 80
        port = "" if self.port == default else f":{self.port}"
        return f"{self.scheme}://{self.host}{port}{self.path}"

    def declaration(self) -> dict[str, Any]:
        """As the inventory declares it (what a fixture's context records)."""
        where: dict[str, Any] = {"url": self.url} if self.url else {"host": self.host, "port": self.port}
        optional = {"expect_status": self.expect_status, "ca_file": self.ca_file}
        return {"name": self.name, **where, "min_cert_days": self.min_cert_days,
                **{k: v for k, v in optional.items() if v is not None}}


def datasources(value: Any) -> tuple[Datasource, ...]:
    return tuple(_datasource(i, v) for i, v in enumerate(_entries(value, "app_datasources")))


def endpoints(value: Any) -> tuple[Endpoint, ...]:
    return tuple(_endpoint(i, v) for i, v in enumerate(_entries(value, "app_endpoints")))


def _entries(value: Any, what: str) -> list[Mapping[str, Any]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, Mapping) for v in value):
        raise DeclarationError(f"{what} is a list of mappings")
    return list(value)


def _name(entry: Mapping[str, Any], index: int) -> str:
    name = str(entry.get("name") or "")
    if not _NAME.match(name):
        raise DeclarationError(f"entry {index + 1}: name {name!r} is letters, digits, _ . - (1-64)")
    return name


def _port(value: Any, default: int) -> int:
    port = int(value) if value not in (None, "") else default
    if not 0 < port < 65536:
        raise DeclarationError(f"port {port} is not 1-65535")
    return port


def _datasource(index: int, e: Mapping[str, Any]) -> Datasource:
    name = _name(e, index)
    engine = str(e.get("engine") or "").lower()
    if engine not in ENGINES:
        raise DeclarationError(f"datasource {name}: engine {engine!r} is postgresql or mysql")
    for key in ("host", "database", "user"):
        if not e.get(key):
            raise DeclarationError(f"datasource {name}: {key} is missing")
    env = e.get("password_env")
    if env is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(env)):
        raise DeclarationError(f"datasource {name}: password_env {env!r} is not a variable name")
    return Datasource(name, engine, str(e["host"]), _port(e.get("port"), ENGINES[engine]), str(e["database"]),
                      str(e["user"]), str(env) if env else None,
                      str(e["password"]) if e.get("password") not in (None, "") else None,
                      str(e["jdbc_url"]) if e.get("jdbc_url") else None)


def _endpoint(index: int, e: Mapping[str, Any]) -> Endpoint:
    name = _name(e, index)
    url = str(e.get("url") or "")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DeclarationError(f"endpoint {name}: url {url!r} is http(s)://host[:port]/path")
        scheme, host = parts.scheme, parts.hostname
        port = _port(parts.port, 443 if scheme == "https" else 80)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    else:
        if not e.get("host") or not e.get("port"):
            raise DeclarationError(f"endpoint {name}: give url, or host and port")
        scheme, host, port, path = "tcp", str(e["host"]), _port(e["port"], 0), "/"
    if not re.fullmatch(r"[A-Za-z0-9.:_-]+", host):
        raise DeclarationError(f"endpoint {name}: host {host!r} is not a host name or address")
    status: Any = e.get("expect_status")
    days: Any = e.get("min_cert_days")
    ca = e.get("ca_file")
    return Endpoint(name, host, port, scheme, path, int(status) if status not in (None, "") else None,
                    int(days) if days not in (None, "") else 30, str(ca) if ca else None)
