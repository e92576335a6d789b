"""PostgreSQL: package, service, port, the standard's settings in the running server, every
database's encoding and locale, a Chinese text through a table."""

from __future__ import annotations

import shlex
from typing import Any

import pytest

from envcheck.verify.support import (
    db_round_trip,
    declared,
    expect,
    expect_in,
    installed_and_running,
    run_ok,
)

ROLE = "postgresql"
PORT = 5432


def psql(host: Any, name: str, sql: str, database: str = "postgres") -> list[list[str]]:
    """Rows of a query run as the postgres user; SQL on standard input, never in an argument."""
    # From /, with English messages: what a failure says must not depend on the host's locale.
    command = (f"cd / && printf '%s' {shlex.quote(sql)} | LC_MESSAGES=C PGCLIENTENCODING=UTF8 runuser -u postgres -- "
               f"psql -XAtq -v ON_ERROR_STOP=1 -F '|' -d {shlex.quote(database)}")
    out = run_ok(host, name, f"psql -d {database}", command)
    return [line.split("|") for line in out.splitlines() if line]


def test_installed_and_running(host: Any, target: Any, rvars: dict[str, Any]) -> None:
    installed_and_running(host, target.name, rvars["postgresql_packages"], rvars["postgresql_service"],
                          PORT)


def test_settings_file(host: Any, target: Any, std: Any) -> None:
    found = run_ok(host, target.name, "conf.d of the cluster",
                   "cat /etc/postgresql/*/main/conf.d/60-envcheck.conf")
    expect_in(target.name, "conf.d/60-envcheck.conf timezone (standard_timezone)",
              f"timezone = '{std.timezone}'", [" ".join(ln.split()) for ln in found.splitlines()])


@pytest.mark.parametrize(("setting", "attribute"), [
    ("server_encoding", "pg_encoding"), ("timezone", "timezone"), ("log_timezone", "timezone"),
    ("max_connections", "pg_max_connections"), ("listen_addresses", "pg_listen_addresses"),
])
def test_server_setting(host: Any, target: Any, std: Any, setting: str, attribute: str) -> None:
    rows = psql(host, target.name, f"SHOW {setting}")
    expect(target.name, f"PostgreSQL {setting} (standard_{attribute})", rows[0][0], str(getattr(std, attribute)))


def test_database_encodings(host: Any, target: Any, std: Any) -> None:
    rows = psql(host, target.name, "SELECT datname, pg_encoding_to_char(encoding), datcollate, datctype "
                                   "FROM pg_database WHERE datallowconn ORDER BY datname")
    for name, encoding, collate, ctype in rows:
        expect(target.name, f"PostgreSQL database {name} encoding (standard_pg_encoding)", encoding, std.pg_encoding)
        expect(target.name, f"PostgreSQL database {name} lc_collate/lc_ctype (standard_pg_locale)",
               (collate, ctype), (std.pg_locale, std.pg_locale))


def test_declared_databases_exist(host: Any, target: Any, rvars: dict[str, Any]) -> None:
    names = {row[0] for row in psql(host, target.name, "SELECT datname FROM pg_database")}
    declared(target.name, "PostgreSQL database (postgresql_databases)", names, rvars.get("postgresql_databases"))


def test_chinese_text_round_trip(host: Any, target: Any, rvars: dict[str, Any]) -> None:
    databases = [d["name"] for d in rvars.get("postgresql_databases") or ()] or ["postgres"]
    db_round_trip(lambda sql, db: psql(host, target.name, sql, db), target.name, databases,
                  "text", "length", "octet_length")
