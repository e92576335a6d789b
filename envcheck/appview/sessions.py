"""One session per datasource as the application's user, from an app host's network position,
read into JSON evidence (no password in it, ever). The drivers are imported only here, only when
a datasource is declared.

What a session reads: its settings and the layer each comes from (PostgreSQL's pg_settings.source;
MySQL's session value against the global one, init_connect and the database's own defaults), its
clock (the database's now, in epoch seconds and as the session renders it, against the
controller's clock at the same moment), the database's encoding and collation, and a round trip
of ROUNDTRIP_TEXT and a wall-clock timestamp through a temporary table in a transaction that is
rolled back (a read-only database falls back to echoing parameters)."""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from envcheck.appview import jdbc
from envcheck.appview.declared import Datasource
from envcheck.appview.tunnel import Address, Tunnels

ROUNDTRIP_TEXT = "中文𠀀😀"  # CJK, a 4-byte CJK extension B ideograph and a 4-byte emoji
ROUNDTRIP_WALL = "2024-02-29 23:59:58.123456"  # a naive wall-clock time, written and read back
CONNECT_TIMEOUT = 10
PG_SETTINGS = ("TimeZone", "DateStyle", "IntervalStyle", "client_encoding", "server_encoding", "lc_collate",
               "lc_ctype", "default_transaction_read_only")
MYSQL_VARIABLES = ("time_zone", "character_set_client", "character_set_connection", "character_set_results",
                   "collation_connection", "character_set_server", "collation_server", "sql_mode")
TABLE = "envcheck_roundtrip"


def request(sources: tuple[Datasource, ...]) -> str:
    """The fact's command record: what is asked of whom (never a password)."""
    return json.dumps({"datasources": [d.public() for d in sources],
                       "roundtrip": ROUNDTRIP_TEXT, "wall": ROUNDTRIP_WALL}, ensure_ascii=False, sort_keys=True)


def read_all(sources: tuple[Datasource, ...], tunnels: Tunnels) -> str:
    """Every datasource's session, as the fact's output (JSON, one entry per datasource)."""
    with ThreadPoolExecutor(max_workers=max(1, len(sources)), thread_name_prefix="envcheck-session") as pool:
        found = list(pool.map(lambda d: read_one(d, tunnels), sources))  # each its own channel, at once
    return json.dumps({"sessions": found}, ensure_ascii=False, default=str)


def read_one(ds: Datasource, tunnels: Tunnels) -> dict[str, Any]:
    out: dict[str, Any] = {"name": ds.name, "engine": ds.engine, "address": f"{ds.host}:{ds.port}",
                           "database": ds.database, "user": ds.user}
    password = ds.secret()
    if password is None:
        where = f"${ds.password_env}" if ds.password_env else "password"
        out["error"] = f"no password: {where} is not set on the controller"
        return out
    reader = _read_postgresql if ds.engine == "postgresql" else _read_mysql
    url = jdbc.parse(ds.jdbc_url) if ds.jdbc_url else None
    failures: list[str] = []
    try:
        with tunnels.forward(ds.host, ds.port, failures) as address:
            out.update(reader(ds, password, address, url))
    except Exception as exc:  # a driver's refusal, a broken channel: evidence, not a crash
        text = " ".join(str(exc).split())
        text = re.sub(r'(?:at )?"?127\.0\.0\.1"?,? port \d+', f"{ds.host}:{ds.port}", text)
        out["error"] = (text or type(exc).__name__)[:400]
    if failures and "error" in out:  # the channel's reason first: the driver only saw the line drop
        out["error"] = f"{failures[0]} (driver: {out['error'][:200]})"
    return out


def _clock(query: Callable[[], tuple[Any, ...]]) -> tuple[tuple[Any, ...], dict[str, float]]:
    t1 = time.time()
    row = query()
    t2 = time.time()
    return row, {"controller_epoch": (t1 + t2) / 2, "rtt_ms": round((t2 - t1) * 1000, 1)}


def _read_postgresql(ds: Datasource, password: str, address: Address, url: jdbc.JdbcUrl | None) -> dict[str, Any]:
    import psycopg  # noqa: PLC0415 (a driver: only when a PostgreSQL datasource is declared)

    options = (url.params.get("options") or "") if url else ""
    conninfo: dict[str, Any] = {"host": address[0], "port": address[1], "dbname": ds.database, "user": ds.user,
                                "password": password, "connect_timeout": CONNECT_TIMEOUT,
                                "application_name": "envcheck"}
    if options:
        conninfo["options"] = options  # as pgjdbc passes the JDBC URL's options= to the server
    with psycopg.connect(**conninfo) as conn:
        cur = conn.cursor()
        cur.execute("SELECT name, setting, source FROM pg_settings WHERE name = ANY(%s)", (list(PG_SETTINGS),))
        settings = {r[0]: {"value": r[1], "source": r[2]} for r in cur.fetchall()}
        cur.execute("SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database "
                    "WHERE datname = current_database()")
        enc, collate, ctype = cur.fetchone() or ("", "", "")
        cur.execute("SELECT coalesce(d.datname, '*'), coalesce(r.rolname, '*'), s.setconfig "
                    "FROM pg_db_role_setting s LEFT JOIN pg_database d ON d.oid = s.setdatabase "
                    "LEFT JOIN pg_roles r ON r.oid = s.setrole "
                    "WHERE (s.setdatabase = 0 OR d.datname = current_database()) "
                    "AND (s.setrole = 0 OR r.rolname = current_user)")
        overrides = [{"database": r[0], "role": r[1], "settings": list(r[2] or [])} for r in cur.fetchall()]

        def now() -> tuple[Any, ...]:
            cur.execute("SELECT extract(epoch FROM clock_timestamp())::float8, "
                        "to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS'), to_char(clock_timestamp(), 'OF')")
            return cur.fetchone() or ()

        (epoch, wall, offset), clock = _clock(now)
        conn.rollback()
        roundtrip = _roundtrip(conn, "postgresql")
        conn.rollback()
    return {"settings": settings, "database_encoding": {"encoding": enc, "collate": collate, "ctype": ctype},
            "overrides": overrides, "clock": {"db_epoch": epoch, "db_wall": wall, "db_offset": offset, **clock},
            "options": options, "roundtrip": roundtrip}


