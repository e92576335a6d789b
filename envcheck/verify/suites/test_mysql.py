"""MySQL / MariaDB: packages, service, port, the standard's settings in the running server,
every database's charset and collation, a Chinese text through a table."""

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
    read_file,
    run_ok,
)

ROLE = "mysql"
PORT = 3306
_SYSTEM = ("information_schema", "mysql", "performance_schema", "sys")


def mysql(host: Any, name: str, sql: str, database: str = "") -> list[list[str]]:
    """Rows of a query run as root over the local socket; SQL on standard input."""
    command = (f"printf '%s' {shlex.quote(sql)} | LC_MESSAGES=C mysql --default-character-set=utf8mb4 -N -B "
               f"{shlex.quote(database) if database else ''}")
    out = run_ok(host, name, "mysql", command)
    return [line.split("\t") for line in out.splitlines() if line]


def test_installed_and_running(host: Any, target: Any, rvars: dict[str, Any]) -> None:
    installed_and_running(host, target.name, rvars["mysql_packages"], rvars["mysql_service"],
                          PORT)


def test_settings_file(host: Any, target: Any, std: Any, rvars: dict[str, Any]) -> None:
    path = f"{rvars['mysql_conf_dir']}/60-envcheck.cnf"
    lines = [" ".join(ln.split()) for ln in read_file(host, target.name, path).splitlines()]
    expect_in(target.name, f"{path} character-set-server (standard_mysql_charset)",
              f"character-set-server = {std.mysql_charset}", lines)


@pytest.mark.parametrize(("variable", "attribute"), [
    ("character_set_server", "mysql_charset"), ("collation_server", "mysql_collation"),
    ("time_zone", "timezone"), ("lower_case_table_names", "mysql_lower_case_table_names"),
    ("max_connections", "mysql_max_connections"),
])
def test_server_variable(host: Any, target: Any, std: Any, variable: str, attribute: str) -> None:
    rows = mysql(host, target.name, f"SELECT @@GLOBAL.{variable}")
    expect(target.name, f"MySQL {variable} (standard_{attribute})", rows[0][0], str(getattr(std, attribute)))


def test_database_charsets(host: Any, target: Any, std: Any) -> None:
    rows = mysql(host, target.name, "SELECT schema_name, default_character_set_name, default_collation_name "
                                    "FROM information_schema.schemata ORDER BY schema_name")
    for name, charset, collation in rows:
        if name in _SYSTEM:
            continue
        expect(target.name, f"MySQL database {name} charset/collation (standard_mysql_charset, "
                            "standard_mysql_collation)", (charset, collation), (std.mysql_charset, std.mysql_collation))


def test_declared_databases_exist(host: Any, target: Any, rvars: dict[str, Any]) -> None:
    names = {row[0] for row in mysql(host, target.name, "SHOW DATABASES")}
    declared(target.name, "MySQL database (mysql_databases)", names, rvars.get("mysql_databases"))


def test_chinese_text_round_trip(host: Any, target: Any, rvars: dict[str, Any]) -> None:
    databases = [d["name"] for d in rvars.get("mysql_databases") or ()] or ["mysql"]
    db_round_trip(lambda sql, db: mysql(host, target.name, sql, db), target.name, databases,
                  "VARCHAR(50)", "CHAR_LENGTH", "LENGTH")
