"""A MariaDB and a PostgreSQL server of the test's own: Debian's packages, started on a free
loopback port with a data directory in a temporary folder, stopped by their PID at the end.
PostgreSQL is the installed package (postgresql); MariaDB's server and client packages are
unpacked into the checkout's .lab-db/ (apt-get download, dpkg -x), never installed: the
machine's own audit (tests/unit/test_cli_check.py) expects no MariaDB on it. The libraries it
needs are in the Makefile's APT_PACKAGES. For the data tests (tests/integration/test_data_*.py) and
the data bench (bench/data.py): fast to start (seconds), apart from every other lab.

Each server has a user `his` with a password (the tests export it, as an engineer would) and
the administrator reached over the server's own Unix socket for setting up data."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.lab.debs import unpacked

PASSWORD = "Data-Pw-1618"
USER = "his"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
CACHE = Path(__file__).resolve().parents[2] / ".lab-db"
MARIADB_PACKAGES = ("mariadb-server-core", "mariadb-client-core")


def mariadb_root() -> Path:
    """The unpacked MariaDB (its usr/ tree), unpacked on first use."""
    return unpacked(CACHE, "mariadb", MARIADB_PACKAGES, "usr/sbin/mariadbd", _has_libraries)


def _has_libraries(staging: Path) -> None:
    missing = subprocess.run(["ldd", str(staging / "usr" / "sbin" / "mariadbd")], capture_output=True, text=True)
    if "not found" in missing.stdout:
        raise RuntimeError(f"mariadbd lacks libraries (make apt installs them):\n{missing.stdout}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    engine: str  # mysql | postgresql
    port: int
    socket_dir: Path
    pid: int

    def url(self, database: str) -> str:
        scheme = "mysql" if self.engine == "mysql" else "postgresql"
        return f"{scheme}://{USER}@127.0.0.1:{self.port}/{database}"

    def admin(self, database: str | None = None) -> Any:
        """A read-write administrator connection over the Unix socket (autocommit)."""
        if self.engine == "mysql":
            import pymysql

            return pymysql.connect(unix_socket=str(self.socket_dir / "mysqld.sock"), user="root",
                                   database=database, charset="utf8mb4", autocommit=True)
        import psycopg

        return psycopg.connect(host=str(self.socket_dir), port=self.port, user="postgres",
                               dbname=database or "postgres", autocommit=True)

    def create_database(self, name: str) -> None:
        with self.admin() as conn, conn.cursor() as cur:
            if self.engine == "mysql":
                cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
                cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
                cur.execute(f"GRANT ALL ON `{name}`.* TO %s@'%%'", (USER,))
            else:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
                cur.execute(f'CREATE DATABASE "{name}" OWNER {USER} ENCODING \'UTF8\' TEMPLATE template0')


def _wait(check: Any, proc: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            check()
            return
        except Exception:  # not up yet
            time.sleep(0.3)
    raise RuntimeError(f"{what} did not answer in 60 s:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(proc: subprocess.Popen[bytes], sig: int) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, sig)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


@contextmanager
def mariadb(base: Path) -> Iterator[Server]:
    data, run = base / "data", base / "run"
    run.mkdir(parents=True)
    usr = mariadb_root() / "usr"
    subprocess.run([str(usr / "bin" / "mariadb-install-db"), "--no-defaults", f"--basedir={usr}",
                    f"--datadir={data}", "--user=root", "--auth-root-authentication-method=normal",
                    "--skip-test-db"], check=True, capture_output=True)
    port, log = free_port(), base / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(usr / "sbin" / "mariadbd"), "--no-defaults", f"--basedir={usr}",
             f"--lc-messages-dir={usr}/share/mysql", f"--plugin-dir={usr}/lib/mysql/plugin",
             f"--datadir={data}", f"--socket={run}/mysqld.sock",
             f"--port={port}", "--bind-address=127.0.0.1", "--user=root", f"--pid-file={run}/pid",
             "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
             "--innodb-buffer-pool-size=256M", "--innodb-flush-log-at-trx-commit=0", "--skip-log-bin",
             "--general-log=1", f"--general-log-file={base}/general.log", "--sql-mode="],
            stdout=out, stderr=subprocess.STDOUT)
    server = Server("mysql", port, run, proc.pid)
    try:
        _wait(lambda: server.admin().close(), proc, log, "mariadbd")
        with server.admin() as conn, conn.cursor() as cur:
            cur.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", (USER, PASSWORD))
        yield server
    finally:
        _stop(proc, signal.SIGTERM)


@contextmanager
def postgresql(base: Path) -> Iterator[Server]:
    base.mkdir(mode=0o755)
    shutil.chown(base, "postgres", "postgres")
    data, run = base / "data", base / "run"
    run.mkdir()
    shutil.chown(run, "postgres", "postgres")
    pwfile = base / "pw"
    pwfile.write_text("unused\n")
    shutil.chown(pwfile, "postgres", "postgres")
    as_pg: dict[str, Any] = {"user": "postgres", "group": "postgres", "extra_groups": []}
    subprocess.run([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8",
                    "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}"],
                   check=True, capture_output=True, cwd=base, **as_pg)
    port, log = free_port(), base / "server.log"
    out = open(log, "wb")
    shutil.chown(log, "postgres", "postgres")
    proc = subprocess.Popen(
        [str(PG_BIN / "postgres"), "-D", str(data), "-k", str(run), "-p", str(port),
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
         "-c", "full_page_writes=off", "-c", "shared_buffers=256MB", "-c", "log_statement=mod"],
        stdout=out, stderr=subprocess.STDOUT, cwd=base, **as_pg)
    out.close()
    server = Server("postgresql", port, run, proc.pid)
    try:
        _wait(lambda: server.admin().close(), proc, log, "postgres")
        with server.admin() as conn:
            from psycopg import sql

            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(USER),
                                                                           sql.Literal(PASSWORD)))
        yield server
    finally:
        _stop(proc, signal.SIGINT)  # fast shutdown


@contextmanager
def servers() -> Iterator[tuple[Server, Server]]:
    """Both servers, in a temporary folder removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="envcheck-data-"))
    base.chmod(0o755)  # the postgres user walks through it
    try:
        with mariadb(base / "mariadb") as my, postgresql(base / "postgresql") as pg:
            yield my, pg
    finally:
        shutil.rmtree(base, ignore_errors=True)
