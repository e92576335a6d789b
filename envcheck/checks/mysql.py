"""MySQL / MariaDB: the whole charset chain, time zones, table names, connections.
Read as root over the unix socket (Debian's default for root); no password in any command."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from envcheck.checks.registry import Remediation, absent, check, fact
from envcheck.checks.util.common import bad, ok, sections
from envcheck.model import FactError, Outcome, ProbeOutput, Severity, Status
from envcheck.standard import Standard

DEPLOY_MYSQL = Remediation("database", ("mysql",))
_CLIENT = "$(command -v mariadb || command -v mysql)"
_SERVER = (
    "command -v mariadbd >/dev/null 2>&1 || command -v mysqld >/dev/null 2>&1 || "
    "[ -x /usr/sbin/mariadbd ] || [ -x /usr/sbin/mysqld ]"
)
_VARIABLES = (
    "character_set_server",
    "character_set_database",
    "character_set_client",
    "character_set_connection",
    "character_set_results",
    "collation_server",
    "collation_connection",
    "time_zone",
    "system_time_zone",
    "lower_case_table_names",
    "max_connections",
    "version",
)

# Run only where the server is installed (present=_SERVER; elsewhere the probe reads ABSENT).
_MYSQL_COMMAND = (
    f"M={_CLIENT}\n"
    "echo '== variables =='\n"
    '$M --default-character-set=utf8mb4 -N -B -e "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('
    + ", ".join(f"'{v}'" for v in _VARIABLES)
    + ')" || exit 3\n'
    "echo '== tz_rows =='\n"
    "$M -N -B -e 'SELECT COUNT(*) FROM mysql.time_zone_name'\n"
    "echo '== databases =='\n"
    '$M -N -B -e "SELECT schema_name, default_character_set_name, default_collation_name '
    "FROM information_schema.schemata WHERE schema_name NOT IN "
    "('mysql','information_schema','performance_schema','sys')\"\n"
    "echo '== columns =='\n"
    "$M -N -B -e \"SELECT CONCAT(table_schema,'.',table_name,'.',column_name), character_set_name "
    "FROM information_schema.columns WHERE character_set_name IS NOT NULL AND table_schema NOT IN "
    "('mysql','information_schema','performance_schema','sys') LIMIT 200\"\n"
)


@fact("mysql.variables", _MYSQL_COMMAND, sudo=True, timeout=20, present="{ " + _SERVER + "; }")
def parse_mysql(out: ProbeOutput) -> Any:
    """MySQL/MariaDB, asked as root over the unix socket: SHOW GLOBAL VARIABLES (charsets, collations, time
    zones, lower_case_table_names, max_connections), the rows of mysql.time_zone_name, each database's charset
    and collation, and the charsets of columns (200 at most)."""
    if out.stdout.strip() == "ABSENT":
        return absent("no MySQL/MariaDB server on this host", "本机未安装 MySQL/MariaDB 服务")
    parts = sections(out.stdout)
    if out.rc != 0 or "variables" not in parts or not parts["variables"].strip():
        return FactError(f"MySQL/MariaDB is installed but does not answer: {out.stderr.strip()[:300]}")
    values: dict[str, Any] = {}
    for line in parts["variables"].splitlines():
        name, _, value = line.partition("\t")
        values[name] = value
    tz_rows = parts.get("tz_rows", "").strip()
    values["tz_rows"] = int(tz_rows) if tz_rows.isdigit() else 0
    values["databases"] = {
        row.split("\t")[0]: {"charset": row.split("\t")[1], "collation": row.split("\t")[2]}
        for row in parts.get("databases", "").splitlines()
        if row.count("\t") == 2
    }
    values["columns"] = {
        row.split("\t")[0]: row.split("\t")[1] for row in parts.get("columns", "").splitlines() if row.count("\t") == 1
    }
    return values


def _var(name: str, title: tuple[str, str], fix_setting: str, severity: Severity = Severity.CRITICAL) -> None:
    @check(
        f"mysql.{name}",
        title=title,
        fix=(
            f"Set `{fix_setting}` in the [mysqld] section (`envcheck deploy database --tags mysql`) "
            "and restart the server.",
            f"在 [mysqld] 段设置 `{fix_setting}`(`envcheck deploy database --tags mysql`)并重启数据库。",
        ),
        severity=severity,
        facts=["mysql.variables"],
        remediation=DEPLOY_MYSQL,
    )
    def evaluate(f: Mapping[str, Any], std: Standard) -> Outcome:
        expected = std.mysql_charset if name.startswith("character") else std.mysql_collation
        found = f["mysql.variables"].get(name)
        if found == expected:
            return ok(found, expected, f"{name} = {found}", f"{name} = {found}")
        return bad(found, expected, f"{name} is {found}, expected {expected}", f"{name} 为 {found},应为 {expected}")


_var(
    "character_set_server",
    ("Server charset is the standard (utf8mb4)", "服务器字符集符合标准(utf8mb4)"),
    "character-set-server = utf8mb4",
)
_var(
    "collation_server",
    ("Server collation is the standard", "服务器排序规则符合标准"),
    "collation-server = <standard collation>",
    Severity.MAJOR,
)


@check(
    "mysql.client_charset_chain",
    title=("Client, connection and results charsets are utf8mb4", "客户端、连接、结果字符集为 utf8mb4"),
    fix=(
        "Set `character-set-client-handshake` defaults: [client] and [mysql] `default-character-set = "
        "utf8mb4`, and connect from the application with characterEncoding=utf8 / charset=utf8mb4.",
        "在 [client] 和 [mysql] 段设置 `default-character-set = utf8mb4`,应用连接串使用 "
        "characterEncoding=utf8 / charset=utf8mb4。",
    ),
    severity=Severity.MAJOR,
    facts=["mysql.variables"],
    remediation=DEPLOY_MYSQL,
)
def client_chain(f: Mapping[str, Any], std: Standard) -> Outcome:
    v = f["mysql.variables"]
    chain = {k: v.get(k) for k in ("character_set_client", "character_set_connection", "character_set_results")}
    wrong = {k: x for k, x in chain.items() if x != std.mysql_charset}
    if not wrong:
        return ok(chain, std.mysql_charset, "client charset chain is utf8mb4", "客户端字符集链为 utf8mb4")
    return bad(chain, std.mysql_charset, f"not {std.mysql_charset}: {wrong}", f"不是 {std.mysql_charset}:{wrong}")


@check(
    "mysql.database_charsets",
    title=("Every database uses the standard charset", "所有数据库使用标准字符集"),
    fix=(
        "ALTER DATABASE <db> CHARACTER SET utf8mb4 COLLATE <collation>; then convert tables with "
        "ALTER TABLE ... CONVERT TO CHARACTER SET utf8mb4 (after a backup).",
        "执行 ALTER DATABASE <库> CHARACTER SET utf8mb4 COLLATE <排序规则>;备份后再用 "
        "ALTER TABLE ... CONVERT TO CHARACTER SET utf8mb4 转换表。",
    ),
    severity=Severity.CRITICAL,
    facts=["mysql.variables"],
)
def database_charsets(f: Mapping[str, Any], std: Standard) -> Outcome:
    dbs = f["mysql.variables"]["databases"]
    if not dbs:
        return Outcome(Status.SKIP, None, std.mysql_charset, absent("no user database yet", "尚无业务数据库").reason)
    wrong = {d: x["charset"] for d, x in dbs.items() if x["charset"] != std.mysql_charset}
    if not wrong:
        return ok(
            {d: x["charset"] for d, x in dbs.items()}, std.mysql_charset, "databases are utf8mb4", "数据库均为 utf8mb4"
        )
    return bad(
        wrong, std.mysql_charset, f"databases not in {std.mysql_charset}: {wrong}", f"字符集不符合标准的数据库:{wrong}"
    )


@check(
    "mysql.no_utf8mb3",
    title=("No 3-byte utf8 (utf8mb3) columns", "没有 3 字节 utf8(utf8mb3)列"),
    fix=(
        "3-byte utf8 cannot store rare Chinese characters and emoji: convert the tables to "
        "utf8mb4 (ALTER TABLE ... CONVERT TO CHARACTER SET utf8mb4).",
        "3 字节 utf8 无法保存生僻字和表情符号:将表转换为 utf8mb4(ALTER TABLE ... CONVERT TO CHARACTER SET utf8mb4)。",
    ),
    severity=Severity.MAJOR,
    facts=["mysql.variables"],
)
def no_utf8mb3(f: Mapping[str, Any], std: Standard) -> Outcome:
    v = f["mysql.variables"]
    found = {c: cs for c, cs in v["columns"].items() if cs in ("utf8", "utf8mb3")}
    found.update(
        {f"database {d}": x["charset"] for d, x in v["databases"].items() if x["charset"] in ("utf8", "utf8mb3")}
    )
    if not found:
        return ok(len(v["columns"]), "utf8mb4", "no utf8mb3 columns", "没有 utf8mb3 列")
    return bad(
        dict(list(found.items())[:20]),
        "utf8mb4",
        f"{len(found)} utf8mb3 columns or databases",
        f"{len(found)} 个 utf8mb3 列或数据库",
    )


@check(
    "mysql.time_zone",
    title=("Database time zone is the standard zone", "数据库时区符合标准"),
    fix=(
        "Load the zone tables (mysql_tzinfo_to_sql /usr/share/zoneinfo | mysql mysql), then set "
        "`default-time-zone = '<zone>'` (`envcheck deploy database --tags mysql`).",
        "先导入时区表(mysql_tzinfo_to_sql /usr/share/zoneinfo | mysql mysql),再设置 "
        "`default-time-zone = '<时区>'`(`envcheck deploy database --tags mysql`)。",
    ),
    severity=Severity.CRITICAL,
    facts=["mysql.variables", "time.zone"],
    remediation=DEPLOY_MYSQL,
)
def time_zone(f: Mapping[str, Any], std: Standard) -> Outcome:
    v, os_zone = f["mysql.variables"], f["time.zone"]
    tz = v.get("time_zone")
    if tz == std.timezone:
        return ok(tz, std.timezone, f"time_zone = {tz}", f"time_zone = {tz}")
    if tz == "SYSTEM" and (os_zone.get("zone") == std.timezone or os_zone.get("same_as_expected")):
        return ok(
            f"SYSTEM ({v.get('system_time_zone')})",
            std.timezone,
            "time_zone follows the OS, which is standard",
            "time_zone 跟随操作系统,系统时区符合标准",
        )
    found = f"{tz} ({v.get('system_time_zone')})" if tz == "SYSTEM" else tz
    return bad(
        found,
        std.timezone,
        f"time_zone is {found}, expected {std.timezone}",
        f"time_zone 为 {found},应为 {std.timezone}",
    )


@check(
    "mysql.tz_tables",
    title=("Time zone tables are loaded", "已导入时区表"),
    fix=(
        "mysql_tzinfo_to_sql /usr/share/zoneinfo | mysql -u root mysql; without them named zones "
        "(Asia/Shanghai) and CONVERT_TZ fail.",
        "执行 mysql_tzinfo_to_sql /usr/share/zoneinfo | mysql -u root mysql;否则命名时区和 CONVERT_TZ 不可用。",
    ),
    severity=Severity.MAJOR,
    facts=["mysql.variables"],
    remediation=DEPLOY_MYSQL,
)
def tz_tables(f: Mapping[str, Any], std: Standard) -> Outcome:
    rows = f["mysql.variables"]["tz_rows"]
    if rows > 0:
        return ok(rows, "> 0", f"{rows} zones loaded", f"已导入 {rows} 个时区")
    return bad(0, "> 0", "time zone tables are empty", "时区表为空")


@check(
    "mysql.lower_case_table_names",
    title=("lower_case_table_names as standard", "lower_case_table_names 符合标准"),
    fix=(
        "It can only be set when the data directory is created (MySQL 8): set it in my.cnf "
        "before initialising, or dump, re-initialise and reload.",
        "只能在初始化数据目录时设置(MySQL 8):初始化前写入 my.cnf,否则需导出、重新初始化并导入。",
    ),
    severity=Severity.MAJOR,
    facts=["mysql.variables"],
)
def lower_case_table_names(f: Mapping[str, Any], std: Standard) -> Outcome:
    found = f["mysql.variables"].get("lower_case_table_names")
    expected = str(std.mysql_lower_case_table_names)
    if found == expected:
        return ok(found, expected, f"lower_case_table_names = {found}", f"lower_case_table_names = {found}")
    return bad(
        found,
        expected,
        f"lower_case_table_names is {found}, expected {expected}",
        f"lower_case_table_names 为 {found},应为 {expected}",
    )


@check(
    "mysql.max_connections",
    title=("max_connections high enough", "max_connections 足够"),
    fix=(
        "Raise `max_connections` in [mysqld] (`envcheck deploy database --tags mysql`).",
        "在 [mysqld] 段调大 `max_connections`(`envcheck deploy database --tags mysql`)。",
    ),
    severity=Severity.MINOR,
    facts=["mysql.variables"],
    remediation=DEPLOY_MYSQL,
)
def max_connections(f: Mapping[str, Any], std: Standard) -> Outcome:
    found = int(f["mysql.variables"].get("max_connections") or 0)
    if found >= std.mysql_max_connections:
        return ok(found, f">= {std.mysql_max_connections}", f"max_connections = {found}", f"max_connections = {found}")
    return bad(found, f">= {std.mysql_max_connections}", f"max_connections is {found}", f"max_connections 为 {found}")
