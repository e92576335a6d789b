"""The application's view of its databases: one session per declared datasource
(standard_app_datasources), opened as the application's user from each app host's network
position (envcheck.appview), and the client option files on the host. Each check names the
layer that differs: per-database, per-role, server default, init_connect, driver, option file."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from envcheck.appview import sessions
from envcheck.checks.registry import HostContext, check, fact
from envcheck.checks.util import layers
from envcheck.checks.util.common import bad, key_values, norm_charset, ok, sections
from envcheck.checks.util.zones import same_zone
from envcheck.model import FactError, Outcome, ProbeOutput, Severity, Status, Text
from envcheck.standard import Standard

SESSIONS = "app.sessions"
OPTIONS = "app.client_options"


def _request(ctx: HostContext, std: Standard) -> str | None:
    return sessions.request(std.app_datasources) if std.app_datasources else None


def _gather(ctx: HostContext, std: Standard, tunnels: Any) -> str:
    return sessions.read_all(std.app_datasources, tunnels)


@fact(SESSIONS, command_for=_request, gather=_gather, timeout=30)
def parse_sessions(out: ProbeOutput) -> Any:
    """A session per declared datasource, opened by the controller through the app host (a channel of its SSH
    connection) as the application's user (psycopg, PyMySQL): settings and their source, clock, encodings,
    collations, and a round trip of 中文𠀀😀 and a timestamp through a temporary table, rolled back. Never a
    password."""
    if out.rc != 0:
        return FactError(f"datasource sessions could not be read: {out.stderr.strip()[:300]}")
    return {s["name"]: s for s in sessions.loads(out.stdout)["sessions"]}


def _answered(f: Mapping[str, Any]) -> dict[str, Any]:
    return {n: s for n, s in f[SESSIONS].items() if "error" not in s}


def _none_answered() -> Outcome:
    return Outcome(Status.SKIP, message=Text("no datasource session opened (see app.datasource_session)",
                                             "没有成功打开的数据源会话(见 app.datasource_session)"))


def _verdict(found: Any, expected: Any, problems: list[tuple[str, Text]], good: Text) -> Outcome:
    if not problems:
        return Outcome(Status.PASS, found, expected, good)
    said = layers.join(problems)
    return Outcome(Status.FAIL, found, expected, Text(said.en, said.zh))


@check(
    "app.datasource_session",
    title=("Each datasource opens a session as the application's user from the app host",
           "每个数据源都能从应用主机以应用用户身份建立会话"),
    fix=("Read the reason: the database's address, port and firewall from the app host, pg_hba.conf / "
         "the MySQL user's host, the password's environment variable on the controller.",
         "根据原因排查:从应用主机到数据库的地址、端口和防火墙,pg_hba.conf / MySQL 用户的来源主机,"
         "以及控制端上的密码环境变量。"),
    severity=Severity.CRITICAL,
    facts=[SESSIONS],
)
def datasource_session(f: Mapping[str, Any], std: Standard) -> Outcome:
    failed = {n: s["error"] for n, s in f[SESSIONS].items() if "error" in s}
    names = sorted(f[SESSIONS])
    if not failed:
        return ok(names, "session opened", f"sessions opened: {', '.join(names)}", f"会话已建立:{', '.join(names)}")
    text = "; ".join(f"{n}: {e}" for n, e in failed.items())
    return bad(failed, "session opened", f"no session: {text}", f"无法建立会话:{text}")


def session_offset_minutes(session: Mapping[str, Any], zone: str) -> float:
    """How far the wall clock the session renders is from the standard zone's wall clock at the
    same instant, in minutes (the database's clock skew taken out)."""
    clock = session["clock"]
    expected = datetime.fromtimestamp(clock["db_epoch"], UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    rendered = datetime.fromisoformat(clock["db_wall"])
    return round((rendered - expected.replace(microsecond=0)).total_seconds() / 60)


def _zone_layer(name: str, s: Mapping[str, Any]) -> tuple[str, Text]:
    if s["engine"] == "postgresql":
        tz = s["settings"].get("TimeZone", {})
        return f"{name}: TimeZone={tz.get('value')}", layers.pg_layer(str(tz.get("source")))
    zone = s["settings"]["time_zone"]
    shown = zone["session"] if zone["session"] != "SYSTEM" else f"SYSTEM ({s.get('system_time_zone')})"
    return f"{name}: time_zone={shown}", layers.mysql_layer("time_zone", s["settings"], s)


@check(
    "app.session_timezone",
    title=("The application's database sessions run in the standard time zone", "应用的数据库会话使用标准时区"),
    fix=("Fix the layer named: ALTER DATABASE/ROLE ... RESET TimeZone, timezone in postgresql.conf, "
         "default-time-zone in my.cnf (and SET GLOBAL time_zone), init_connect, or the JDBC URL's "
         "serverTimezone/connectionTimeZone.",
         "修正所指出的层:ALTER DATABASE/ROLE ... RESET TimeZone、postgresql.conf 的 timezone、my.cnf 的 "
         "default-time-zone(及 SET GLOBAL time_zone)、init_connect,或 JDBC URL 的 serverTimezone/connectionTimeZone。"),
    severity=Severity.CRITICAL,
    facts=[SESSIONS],
)
def session_timezone(f: Mapping[str, Any], std: Standard) -> Outcome:
    answered = _answered(f)
    if not answered:
        return _none_answered()
    found, problems = {}, []
    for name, s in answered.items():
        minutes = session_offset_minutes(s, std.timezone)
        what, layer = _zone_layer(name, s)
        found[name] = what.partition(": ")[2]
        named = s["settings"].get("TimeZone", {}).get("value") if s["engine"] == "postgresql" else None
        if minutes != 0 or (named is not None and not same_zone(named, std.timezone)):
            problems.append((f"{what}, {minutes:+.0f} min from {std.timezone}", layer))
    return _verdict(found, std.timezone, problems, Text(f"sessions in {std.timezone}", f"会话时区均为 {std.timezone}"))


@check(
    "app.session_clock",
    title=("NOW() in the application's sessions agrees with the controller's clock",
           "应用会话中的 NOW() 与控制端时钟一致"),
    fix=("The database host's clock is off: synchronise it with NTP (chrony) as the other hosts.",
         "数据库主机时钟偏差:按其他主机的方式用 NTP(chrony)同步。"),
    severity=Severity.MAJOR,
    facts=[SESSIONS],
)
def session_clock(f: Mapping[str, Any], std: Standard) -> Outcome:
    answered = _answered(f)
    if not answered:
        return _none_answered()
    found, problems = {}, []
    for name, s in answered.items():
        c = s["clock"]
        skew_ms = round((c["db_epoch"] - c["controller_epoch"]) * 1000)
        found[name] = skew_ms
        if abs(skew_ms) > std.max_clock_offset_ms + c["rtt_ms"] / 2:
            problems.append((f"{name}: NOW() {skew_ms:+d} ms", Text("database host clock", "数据库主机时钟")))
    return _verdict(found, f"<= {std.max_clock_offset_ms:g} ms", problems,
                    Text("NOW() agrees with the controller", "NOW() 与控制端一致"))


def _pg_encoding_problems(name: str, s: Mapping[str, Any], std: Standard) -> list[tuple[str, Text]]:
    out = []
    for key in ("client_encoding", "server_encoding"):
        value = s["settings"].get(key, {})
        if norm_charset(str(value.get("value"))) != norm_charset(std.pg_encoding):
            out.append((f"{name}: {key}={value.get('value')}", layers.pg_layer(str(value.get("source")))))
    db = s["database_encoding"]
    if norm_charset(db["encoding"]) != norm_charset(std.pg_encoding):
        out.append((f"{name}: database encoding {db['encoding']}", layers.PER_DATABASE))
    return out


def _mysql_encoding_problems(name: str, s: Mapping[str, Any], std: Standard) -> list[tuple[str, Text]]:
    out = []
    v = s["settings"]
    for key in ("character_set_client", "character_set_connection", "character_set_results", "character_set_server"):
        if v[key]["session"] != std.mysql_charset:
            out.append((f"{name}: {key}={v[key]['session']}", layers.mysql_layer(key, v, s)))
    if v["collation_server"]["session"] != std.mysql_collation:
        out.append((f"{name}: collation_server={v['collation_server']['session']}", layers.SERVER))
    db = s["database_encoding"]
    if db["charset"] != std.mysql_charset or db["collation"] != std.mysql_collation:
        out.append((f"{name}: database {db['charset']}/{db['collation']}", layers.PER_DATABASE))
    return out


@check(
    "app.session_encoding",
    title=("The application's sessions use the standard encodings and collations",
           "应用会话使用标准的字符编码和排序规则"),
    fix=("Fix the layer named: ALTER ROLE/DATABASE ... RESET client_encoding, the database's charset "
         "(ALTER DATABASE ... CHARACTER SET ... COLLATE ...), character-set-server in my.cnf, init_connect, "
         "or the JDBC URL's characterEncoding.",
         "修正所指出的层:ALTER ROLE/DATABASE ... RESET client_encoding、数据库字符集(ALTER DATABASE ... "
         "CHARACTER SET ... COLLATE ...)、my.cnf 的 character-set-server、init_connect,"
         "或 JDBC URL 的 characterEncoding。"),
    severity=Severity.CRITICAL,
    facts=[SESSIONS],
)
def session_encoding(f: Mapping[str, Any], std: Standard) -> Outcome:
    answered = _answered(f)
    if not answered:
        return _none_answered()
    problems: list[tuple[str, Text]] = []
    found = {}
    for name, s in answered.items():
        if s["engine"] == "postgresql":
            problems += _pg_encoding_problems(name, s, std)
            found[name] = s["settings"].get("client_encoding", {}).get("value")
        else:
            problems += _mysql_encoding_problems(name, s, std)
            found[name] = s["settings"]["character_set_connection"]["session"]
    expected = {"postgresql": std.pg_encoding, "mysql": f"{std.mysql_charset}/{std.mysql_collation}"}
    return _verdict(found, expected, problems, Text("encodings as standard", "编码符合标准"))


@check(
    "app.session_modes",
    title=("DateStyle is ISO and sql_mode is strict in the application's sessions",
           "应用会话的 DateStyle 为 ISO、sql_mode 为严格模式"),
    fix=("PostgreSQL: RESET DateStyle at the layer named (the default is 'ISO, MDY'); MySQL: keep "
         "STRICT_TRANS_TABLES in sql_mode (without it, text that does not fit is silently cut or turned to '?').",
         "PostgreSQL:在所指出的层 RESET DateStyle(默认 'ISO, MDY');MySQL:sql_mode 保留 STRICT_TRANS_TABLES"
         "(否则放不下的文本会被静默截断或变成 '?')。"),
    severity=Severity.MAJOR,
    facts=[SESSIONS],
)
def session_modes(f: Mapping[str, Any], std: Standard) -> Outcome:
    answered = _answered(f)
    if not answered:
        return _none_answered()
    found, problems = {}, []
    for name, s in answered.items():
        if s["engine"] == "postgresql":
            style = s["settings"].get("DateStyle", {})
            found[name] = style.get("value")
            if not str(style.get("value", "")).startswith("ISO"):
                problems.append((f"{name}: DateStyle={style.get('value')}", layers.pg_layer(str(style.get("source")))))
        else:
            mode = str(s["settings"]["sql_mode"]["session"])
            found[name] = mode
            if "STRICT_TRANS_TABLES" not in mode and "STRICT_ALL_TABLES" not in mode:
                layer = layers.mysql_layer("sql_mode", s["settings"], s)
                problems.append((f"{name}: sql_mode={mode or '(empty)'}", layer))
    return _verdict(found, "ISO / STRICT_TRANS_TABLES", problems,
                    Text("date style and SQL mode safe", "日期格式和 SQL 模式安全"))


def _roundtrip_layer(s: Mapping[str, Any], std: Standard) -> Text:
    """The first layer whose encoding is off explains a mangled round trip."""
    problems = (_pg_encoding_problems if s["engine"] == "postgresql" else _mysql_encoding_problems)("", s, std)
    return problems[0][1] if problems else layers.DRIVER


@check(
    "app.roundtrip",
    title=("Chinese text with 4-byte characters and a timestamp, written through the application's path, "
           "read back identical",
           "经应用路径写入的 中文𠀀😀 和时间戳读回后完全一致"),
    fix=("The layer named garbles text: make it UTF-8 (utf8mb4 for MySQL, whose utf8 has no 4-byte characters); "
         "a timestamp that moves is a session time zone converting it.",
         "所指出的层导致乱码:将其改为 UTF-8(MySQL 用 utf8mb4,其 utf8 不支持 4 字节字符);"
         "时间戳变化说明会话时区在做转换。"),
    severity=Severity.CRITICAL,
    facts=[SESSIONS],
)
def roundtrip(f: Mapping[str, Any], std: Standard) -> Outcome:
    answered = _answered(f)
    if not answered:
        return _none_answered()
    found, problems = {}, []
    for name, s in answered.items():
        rt = s["roundtrip"]
        found[name] = {k: rt.get(k) for k in ("method", "received", "wall_received", "error") if rt.get(k) is not None}
        if "error" in rt:
            problems.append((f"{name}: {rt['error']}", _roundtrip_layer(s, std)))
            continue
        if rt["received"] != rt["sent"]:
            problems.append((f"{name}: wrote {rt['sent']}, read {rt['received']}", _roundtrip_layer(s, std)))
        if rt["wall_received"] != rt["wall_sent"]:
            problems.append((f"{name}: wrote {rt['wall_sent']}, read {rt['wall_received']}", layers.SESSION))
    return _verdict(found, {"text": sessions.ROUNDTRIP_TEXT, "timestamp": sessions.ROUNDTRIP_WALL}, problems,
                    Text("text and timestamp read back identical", "文本和时间戳读回一致"))


# -- client option files on the app host ------------------------------------------------------
_MY_CNF = ("/etc/my.cnf /etc/mysql/my.cnf /etc/mysql/conf.d/*.cnf /etc/mysql/mariadb.conf.d/*.cnf "
           "/etc/my.cnf.d/*.cnf")


def _options_command(ctx: HostContext, std: Standard) -> str | None:
    if not std.app_datasources:
        return None
    # The service user's own ~/.my.cnf, its home from the user database (a quoted name).
    return (f"ech=$(getent passwd {shlex.quote(std.service_user)} | cut -d: -f6)\n"
            f"for f in {_MY_CNF} ${{ech:+\"$ech/.my.cnf\"}}; do [ -f \"$f\" ] && [ -r \"$f\" ] || continue; "
            "echo \"== $f ==\"; sed -n '/^[[:space:]]*\\[/p; /default[-_]character[-_]set/p; "
            "/default[-_]time[-_]zone/p; /init[-_]command/p' \"$f\"; done\n"
            "echo '== /etc/environment =='; "
            "grep -E '^[[:space:]]*(export[[:space:]]+)?PG(TZ|CLIENTENCODING|OPTIONS|DATESTYLE)=' "
            "/etc/environment 2>/dev/null; true")


@fact(OPTIONS, command_for=_options_command)  # getent may ask a directory service
def parse_client_options(out: ProbeOutput) -> dict[str, Any]:
    """Client option files on an app host with datasources: the [client]/[mysql]/[client-mariadb] sections
    of my.cnf files (default-character-set, init-command) and PGTZ/PGCLIENTENCODING/PGOPTIONS/PGDATESTYLE in
    /etc/environment."""
    result: dict[str, Any] = {"mysql": {}, "pg_env": {}}
    for path, text in sections(out.stdout).items():
        if not path:
            continue
        if path == "/etc/environment":
            env = key_values(text.replace("export ", ""))
            result["pg_env"] = {k: v.strip("\"'") for k, v in env.items()}
            continue
        group = ""
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("["):
                group = line.strip("[]").strip().lower()
            elif group in ("client", "mysql", "client-mariadb", "client-server") and "=" in line:
                key, _, value = line.partition("=")
                result["mysql"].setdefault(path, {})[key.strip().replace("_", "-")] = value.strip().strip("\"'")
    return result


@check(
    "app.client_options",
    title=("No client option file on the app host changes the sessions' charset or zone",
           "应用主机上没有改变会话字符集或时区的客户端选项文件"),
    fix=("Remove or correct the option named (default-character-set in the [client] section of my.cnf, "
         "PGTZ/PGCLIENTENCODING/PGOPTIONS in /etc/environment): every client on the host inherits it.",
         "删除或修正所指出的选项(my.cnf [client] 段的 default-character-set,/etc/environment 中的 "
         "PGTZ/PGCLIENTENCODING/PGOPTIONS):主机上的所有客户端都会继承它。"),
    severity=Severity.MAJOR,
    facts=[OPTIONS],
)
def client_options(f: Mapping[str, Any], std: Standard) -> Outcome:
    o = f[OPTIONS]
    problems: list[tuple[str, Text]] = []
    for path, values in o["mysql"].items():
        charset = values.get("default-character-set")
        if charset and charset != std.mysql_charset:
            problems.append((f"{path}: default-character-set={charset}", layers.OPTION_FILE))
    env = o["pg_env"]
    if env.get("PGTZ") and not same_zone(env["PGTZ"], std.timezone):
        problems.append((f"/etc/environment: PGTZ={env['PGTZ']}", layers.OPTION_FILE))
    if env.get("PGCLIENTENCODING") and norm_charset(env["PGCLIENTENCODING"]) != norm_charset(std.pg_encoding):
        problems.append((f"/etc/environment: PGCLIENTENCODING={env['PGCLIENTENCODING']}", layers.OPTION_FILE))
    if env.get("PGOPTIONS"):
        problems.append((f"/etc/environment: PGOPTIONS={shlex.quote(env['PGOPTIONS'])}", layers.OPTION_FILE))
    return _verdict(json.loads(json.dumps(o)), {"mysql": std.mysql_charset, "zone": std.timezone}, problems,
                    Text("no client option overrides the standard", "没有客户端选项覆盖标准"))
