"""Database URLs, passwords and read-only sessions.

A URL names the engine, user, host, port and database: `mysql://his@10.0.0.5:3306/his`,
`postgresql://his@db1/his` (`mariadb://`, `postgres://` too). A password in the URL is refused:
it would sit in the shell history, the process list and the evidence. The password comes from
a password file, else ENVCHECK_SOURCE_PASSWORD / ENVCHECK_TARGET_PASSWORD (compare), else
ENVCHECK_DB_PASSWORD, else the driver's own variable (PGPASSWORD, MYSQL_PWD). Every session
is read only and sees one snapshot (repeatable read), so both sides of a compare are read as
of one instant each and nothing can be written."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from envcheck.errors import BadInput

ENGINES = {"mysql": "mysql", "mariadb": "mysql", "postgresql": "postgresql", "postgres": "postgresql"}
DEFAULT_PORTS = {"mysql": 3306, "postgresql": 5432}
PASSWORD_VARS = {"mysql": ("ENVCHECK_DB_PASSWORD", "MYSQL_PWD"),
                 "postgresql": ("ENVCHECK_DB_PASSWORD", "PGPASSWORD")}
CONNECT_TIMEOUT = 10
# USER:PASSWORD@ in a URL, even one urlsplit cannot read (a password holding '/'): refused
# before any other check, so no message ever shows it back.
_USERINFO_PASSWORD = re.compile(r"^[^:/?#]*://[^:@/?#]*:.*@")


class DbError(BadInput):
    """A database could not be reached or refused us (exit 2: the URL, password or grant is wrong)."""


@dataclass(frozen=True)
class DbUrl:
    engine: str  # mysql | postgresql
    user: str
    host: str
    port: int
    database: str

    def __str__(self) -> str:  # never a password: there is none in it
        return f"{self.engine}://{self.user}@{self.host}:{self.port}/{self.database}"


def parse_url(text: str) -> DbUrl:
    if _USERINFO_PASSWORD.match(text):
        raise BadInput.of("error.db_url_password")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise BadInput.of("error.db_url", url=repr(text), error=exc) from exc
    engine = ENGINES.get(parts.scheme.lower())
    if engine is None:
        raise BadInput.of("error.db_scheme", url=repr(text), known=", ".join(ENGINES))
    if parts.password is not None:  # what the pattern above may have missed
        raise BadInput.of("error.db_url_password")
    database = unquote(parts.path.lstrip("/"))
    if not parts.hostname or not parts.username or not database:
        raise BadInput.of("error.db_url_parts", url=repr(text), scheme=parts.scheme)
    return DbUrl(engine, unquote(parts.username), parts.hostname, port or DEFAULT_PORTS[engine], database)


def password_for(url: DbUrl, password_file: str | None, role: str = "",
                 vault_password_file: str | None = None) -> str | None:
    """role: SOURCE or TARGET, whose own variable (ENVCHECK_SOURCE_PASSWORD) comes first. A
    password file may be an Ansible Vault file (ansible-vault encrypt), opened with the vault
    password file."""
    if password_file:
        try:
            raw = Path(password_file).read_bytes()
        except OSError as exc:
            raise BadInput.of("error.password_file", path=password_file, error=exc.strerror) from exc
        if raw.startswith(b"$ANSIBLE_VAULT;"):
            raw = _unvault(raw, password_file, vault_password_file)
        return raw.decode("utf-8").rstrip("\r\n")
    for var in ((f"ENVCHECK_{role}_PASSWORD",) if role else ()) + PASSWORD_VARS[url.engine]:
        if os.environ.get(var):
            return os.environ[var]
    return None


def _unvault(raw: bytes, password_file: str, vault_password_file: str | None) -> bytes:
    if not vault_password_file:
        raise BadInput.of("error.password_vault_needs_key", path=password_file)
    from ansible.errors import AnsibleError  # noqa: PLC0415 (ansible-core: ~170 ms, only for a vault)
    from ansible.parsing.vault import VaultLib, VaultSecret  # noqa: PLC0415

    try:
        secret = Path(vault_password_file).read_bytes().strip()
        return bytes(VaultLib([("default", VaultSecret(secret))]).decrypt(raw))
    except (OSError, AnsibleError) as exc:
        raise BadInput.of("error.password_vault_open", path=password_file, error=exc) from exc


def open_mysql(url: DbUrl, password: str | None) -> Any:
    import pymysql  # noqa: PLC0415 (the drivers: not for --help)

    try:
        conn = pymysql.connect(host=url.host, port=url.port, user=url.user, password=password or "",
                               database=url.database, charset="utf8mb4", connect_timeout=CONNECT_TIMEOUT,
                               autocommit=False, init_command="SET time_zone = '+00:00'")
    except pymysql.MySQLError as exc:
        raise DbError.of("error.db_connect", url=url, error=exc.args[-1] if exc.args else exc) from exc
    with conn.cursor() as cur:
        cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cur.execute("SET SESSION TRANSACTION READ ONLY")
        cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
    return conn


def open_postgresql(url: DbUrl, password: str | None) -> Any:
    import psycopg  # noqa: PLC0415

    try:
        conn = psycopg.connect(host=url.host, port=url.port, user=url.user, password=password,
                               dbname=url.database, connect_timeout=CONNECT_TIMEOUT,
                               options="-c TimeZone=UTC -c default_transaction_read_only=on",
                               application_name="envcheck-data")
    except psycopg.Error as exc:
        raise DbError.of("error.db_connect", url=url, error=str(exc).strip()) from exc
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    return conn
