"""PostgreSQL: encodings (SQL_ASCII flagged), each database's collate/ctype, time zones,
connections and listen addresses. Read as the postgres user over the local socket."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from envcheck.checks.registry import Remediation, absent, check, fact
from envcheck.checks.util.common import bad, norm_locale, ok, sections
from envcheck.model import FactError, Outcome, ProbeOutput, Severity, Status
from envcheck.standard import Standard

DEPLOY_PG = Remediation("database", ("postgresql",))
_SETTINGS = (
    "server_encoding",
    "TimeZone",
    "log_timezone",
    "max_connections",
    "listen_addresses",
    "server_version",
    "lc_collate",
    "lc_ctype",
)

# Run only where a server binary is (present=_SERVER; elsewhere the probe reads ABSENT).
_SERVER = "ecany /usr/lib/postgresql/*/bin/postgres /usr/pgsql-*/bin/postgres /usr/bin/postgres"
_PG_COMMAND = (
    "cd / && P() { if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- psql -XAtq -F '|' \"$@\"; "
    'else su postgres -s /bin/sh -c \'psql -XAtq -F "|" "$@"\' -- sh "$@"; fi; }\n'
    "echo '== settings =='\n"
    'P -c "SELECT name, setting FROM pg_settings WHERE name IN ('
    + ", ".join(f"'{s}'" for s in _SETTINGS)
    + ')" || exit 3\n'
    "echo '== databases =='\n"
    'P -c "SELECT datname, pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database '
    "WHERE datname <> 'template0'\"\n"
)


@fact("postgresql.settings", _PG_COMMAND, sudo=True, timeout=20,
      present=_SERVER)
def parse_pg(out: ProbeOutput) -> Any:
    """PostgreSQL, asked with psql as the postgres user over the local socket: pg_settings (server_encoding,
    TimeZone, log_timezone, max_connections, listen_addresses, lc_collate, lc_ctype) and each database's
    encoding, collate and ctype."""
    if out.stdout.strip() == "ABSENT":
        return absent("no PostgreSQL server on this host", "本机未安装 PostgreSQL 服务")
    parts = sections(out.stdout)
    if out.rc != 0 or not parts.get("settings", "").strip():
        return FactError(f"PostgreSQL is installed but does not answer: {out.stderr.strip()[:300]}")
    settings: dict[str, Any] = {}
    for line in parts["settings"].splitlines():
        name, _, value = line.partition("|")
        settings[name] = value
    settings["databases"] = {}
    for line in parts.get("databases", "").splitlines():
        cols = line.split("|")
        if len(cols) == 4:
            settings["databases"][cols[0]] = {"encoding": cols[1], "collate": cols[2], "ctype": cols[3]}
    return settings


@check(
    "postgresql.server_encoding",
    title=("Server encoding is the standard (not SQL_ASCII)", "服务器编码符合标准(不是 SQL_ASCII)"),
    fix=(
        "A cluster created under the C locale is SQL_ASCII and stores Chinese as raw bytes: "
        "generate the locale, then recreate the cluster with initdb -E UTF8 --locale=<locale> "
        "(pg_createcluster --encoding UTF8 --locale ...) and reload the dump.",
        "在 C 语言环境下创建的集群为 SQL_ASCII,中文按原始字节存储:先生成语言环境,再用 "
        "initdb -E UTF8 --locale=<语言环境>(或 pg_createcluster)重建集群并导入备份。",
    ),
    severity=Severity.CRITICAL,
    facts=["postgresql.settings"],
    remediation=DEPLOY_PG,
)
def server_encoding(f: Mapping[str, Any], std: Standard) -> Outcome:
    found = f["postgresql.settings"].get("server_encoding")
    if found == std.pg_encoding:
        return ok(found, std.pg_encoding, f"server_encoding = {found}", f"server_encoding = {found}")
    return bad(
        found,
        std.pg_encoding,
        f"server_encoding is {found}, expected {std.pg_encoding}",
        f"server_encoding 为 {found},应为 {std.pg_encoding}",
    )


@check(
    "postgresql.database_encodings",
    title=("Every database has the standard encoding, collate and ctype", "所有数据库的编码、排序和字符分类符合标准"),
    fix=(
        "CREATE DATABASE ... ENCODING 'UTF8' LC_COLLATE '<locale>' LC_CTYPE '<locale>' TEMPLATE template0, "
        "then move the data (pg_dump | psql).",
        "用 CREATE DATABASE ... ENCODING 'UTF8' LC_COLLATE '<语言环境>' LC_CTYPE '<语言环境>' TEMPLATE template0 "
        "新建数据库并迁移数据(pg_dump | psql)。",
    ),
    severity=Severity.CRITICAL,
    facts=["postgresql.settings"],
    remediation=DEPLOY_PG,
)
def database_encodings(f: Mapping[str, Any], std: Standard) -> Outcome:
    dbs = f["postgresql.settings"]["databases"]
    want = norm_locale(std.pg_locale)
    wrong = {
        d: f"{x['encoding']}/{x['collate']}/{x['ctype']}"
        for d, x in dbs.items()
        if x["encoding"] != std.pg_encoding or norm_locale(x["collate"]) != want or norm_locale(x["ctype"]) != want
    }
    expected = f"{std.pg_encoding}/{std.pg_locale}/{std.pg_locale}"
    if not wrong:
        return ok(sorted(dbs), expected, "databases as standard", "数据库均符合标准")
    return bad(wrong, expected, f"databases off the standard: {wrong}", f"不符合标准的数据库:{wrong}")


@check(
    "postgresql.timezone",
    title=("timezone and log_timezone are the standard zone", "timezone 和 log_timezone 符合标准"),
    fix=(
        "Set `timezone` and `log_timezone` in postgresql.conf and reload "
        "(`envcheck deploy database --tags postgresql`).",
        "在 postgresql.conf 中设置 `timezone` 和 `log_timezone` 并重新加载"
        "(`envcheck deploy database --tags postgresql`)。",
    ),
    severity=Severity.CRITICAL,
    facts=["postgresql.settings"],
    remediation=DEPLOY_PG,
)
def timezone(f: Mapping[str, Any], std: Standard) -> Outcome:
    s = f["postgresql.settings"]
    found = {"timezone": s.get("TimeZone"), "log_timezone": s.get("log_timezone")}
    wrong = {k: v for k, v in found.items() if v != std.timezone}
    if not wrong:
        return ok(found, std.timezone, f"time zones are {std.timezone}", f"时区均为 {std.timezone}")
    return bad(found, std.timezone, f"not {std.timezone}: {wrong}", f"不是 {std.timezone}:{wrong}")


@check(
    "postgresql.max_connections",
    title=("max_connections high enough", "max_connections 足够"),
    fix=(
        "Raise max_connections in postgresql.conf and restart; consider a pooler (pgbouncer).",
        "在 postgresql.conf 中调大 max_connections 并重启;可考虑连接池(pgbouncer)。",
    ),
    severity=Severity.MINOR,
    facts=["postgresql.settings"],
    remediation=DEPLOY_PG,
)
def max_connections(f: Mapping[str, Any], std: Standard) -> Outcome:
    found = int(f["postgresql.settings"].get("max_connections") or 0)
    if found >= std.pg_max_connections:
        return ok(found, f">= {std.pg_max_connections}", f"max_connections = {found}", f"max_connections = {found}")
    return bad(found, f">= {std.pg_max_connections}", f"max_connections is {found}", f"max_connections 为 {found}")


@check(
    "postgresql.listen_addresses",
    title=("listen_addresses as standard", "listen_addresses 符合标准"),
    fix=(
        "Set listen_addresses in postgresql.conf (and pg_hba.conf for the app hosts), then restart.",
        "在 postgresql.conf 中设置 listen_addresses(并在 pg_hba.conf 中放行应用主机),然后重启。",
    ),
    severity=Severity.MAJOR,
    facts=["postgresql.settings"],
    remediation=DEPLOY_PG,
)
def listen_addresses(f: Mapping[str, Any], std: Standard) -> Outcome:
    found = f["postgresql.settings"].get("listen_addresses")
    if found == std.pg_listen_addresses:
        return ok(found, std.pg_listen_addresses, f"listen_addresses = {found}", f"listen_addresses = {found}")
    status = Status.FAIL if found in ("localhost", "127.0.0.1", "") else Status.WARN
    return bad(
        found, std.pg_listen_addresses, f"listen_addresses is {found!r}", f"listen_addresses 为 {found!r}", status
    )