@functools.cache
def _mysql_connection() -> Any:
    """PyMySQL's connection, its TLS context of the preferred mode (TLS if the server offers it,
    nothing verified, as Connector/J's sslMode=PREFERRED) built once for the run: PyMySQL builds
    a default context, the system's CA bundle read, for every connection (28 ms each) and then
    verifies nothing with it."""
    import ssl  # noqa: PLC0415

    import pymysql.connections  # noqa: PLC0415 (a driver: only when a MySQL datasource is declared)

    preferred = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    preferred.check_hostname = False
    preferred.verify_mode = ssl.CERT_NONE

    class Connection(pymysql.connections.Connection):
        def _create_ssl_ctx(self, sslp: Any) -> Any:  # PyMySQL's own, not in its type stubs
            return preferred if sslp == {} else super()._create_ssl_ctx(sslp)  # type: ignore[misc]

    return Connection


def _read_mysql(ds: Datasource, password: str, address: Address, url: jdbc.JdbcUrl | None) -> dict[str, Any]:
    charset = (url.mysql_charset() if url else None) or "utf8mb4"
    zone = url.session_time_zone() if url else None
    conn = _mysql_connection()(host=address[0], port=address[1], user=ds.user, password=password,
                               database=ds.database, charset=charset, connect_timeout=CONNECT_TIMEOUT,
                               autocommit=False)
    try:
        cur = conn.cursor()
        if zone:  # Connector/J's forceConnectionTimeZoneToSession=true
            cur.execute("SET time_zone = %s", (zone,))
        names = ", ".join(f"@@session.{v}, @@global.{v}" for v in MYSQL_VARIABLES)
        cur.execute(f"SELECT {names}, @@character_set_database, @@collation_database, @@init_connect, "
                    "@@system_time_zone, @@version")
        row = cur.fetchone() or ()
        settings = {v: {"session": row[2 * i], "global": row[2 * i + 1]} for i, v in enumerate(MYSQL_VARIABLES)}
        base = 2 * len(MYSQL_VARIABLES)
        db_charset, db_collation, init_connect, system_zone, version = row[base:base + 5]

        def now() -> tuple[Any, ...]:
            cur.execute("SELECT UNIX_TIMESTAMP(NOW(6)), DATE_FORMAT(NOW(), '%Y-%m-%d %H:%i:%s'), "
                        "TIMEDIFF(NOW(), UTC_TIMESTAMP())")
            return cur.fetchone() or ()

        (epoch, wall, offset), clock = _clock(now)
        conn.rollback()
        roundtrip = _roundtrip(conn, "mysql")
        conn.rollback()
    finally:
        conn.close()
    return {"settings": settings, "database_encoding": {"charset": db_charset, "collation": db_collation},
            "init_connect": init_connect or "", "system_time_zone": system_zone, "version": version,
            "driver": {"charset": charset, "session_time_zone": zone},
            "clock": {"db_epoch": float(epoch), "db_wall": wall, "db_offset": str(offset), **clock},
            "roundtrip": roundtrip}


def _roundtrip(conn: Any, engine: str) -> dict[str, Any]:
    """Write ROUNDTRIP_TEXT and ROUNDTRIP_WALL into a temporary table and read them back, then roll
    back; where the session may not create one (read-only), echo them as parameters."""
    cur = conn.cursor()
    wall = datetime.fromisoformat(ROUNDTRIP_WALL)
    if engine == "postgresql":
        create = f"CREATE TEMPORARY TABLE {TABLE} (s text, w timestamp) ON COMMIT DROP"
    else:
        create = f"CREATE TEMPORARY TABLE {TABLE} (s VARCHAR(64), w DATETIME(6))"
    method = "temporary table"
    try:
        try:
            cur.execute(create)
        except Exception as exc:  # read-only, or no TEMPORARY privilege: echo the values instead
            conn.rollback()
            method = f"parameters ({' '.join(str(exc).split())[:120]})"
            cur.execute("SELECT %s, %s", (ROUNDTRIP_TEXT, wall))
        else:
            cur.execute(f"INSERT INTO {TABLE} (s, w) VALUES (%s, %s)", (ROUNDTRIP_TEXT, wall))  # noqa: S608 (fixed name)
            cur.execute(f"SELECT s, w FROM {TABLE}")  # noqa: S608 (fixed name)
        text, back = cur.fetchone() or (None, None)
    except Exception as exc:  # the layer refused the text: that is the finding
        conn.rollback()
        return {"method": method, "error": " ".join(str(exc).split())[:300]}
    finally:
        if engine == "mysql":
            conn.rollback()
            cur.execute(f"DROP TEMPORARY TABLE IF EXISTS {TABLE}")
    back_text = back.isoformat(" ") if isinstance(back, datetime) else str(back)
    return {"method": method, "sent": ROUNDTRIP_TEXT, "received": text, "wall_sent": ROUNDTRIP_WALL,
            "wall_received": back_text}


def loads(text: str) -> Mapping[str, Any]:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data
