"""A loopback port on the controller whose connections are carried through an audited host.

libpq (psycopg) connects only to a host and port: each connection to the loopback listener is
handed, as its standard input and output, to `ssh -W db:port host` built with the run's own
SSH settings and host-key policy (envcheck.ssh), so the database sees the application host's
address and the network path is that host's. On the local transport the address is used as
it is. Nothing is started on the host and nothing is left there."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from envcheck.ssh import reasons
from envcheck.ssh.command import ssh_argv, ssh_options
from envcheck.ssh.session import Target

Address = tuple[str, int]


class Forward:
    """Serves the connections of one datasource session (libpq may open a second one after an
    SSL refusal) until closed; keeps each `ssh -W`'s stderr for the reason of a failure."""

    def __init__(self, argv_for: list[str], timeout: float) -> None:
        self.argv = argv_for
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.settimeout(timeout)
        self.procs: list[subprocess.Popen[bytes]] = []
        self.stderr: list[str] = []  # each ssh's own words, once closed
        self._thread = threading.Thread(target=self._serve, daemon=True, name="envcheck-forward")
        self._thread.start()

    @property
    def address(self) -> Address:
        host, port = self.listener.getsockname()[:2]
        return str(host), int(port)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:  # closed, or no connection in time
                return
            with conn:
                try:
                    self.procs.append(subprocess.Popen(
                        self.argv, stdin=conn.fileno(), stdout=conn.fileno(), stderr=subprocess.PIPE,
                        start_new_session=True))
                except OSError:
                    return

    def failure(self) -> str | None:
        """Why the channel failed (after close): the host's refusal to open it ("connect failed:
        Connection refused" is the database port, seen from the host), else why ssh itself
        failed, in the words every command uses."""
        for text in self.stderr:
            opened = next((line.strip() for line in text.splitlines() if "open failed" in line), None)
            if opened:
                return "from the host: " + opened.partition("open failed: ")[2]
            reason = reasons.from_openssh(text)
            if reason is not None:
                return "ssh: " + reason.say(None, reasons.last_line(text))
        return None

    def close(self) -> None:
        self.listener.close()
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()  # our own child, by its PID
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stderr is not None:
                self.stderr.append(proc.stderr.read(65536).decode("utf-8", "replace"))
                proc.stderr.close()


class Tunnels:
    """Opens forwards through one host, as its transport reaches it."""

    def __init__(self, transport: Any, target: Target, timeout: float) -> None:
        self.transport = transport
        self.target = target
        self.timeout = timeout

    def argv(self, host: str, port: int) -> list[str]:
        ssh = self.transport.settings
        # LogLevel INFO: ssh then says why a channel did not open ("connect failed: ...").
        options = [o.replace("LogLevel=ERROR", "LogLevel=INFO")
                   for o in ssh_options(ssh.ssh_config, ssh.connect_timeout, None)]
        t = self.target
        argv = ssh_argv(options, ssh.openssh_options(t), t.address, t.port, t.user, t.key_file,
                        (*t.ssh_args, "-W", f"[{host}]:{port}"), "")
        return argv[:-1]  # -W carries the bytes; no remote command

    @contextmanager
    def forward(self, host: str, port: int, failures: list[str]) -> Iterator[Address]:
        """A loopback address carried to host:port through the target; once closed, why the
        channel failed (if ssh said so) is appended to `failures`. Safe from several threads."""
        if self.target.local or not hasattr(self.transport, "settings"):
            yield host, port
            return
        fwd = Forward(self.argv(host, port), self.timeout)
        try:
            yield fwd.address
        finally:
            fwd.close()
            failure = fwd.failure()
            if failure:
                failures.append(failure)
