"""A loopback port on the controller whose connections are carried through an audited host.

libpq (psycopg) connects only to a host and port: each connection to the loopback listener is
handed to the host's ControlMaster (envcheck.appview.mux) as a direct-tcpip channel to db:port:
the host's own probe session where the transport shares it, else an `ssh -N` built with the
run's own SSH settings and host-key policy (envcheck.ssh), so the database sees the application
host's address and the network path is that host's. All the channels of a host share one
connection. On the local transport the address is used
as it is. Nothing is started on the host and nothing is left there."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from envcheck.appview.mux import Channels, Master
from envcheck.ssh.command import ssh_argv, ssh_options
from envcheck.ssh.session import Target

Address = tuple[str, int]


class Forward:
    """Serves the connections of one datasource session (libpq may open a second one after an
    SSL refusal) until closed; keeps why a channel did not open."""

    def __init__(self, master: Channels, host: str, port: int, timeout: float) -> None:
        self.master = master
        self.target = (host, port)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.settimeout(timeout)
        self.controls: list[socket.socket] = []  # one per open channel, closed with it
        self.failures: list[str] = []
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
            with conn:  # the master holds its own copy once the channel is open
                opened = self.master.open(conn, *self.target)
            if isinstance(opened, str):  # a second try (libpq's without SSL) would only fail alike:
                self.failures.append(opened)  # the port is closed to it
                self.listener.close()
                return
            self.controls.append(opened)

    def close(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept under way (Linux)
        except OSError:
            pass
        self.listener.close()
        self._thread.join(timeout=5)
        for ctl in self.controls:
            ctl.close()


class Tunnels:
    """Opens forwards through one host, as its transport reaches it, over one master connection
    started at the first channel; `close` ends it."""

    def __init__(self, transport: Any, target: Target, timeout: float) -> None:
        self.transport = transport
        self.target = target
        self.timeout = timeout
        self._channels: Channels | None = None
        self._master: Master | None = None  # our own, when the session is not shared
        self._lock = threading.Lock()

    def argv(self) -> list[str]:
        ssh = self.transport.settings
        # LogLevel INFO: the master then says why a channel did not open ("connect failed: ...").
        options = [o.replace("LogLevel=ERROR", "LogLevel=INFO")
                   for o in ssh_options(ssh.ssh_config, ssh.connect_timeout, None)]
        t = self.target
        argv = ssh_argv(options, ssh.openssh_options(t), t.address, t.port, t.user, t.key_file, t.ssh_args, "")
        return argv[:-1]  # no remote command (-N)

    def master(self) -> Channels:
        """The host's shared session (envcheck.ssh: the probe session's own connection), else a
        master of our own, started at the first channel."""
        with self._lock:
            if self._channels is None:
                self._channels = self.transport.channels(self.target, self.timeout)
            if self._channels is None:
                self._master = self._channels = Master(self.argv(), self.timeout)
            return self._channels

    @contextmanager
    def forward(self, host: str, port: int, failures: list[str]) -> Iterator[Address]:
        """A loopback address carried to host:port through the target; once closed, why the
        channel failed (if it did) is appended to `failures`. Safe from several threads."""
        if self.target.local or not hasattr(self.transport, "settings"):
            yield host, port
            return
        fwd = Forward(self.master(), host, port, self.timeout)
        try:
            yield fwd.address
        finally:
            fwd.close()
            failures.extend(fwd.failures[:1])

    def close(self) -> None:
        """End our own master, if one was started (a shared one ends with the run's transport)."""
        with self._lock:
            if self._master is not None:
                self._master.close()
            self._master = self._channels = None
