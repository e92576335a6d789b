"""Channels over a local subprocess: OpenSSH's ssh client, or sh on this machine."""

from __future__ import annotations

import os
import selectors
import shutil
import subprocess
import tempfile
import time
from typing import Any

from envcheck.ssh import reasons
from envcheck.ssh.command import spawn, ssh_argv, ssh_options
from envcheck.ssh.jumps import JumpConnections
from envcheck.ssh.reasons import Reason
from envcheck.ssh.session import Channel, Target, Transport, TransportError, session_key
from envcheck.ssh.settings import SshSettings


class ProcessChannel(Channel):
    def __init__(self, argv: list[str], log: str | None = None) -> None:
        self.log = log  # ssh -E: where the client's own words go (a shared session)
        try:
            self.proc = spawn(argv)
        except OSError as exc:
            raise TransportError(reasons.OTHER, f"cannot start {argv[0]}: {exc}") from exc
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
            raise TransportError(reasons.TIMED_OUT)
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
            raise TransportError(reasons.SESSION_ENDED, "connection closed while sending") from exc

    def close_stdin(self) -> None:
        assert self.proc.stdin
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def _receive(self, deadline: float) -> None:
        if self._out_eof:
            raise TransportError(reasons.SESSION_ENDED, "connection closed")
        self._pump(deadline)

    def read_rest(self, deadline: float, limit: int) -> tuple[bytes, bytes, int | None]:
        while not (self._out_eof and self._err_eof):
            self._pump(deadline)
            if len(self._stdout) > limit:
                raise TransportError(reasons.TIMED_OUT, f"output past {limit} bytes")
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
        logged = b""
        if self.log is not None:
            try:
                with open(self.log, "rb") as f:
                    logged = f.read(65536)
            except OSError:
                pass
        return bytes(self._stderr) + logged

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


class Shared:
    """A session shared with the channels through its host: its private folder (the master's
    socket and the log) and the ssh processes started for it."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.socket = os.path.join(folder, "m")  # a unix socket's path is short: 108 bytes
        self.log = os.path.join(folder, "log")
        self.procs: list[subprocess.Popen[bytes]] = []

    def options(self) -> list[str]:
        return ["-E", self.log, "-o", "ControlMaster=yes", "-o", f"ControlPath={self.socket}",
                "-o", "ControlPersist=60"]  # at most a minute past a run that could not end it

    def alive(self) -> bool:
        """Whether the session may still bring its master up: not started yet, or running."""
        return not self.procs or any(p.poll() is None for p in self.procs)


class LocalTransport(Transport):
    """This machine, without SSH."""

    name = "local"
    opens_in_background = True

    def open(self, target: Target, command: str, deadline: float) -> Channel:
        return ProcessChannel(["sh", "-c", command])


class OpenSSHTransport(Transport):
    """The system's ssh client, sharing one ControlMaster connection per host, and one per
    jump host (ProxyJump) for all the targets behind it."""

    name = "openssh"
    opens_in_background = True

    def __init__(self, settings: SshSettings | None = None, control_dir: str | None = None) -> None:
        super().__init__()
        self.settings = settings or SshSettings()
        self.control_dir = control_dir
        self._shared: dict[Target, Shared] = {}
        self._jumps = JumpConnections(self.settings)

    def argv(self, target: Target, command: str) -> list[str]:
        ssh = self.settings
        options = ssh_options(ssh.ssh_config, ssh.connect_timeout, self.control_dir)
        shared = self._shared.get(session_key(target))
        if shared is not None:
            options = [*(o.replace("LogLevel=ERROR", "LogLevel=INFO") for o in options), *shared.options()]
        policy = ssh.openssh_options(target, self._jumps.open(target))
        return ssh_argv(options, policy, target.address, target.port, target.user, target.key_file,
                        target.ssh_args, command)

    def open(self, target: Target, command: str, deadline: float) -> Channel:
        shared = self._shared.get(session_key(target))
        channel = ProcessChannel(self.argv(target, command), shared.log if shared else None)
        if shared is not None:
            shared.procs.append(channel.proc)
        return channel

    def share(self, target: Target) -> None:
        """The target's session becomes a ControlMaster that stays (ControlPersist) once the
        session ends, for the channels through the host (envcheck.appview.mux) until
        end_shared(); its log (LogLevel INFO: why a channel was refused) goes to a private
        folder, read back for the session's errors too."""
        key = session_key(target)
        if key not in self._shared:
            base = tempfile.gettempdir()
            if len(base) > 48:  # the socket's path (and ssh's temporary name beside it) must fit 108 bytes
                base = "/tmp"
            self._shared[key] = Shared(tempfile.mkdtemp(prefix="envcheck-mux-", dir=base))

    def channels(self, target: Target, timeout: float) -> Any:
        shared = self._shared.get(session_key(target))
        if shared is None:
            return None
        from envcheck.appview import mux  # noqa: PLC0415 (only with datasources declared)

        return mux.Shared(shared.socket, shared.log, shared.alive, timeout)

    def end_shared(self) -> None:
        from envcheck.appview import mux  # noqa: PLC0415

        shared = list(self._shared.values())
        self._shared.clear()
        mux.end_masters([s.socket for s in shared])
        for s in shared:
            shutil.rmtree(s.folder, ignore_errors=True)

    def close_prepared(self) -> None:
        """Sessions never taken, and the run's connections to its jump hosts, ended."""
        super().close_prepared()
        self._jumps.close()

    def explain(self, stderr: bytes) -> tuple[Reason, str | None] | None:
        reason = reasons.from_openssh(stderr.decode("utf-8", "replace"))
        return (reason, None) if reason is not None else super().explain(stderr)
