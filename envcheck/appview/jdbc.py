"""JDBC URLs as the drivers read them, and what their options ask of a session (pure).

MySQL Connector/J / MariaDB: serverTimezone (connectionTimeZone since 8.0.23), characterEncoding,
useUnicode, forceConnectionTimeZoneToSession; PostgreSQL's pgjdbc: options=-c TimeZone=...
(and -c client_encoding=...), stringtype; Oracle thin URLs are read for host and service."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote

_URL = re.compile(
    r"^jdbc:(?P<engine>mysql|mariadb|postgresql|oracle:thin)(?::[a-z]+)?:(?://|@//|@)"
    r"(?P<hosts>[^/?;]*)(?:[/:](?P<db>[^?;]*))?(?:[?;](?P<query>.*))?$", re.IGNORECASE)
ENGINE_OF = {"mysql": "mysql", "mariadb": "mysql", "postgresql": "postgresql", "oracle:thin": "oracle"}
DEFAULT_PORT = {"mysql": 3306, "postgresql": 5432, "oracle": 1521}
# Java charset names Connector/J takes in characterEncoding -> MySQL character sets.
_MYSQL_CHARSETS = {"utf-8": "utf8mb4", "utf8": "utf8mb4", "gbk": "gbk", "gb2312": "gb2312", "gb18030": "gb18030",
                   "iso-8859-1": "latin1", "latin1": "latin1", "cp1252": "latin1"}


@dataclass(frozen=True)
class JdbcUrl:
    engine: str  # mysql | postgresql | oracle
    host: str
    port: int
    database: str
    params: dict[str, str] = field(default_factory=dict)

    def param(self, *names: str) -> str | None:
        low = {k.lower(): v for k, v in self.params.items()}
        return next((low[n.lower()] for n in names if n.lower() in low), None)

    @property
    def time_zone(self) -> str | None:
        """The zone the URL asks for (None: the driver's default)."""
        if self.engine == "postgresql":
            return pg_option(self.param("options") or "", "TimeZone")
        return self.param("connectionTimeZone", "serverTimezone")

    @property
    def charset(self) -> str | None:
        if self.engine == "postgresql":
            return pg_option(self.param("options") or "", "client_encoding")
        return self.param("characterEncoding")

    def session_time_zone(self) -> str | None:
        """The zone the driver SETs in the session, if any: pgjdbc's options=-c TimeZone; for
        Connector/J only with forceConnectionTimeZoneToSession=true (otherwise it only converts)."""
        if self.engine == "postgresql":
            return self.time_zone
        force = (self.param("forceConnectionTimeZoneToSession") or "").lower() == "true"
        return self.time_zone if force else None

    def mysql_charset(self) -> str | None:
        name = self.charset
        return _MYSQL_CHARSETS.get(name.lower(), name.lower()) if name else None


def parse(url: str) -> JdbcUrl | None:
    m = _URL.match(url.strip())
    if not m:
        return None
    engine = ENGINE_OF[m.group("engine").lower()]
    first = (m.group("hosts") or "").split(",")[0]
    db = m.group("db") or ""
    if engine == "oracle" and first.count(":") == 2:  # host:port:SID
        first, _, db = first.rpartition(":")
    host, port = first, DEFAULT_PORT[engine]
    if first.startswith("["):
        host, _, rest = first[1:].partition("]")
        port = int(rest[1:]) if rest[1:].isdigit() else port
    elif ":" in first:
        host, _, p = first.partition(":")
        port = int(p) if p.isdigit() else port
    query = m.group("query") or ""
    sep = ";" if ";" in query and "&" not in query else "&"
    params = dict(parse_qsl(query.replace(sep, "&"), keep_blank_values=True)) if query else {}
    return JdbcUrl(engine, host, port, unquote(db), params)


def pg_option(options: str, name: str) -> str | None:
    """A setting of a libpq/pgjdbc `options` value: "-c TimeZone=UTC -c x=y" or "-cTimeZone=UTC"."""
    for m in re.finditer(r"-c\s*([A-Za-z_.]+)=(\S+)", unquote(options)):
        if m.group(1).lower() == name.lower():
            return m.group(2)
    return None
