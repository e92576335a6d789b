"""paramiko: kept to compare against OpenSSH (docs/design.md: "Choosing the transport")."""

from __future__ import annotations

import getpass
import os
import time
from typing import Any

import paramiko

from envcheck.ssh import reasons
from envcheck.ssh.client import KeysOnly, apply_host_keys
from envcheck.ssh.session import Channel, Target, Transport, TransportError
from envcheck.ssh.settings import SshSettings


class ParamikoChannel(Channel):
    def __init__(self, client: Any, channel: Any) -> None:
        self.client = client
        self.channel = channel
        self._stdout = bytearray()
        self._stderr = bytearray()

    def _wait(self, deadline: float) -> None:
        self.check_cancelled()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TransportError(reasons.TIMED_OUT)
        self.channel.settimeout(min(remaining, 0.25))
        try:
            chunk = self.channel.recv(65536)
        except TimeoutError:
            chunk = None
        except OSError as exc:
            raise TransportError(reasons.SESSION_ENDED, f"connection broke: {exc}") from exc
        if chunk == b"":
            raise EOFError
        if chunk:
            self._stdout += chunk
        while self.channel.recv_stderr_ready():
            self._stderr += self.channel.recv_stderr(65536)

    def write(self, data: bytes) -> None:
        try:
            self.channel.sendall(data)
        except OSError as exc:
            raise TransportError(reasons.SESSION_ENDED, "connection closed while sending") from exc

    def close_stdin(self) -> None:
        self.channel.shutdown_write()

    def _receive(self, deadline: float) -> None:
        try:
            self._wait(deadline)
        except EOFError as exc:
            raise TransportError(reasons.SESSION_ENDED, "connection closed") from exc

    def read_rest(self, deadline: float, limit: int) -> tuple[bytes, bytes, int | None]:
        while True:
            try:
                self._wait(deadline)
            except EOFError:
                break
            if len(self._stdout) > limit:
                raise TransportError(reasons.TIMED_OUT, f"output past {limit} bytes")
        while self.channel.recv_stderr_ready():
            self._stderr += self.channel.recv_stderr(65536)
        status = self.channel.recv_exit_status() if self.channel.exit_status_ready() else None
        return bytes(self._stdout), bytes(self._stderr), status

    def stderr_so_far(self) -> bytes:
        return bytes(self._stderr)

    def close(self) -> None:
        self.channel.close()
        self.client.close()


class ParamikoTransport(Transport):
    name = "paramiko"

    def __init__(self, settings: SshSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or SshSettings()

    def open(self, target: Target, command: str, deadline: float) -> Channel:


        ssh = self.settings
        options: dict[str, Any] = {}
        if ssh.ssh_config and os.path.exists(ssh.ssh_config):
            options = paramiko.SSHConfig.from_path(ssh.ssh_config).lookup(target.address)
        client = paramiko.SSHClient()
        apply_host_keys(client, ssh.host_keys(target.ssh_args, options.get("userknownhostsfile")))
        try:
            client.connect(
                options.get("hostname", target.address),
                port=int(options.get("port", target.port)),
                username=target.user or options.get("user"),
                timeout=min(ssh.connect_timeout, max(1.0, deadline - time.monotonic())),
                banner_timeout=ssh.connect_timeout,
                auth_timeout=ssh.connect_timeout,
                auth_strategy=KeysOnly(options, target.user or options.get("user") or getpass.getuser(),
                                       target.key_file),
            )
            transport = client.get_transport()
            if transport is None:
                raise paramiko.SSHException("no transport after connect")
            channel = transport.open_session()
            channel.exec_command(command)
        except (paramiko.SSHException, OSError, EOFError, UnicodeError) as exc:
            client.close()
            reason = reasons.from_exception(exc)
            raise TransportError(reason, reasons.detail_of(exc, reason)) from exc
        return ParamikoChannel(client, channel)
