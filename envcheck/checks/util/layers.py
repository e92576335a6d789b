"""Where a setting a database session gets comes from: the layer to name when it is wrong (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from envcheck.model import Text

PER_DATABASE = Text("per-database setting (ALTER DATABASE ... SET / the database's own defaults)",
                    "数据库级设置(ALTER DATABASE ... SET / 数据库自身默认值)")
PER_ROLE = Text("per-role setting (ALTER ROLE ... SET)", "角色级设置(ALTER ROLE ... SET)")
PER_ROLE_DATABASE = Text("per-role setting in this database (ALTER ROLE ... IN DATABASE ... SET)",
                         "角色在该数据库中的设置(ALTER ROLE ... IN DATABASE ... SET)")
SERVER = Text("server default (postgresql.conf / my.cnf [mysqld] / SET GLOBAL)",
              "服务器默认值(postgresql.conf / my.cnf [mysqld] / SET GLOBAL)")
INIT_CONNECT = Text("server init_connect (run for every non-admin session)",
                    "服务器 init_connect(对每个非管理员会话执行)")
CLIENT = Text("client option (JDBC URL options / PGOPTIONS / PGTZ on the client)",
              "客户端选项(JDBC URL 的 options / 客户端的 PGOPTIONS、PGTZ)")
DRIVER = Text("driver option or default (JDBC URL: characterEncoding, connectionTimeZone)",
              "驱动选项或默认值(JDBC URL:characterEncoding、connectionTimeZone)")
SESSION = Text("set in the session", "会话中设置")
OPTION_FILE = Text("client option file on the host", "主机上的客户端选项文件")

_PG_SOURCES = {"database": PER_DATABASE, "user": PER_ROLE, "database user": PER_ROLE_DATABASE,
               "client": CLIENT, "session": SESSION, "environment variable": SERVER,
               "configuration file": SERVER, "default": SERVER, "command line": SERVER, "override": SERVER}


def pg_layer(source: str) -> Text:
    """pg_settings.source as the layer an engineer changes."""
    return _PG_SOURCES.get(source, Text(source, source))


def mysql_layer(name: str, values: Mapping[str, Any], session: Mapping[str, Any]) -> Text:
    """The layer of MySQL session variable `name`: a session value unlike the global one came from
    init_connect or from the driver; else the server's default."""
    var = values.get(name) or {}
    if var.get("session") != var.get("global"):
        if name in str(session.get("init_connect") or "") or (
                name.startswith("character_set") and "names" in str(session.get("init_connect") or "").lower()):
            return INIT_CONNECT
        return DRIVER
    return SERVER


def join(parts: list[tuple[str, Text]]) -> Text:
    """'what: layer; what: layer' in both languages."""
    return Text("; ".join(f"{w} [{t.en}]" for w, t in parts), ";".join(f"{w} [{t.zh}]" for w, t in parts))
