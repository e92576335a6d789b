"""paramiko: kept to compare against OpenSSH (docs/design.md: "Choosing the transport")."""

from __future__ import annotations

import os
import time
from typing import Any

from envcheck.ssh.session import Channel, Target, Transport, TransportError, ssh_option


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
            raise TransportError("timed out")
        self.channel.settimeout(min(remaining, 0.25))
        try:
            chunk = self.channel.recv(65536)
        except TimeoutError:
            chunk = None
        except OSError as exc:
            raise TransportError(f"connection broke: {exc}") from exc
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
            raise TransportError("connection closed while sending") from exc

    def close_stdin(self) -> None:
        self.channel.shutdown_write()

    def read_line(self, deadline: float) -> bytes:
        while True:
            newline = self._stdout.find(b"\n")
            if newline >= 0:
                line = bytes(self._stdout[:newline])
                del self._stdout[: newline + 1]
                return line
            try:
                self._wait(deadline)
            except EOFError as exc:
                raise TransportError("connection closed") from exc

    def read_rest(self, deadline: float, limit: int) -> tuple[bytes, bytes, int | None]:
        while True:
            try:
                self._wait(deadline)
            except EOFError:
                break
            if len(self._stdout) > limit:
                raise TransportError(f"timed out: output past {limit} bytes")
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

    def __init__(self, ssh_config: str | None = None, known_hosts: str | None = None,
                 accept_new_host_keys: bool = False, connect_timeout: int = 10) -> None:
        super().__init__()
        self.ssh_config = ssh_config
        self.known_hosts = known_hosts
        self.accept_new = accept_new_host_keys
        self.connect_timeout = connect_timeout

    def open(self, target: Target, command: str, deadline: float) -> Channel:
        import paramiko  # noqa: PLC0415

        options: dict[str, Any] = {}
        if self.ssh_config and os.path.exists(self.ssh_config):
            cfg = paramiko.SSHConfig.from_path(self.ssh_config)
            options = cfg.lookup(target.address)
        client = paramiko.SSHClient()
        known = (self.known_hosts or ssh_option(target.ssh_args, "userknownhostsfile")
                 or options.get("userknownhostsfile", "~/.ssh/known_hosts").split()[0])
        known = os.path.expanduser(known)
        if os.path.exists(known):
            client.load_host_keys(known)
        # Unknown keys are refused unless asked; a changed key is refused by paramiko anyway.
        client.set_missing_host_key_policy(
            paramiko.AutoAddPolicy() if self.accept_new else paramiko.RejectPolicy())
        key_file = target.key_file or (options.get("identityfile") or [None])[0]
        try:
            client.connect(
                options.get("hostname", target.address),
                port=int(options.get("port", target.port)),
                username=target.user or options.get("user"),
                key_filename=os.path.expanduser(key_file) if key_file else None,
                timeout=min(self.connect_timeout, max(1.0, deadline - time.monotonic())),
                banner_timeout=self.connect_timeout,
                auth_timeout=self.connect_timeout,
                allow_agent=False,
                look_for_keys=key_file is None,
            )
            transport = client.get_transport()
            if transport is None:
                raise paramiko.SSHException("no transport after connect")
            channel = transport.open_session()
            channel.exec_command(command)
        except paramiko.BadHostKeyException as exc:
            client.close()
            raise TransportError(f"host key does not match known_hosts: {exc} / 主机密钥不匹配") from exc
        except paramiko.SSHException as exc:
            client.close()
            raise TransportError(f"ssh: {exc}") from exc
        except OSError as exc:
            client.close()
            raise TransportError(f"cannot connect: {exc}") from exc
        return ParamikoChannel(client, channel)

