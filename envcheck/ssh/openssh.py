"""Channels over a local subprocess: OpenSSH's ssh client, or sh on this machine."""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import time

from envcheck.ssh.command import CONNECT_TIMEOUT, spawn, ssh_argv, ssh_options
from envcheck.ssh.session import Channel, Target, Transport, TransportError


class ProcessChannel(Channel):
    def __init__(self, argv: list[str]) -> None:
        try:
            self.proc = spawn(argv)
        except OSError as exc:
            raise TransportError(f"cannot start {argv[0]}: {exc}") from exc
        assert self.proc.stdout and self.proc.stderr and self.proc.stdin
        self._out = self.proc.stdout.fileno()
        self._err = self.proc.stderr.fileno()
        os.set_blocking(self._out, False)
        os.set_blocking(self._err, False)
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._out, selectors.EVENT_READ)
        self._sel.register(self._err, selectors.EVENT_READ)
        self._stdout = bytearray()
        self._stderr = bytearray()
        self._out_eof = False
        self._err_eof = False

    def _pump(self, deadline: float) -> None:
        """Read what is available on stdout and stderr, waiting until the deadline."""
        self.check_cancelled()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TransportError("timed out")
        for key, _ in self._sel.select(timeout=min(remaining, 0.25)):
            chunk = os.read(int(key.fd), 65536)
            if key.fd == self._out:
                if chunk:
                    self._stdout += chunk
                else:
                    self._out_eof = True
                    self._sel.unregister(self._out)
            elif chunk:
                self._stderr += chunk[: max(0, 65536 - len(self._stderr))]
            else:
                self._err_eof = True
                self._sel.unregister(self._err)

    def write(self, data: bytes) -> None:
        assert self.proc.stdin
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise TransportError("connection closed while sending") from exc

    def close_stdin(self) -> None:
        assert self.proc.stdin
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def read_line(self, deadline: float) -> bytes:
        while True:
            newline = self._stdout.find(b"\n")
            if newline >= 0:
                line = bytes(self._stdout[:newline])
                del self._stdout[: newline + 1]
                return line
            if self._out_eof:
                raise TransportError("connection closed")
            self._pump(deadline)

    def read_rest(self, deadline: float, limit: int) -> tuple[bytes, bytes, int | None]:
        while not (self._out_eof and self._err_eof):
            self._pump(deadline)
            if len(self._stdout) > limit:
                raise TransportError(f"timed out: output past {limit} bytes")
        try:
            status = self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            status = None
        return bytes(self._stdout), bytes(self._stderr), status

    def stderr_so_far(self) -> bytes:
        try:
            for _ in range(5):  # the client's last words usually arrive with its exit
                if self._err_eof:
                    break
                self._pump(time.monotonic() + 0.2)
        except (TransportError, OSError):
            pass
        return bytes(self._stderr)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()  # our own child, by its PID
        self.proc.wait()
        self._sel.close()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass


class LocalTransport(Transport):
    """This machine, without SSH."""

    name = "local"
    opens_in_background = True

    def open(self, target: Target, command: str, deadline: float) -> Channel:
        return ProcessChannel(["sh", "-c", command])


_SSH_REASONS = (
    (re.compile(r"REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed"),
     "host key does not match known_hosts (or is unknown); check the host, then update "
     "known_hosts or use --accept-new-host-keys for a new host / 主机密钥不匹配或未知"),
    (re.compile(r"Permission denied"), "authentication failed (key or user) / 认证失败"),
    (re.compile(r"Connection refused"), "connection refused: is sshd running? / 连接被拒绝"),
    (re.compile(r"timed out|Connection timed out"), "timed out / 连接超时"),
    (re.compile(r"No route to host|Network is unreachable"), "no route to host / 网络不可达"),
    (re.compile(r"Could not resolve hostname"), "host name does not resolve / 主机名无法解析"),
    (re.compile(r"a password is required|incorrect password|sudo:"),
     "sudo failed: wrong or missing password / sudo 失败"),
)


class OpenSSHTransport(Transport):
    """The system's ssh client, sharing one ControlMaster connection per host."""

    name = "openssh"
    opens_in_background = True

    def __init__(self, ssh_config: str | None = None, known_hosts: str | None = None,
                 accept_new_host_keys: bool = False, connect_timeout: int = CONNECT_TIMEOUT,
                 control_dir: str | None = None) -> None:
        super().__init__()
        self.ssh_config = ssh_config
        self.known_hosts = known_hosts
        self.accept_new = accept_new_host_keys
        self.connect_timeout = connect_timeout
        self.control_dir = control_dir

    def argv(self, target: Target, command: str) -> list[str]:
        options = ssh_options(self.ssh_config, self.known_hosts, self.accept_new, self.connect_timeout,
                              self.control_dir)
        return ssh_argv(options, target.address, target.port, target.user, target.key_file, target.ssh_args,
                        command)

    def open(self, target: Target, command: str, deadline: float) -> Channel:
        return ProcessChannel(self.argv(target, command))

    def explain(self, target: Target, stderr: bytes, exit_status: int | None) -> str:
        text = stderr.decode("utf-8", "replace")
        for pattern, reason in _SSH_REASONS:
            if pattern.search(text):
                return f"{reason} ({target.address}:{target.port})"
        return super().explain(target, stderr, exit_status)
