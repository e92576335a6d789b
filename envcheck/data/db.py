"""One read-only database session: its dialect, queries with driver parameters, and the bytes
it moved on the wire (the kernel's TCP counters of its socket)."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from envcheck.data.connect import DbError, DbUrl, open_mysql, open_postgresql, parse_url, password_for
from envcheck.data.dialect import Dialect, Frag, dialect
from envcheck.data.via import Via, open_tunnel

# struct tcp_info (linux/tcp.h): tcpi_bytes_acked at 120, tcpi_bytes_received at 128.
_TCP_INFO_LEN, _ACKED, _RECEIVED = 136, 120, 128


@dataclass
class Db:
    url: DbUrl  # as given (with --via, the database as the via host reaches it)
    conn: Any
    dialect: Dialect
    queries: int = 0
    _start: tuple[int, int] = field(default=(0, 0))
    via: str | None = None
    _stack: ExitStack = field(default_factory=ExitStack)

    @property
    def where(self) -> str:
        """The database as the evidence names it."""
        return f"{self.url} via {self.via}" if self.via else str(self.url)

    @property
    def engine(self) -> str:
        return self.url.engine

    def _socket(self) -> socket.socket | None:
        if self.engine == "mysql":
            sock = getattr(self.conn, "_sock", None)
            return sock if isinstance(sock, socket.socket) else None
        try:
            return socket.socket(fileno=self.conn.pgconn.socket)
        except OSError:
            return None

    def _tcp(self) -> tuple[int, int]:
        sock = self._socket()
        if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
            if sock is not None and self.engine != "mysql":
                sock.detach()
            return (0, 0)
        try:
            raw = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO_LEN)
        except OSError:
            raw = b""
        finally:
            if self.engine != "mysql":
                sock.detach()  # the socket is libpq's: never closed here
        if len(raw) < _TCP_INFO_LEN:
            return (0, 0)
        return struct.unpack_from("<Q", raw, _ACKED)[0], struct.unpack_from("<Q", raw, _RECEIVED)[0]

    def mark(self) -> None:
        self._start = self._tcp()

    def wire_bytes(self) -> dict[str, int]:
        """Bytes sent and received on this session since mark() (after connecting)."""
        sent, received = self._tcp()
        return {"sent": sent - self._start[0], "received": received - self._start[1]}

    def rows(self, q: Frag) -> list[tuple[Any, ...]]:
        self.queries += 1
        with self.conn.cursor() as cur:
            cur.execute(q.sql, q.params)
            return [tuple(r) for r in cur.fetchall()]

    def one(self, q: Frag) -> tuple[Any, ...]:
        found = self.rows(q)
        return found[0] if found else ()

    def stream(self, q: Frag, batch: int = 2000) -> Iterator[tuple[Any, ...]]:
        """Rows one batch at a time from a server-side cursor: a table is never held."""
        self.queries += 1
        if self.engine == "mysql":
            import pymysql.cursors  # noqa: PLC0415 (the driver: not for --help)

            cur = self.conn.cursor(pymysql.cursors.SSCursor)
        else:
            cur = self.conn.cursor(name=f"envcheck_{self.queries}")
            cur.itersize = batch
        try:
            cur.execute(q.sql, q.params)
            while chunk := cur.fetchmany(batch):
                yield from (tuple(r) for r in chunk)
        finally:
            cur.close()

    def close(self) -> None:
        try:
            self.conn.rollback()  # a read-only transaction: nothing to keep
        finally:
            self.conn.close()
            self._stack.close()


def open_db(text: str, password_file: str | None = None, role: str = "", via: Via | None = None,
            vault_password_file: str | None = None) -> Db:
    url = parse_url(text)
    password = password_for(url, password_file, role, vault_password_file)
    stack = ExitStack()
    try:
        reach = open_tunnel(url, via, stack) if via else url
        conn = open_mysql(reach, password) if url.engine == "mysql" else open_postgresql(reach, password)
    except BaseException:
        stack.close()
        raise
    db = Db(url, conn, dialect(url.engine), via=via.host if via else None, _stack=stack)
    db.mark()
    return db


__all__ = ["Db", "DbError", "open_db"]
