"""Datasource channels multiplexed over one OpenSSH connection per app host.

A datasource session (and libpq's second try without SSL) is a direct-tcpip channel through the
app host. An `ssh -W` of its own would pay a whole SSH handshake on the controller and the host
each time; instead every channel is opened over a ControlMaster by speaking OpenSSH's
multiplexing protocol (PROTOCOL.mux, MUX_C_NEW_STDIO_FWD): the accepted loopback connection
itself is handed to the master (SCM_RIGHTS), so no process is started per channel.

The master is the host's own probe session when the transport shares it (`Shared`: its ssh
runs with ControlPersist, its log in a private folder; envcheck.ssh.share), else an `ssh -N`
of our own (`Master`). Either is ended once the run is done, its socket's folder removed:
nothing outlives the run. Opens are one at a time, so that the master's "open failed" line
(LogLevel INFO), logged before its refusal, is the reason of that channel."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence

from envcheck.ssh import reasons

HELLO = 0x00000001
ALIVE_CHECK = 0x10000004
TERMINATE = 0x10000005
NEW_STDIO_FWD = 0x10000008
S_ALIVE = 0x80000005
S_SESSION_OPENED = 0x80000006
VERSION = 4
SOCKET = "m"  # the socket's name in its private folder (a unix socket path is short: 108 bytes)


class MasterError(Exception):
    """The master could not be started or reached; its words are the reason."""


def _packet(*parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I", len(body)) + body


def _u32(value: int) -> bytes:
    return struct.pack(">I", value)


def _string(text: str) -> bytes:
    raw = text.encode("utf-8")
    return _u32(len(raw)) + raw


def _read(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise MasterError("the master closed the control connection")
        data += chunk
    return data


def _receive(sock: socket.socket) -> tuple[int, bytes]:
    (size,) = struct.unpack(">I", _read(sock, 4))
    body = _read(sock, size)
    return struct.unpack(">I", body[:4])[0], body[4:]


def _control(path: str, timeout: float) -> socket.socket:
    """A control connection to the master at `path`, past the greetings."""
    ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ctl.settimeout(timeout)
    try:
        ctl.connect(path)
        ctl.sendall(_packet(_u32(HELLO), _u32(VERSION)))
        kind, _ = _receive(ctl)
        if kind != HELLO:
            raise MasterError(f"unexpected answer from the master ({kind:#x})")
    except BaseException:
        ctl.close()
        raise
    return ctl


def open_channel(path: str, conn: socket.socket, host: str, port: int, request: int,
                 timeout: float) -> socket.socket | None:
    """`conn` handed to the master as a channel to host:port: the control connection, which the
    channel lives as long as; None when the host refused to open it."""
    ctl = _control(path, timeout)
    try:
        ctl.sendall(_packet(_u32(NEW_STDIO_FWD), _u32(request), _string(""), _string(host), _u32(port)))
        for _ in range(2):  # the channel's input, then its output: the same socket
            socket.send_fds(ctl, [b"\0"], [conn.fileno()])
        kind, _ = _receive(ctl)  # sent once the host has answered the channel's opening
    except BaseException:
        ctl.close()
        raise
    if kind == S_SESSION_OPENED:
        return ctl
    ctl.close()
    return None


def end_masters(paths: Sequence[str], timeout: float = 5) -> None:
    """Ask each master its PID and to exit, then wait for them all; past `timeout`, end those
    still running by that PID."""
    pids = [pid for pid in (_terminate(path, timeout) for path in paths) if pid > 1]
    deadline = time.monotonic() + timeout
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    for pid in pids:
        if running(pid):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)  # a master our own session started, by its PID


def _terminate(path: str, timeout: float) -> int:
    """The PID of the master at `path` (0 if none answers), told to exit."""
    if not os.path.exists(path):
        return 0  # the session never logged in, or its master is gone already
    try:
        with _control(path, timeout) as ctl:
            ctl.sendall(_packet(_u32(ALIVE_CHECK), _u32(1)))
            kind, body = _receive(ctl)
            pid = struct.unpack(">I", body[4:8])[0] if kind == S_ALIVE and len(body) >= 8 else 0
            ctl.sendall(_packet(_u32(TERMINATE), _u32(2)))
            with contextlib.suppress(OSError, MasterError):
                _receive(ctl)  # MUX_S_OK, unless it has gone first
    except (OSError, MasterError):
        return 0
    return int(pid)


def running(pid: int) -> bool:
    """Whether the process is there and has not exited (a zombie waits for its reaper: init,
    or a subreaper such as the bench, which reap it when they will)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rpartition(b")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state not in (b"Z", b"X")


class Channels:
    """Opens channels over one master, one at a time; subclasses say where it is and what it logs."""

    path: str
    timeout: float

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._request = 0

    def _ready(self) -> str | None:
        """None once the master's socket is there, else why it will not be."""
        raise NotImplementedError

    def _said(self, mark: int) -> tuple[int, list[str]]:
        """Where the master's log is now, and its lines since `mark`."""
        raise NotImplementedError

    def open(self, conn: socket.socket, host: str, port: int) -> socket.socket | str:
        """Hand `conn` to the master as a channel to host:port: the control connection (close it
        once done), else why not: the host's refusal ("from the host: connect failed: ...") or
        why the master is not there ("ssh: ...")."""
        with self._lock:
            try:
                why = self._ready()
                if why is not None:
                    return why
                mark, _ = self._said(-1)
                self._request += 1
                opened = open_channel(self.path, conn, host, port, self._request, self.timeout)
                return opened if opened is not None else self._refusal(mark)
            except (OSError, MasterError) as exc:
                return f"ssh: control connection: {exc}"

    def _refusal(self, mark: int) -> str:
        """The master logs why the host refused the channel before it answers: that line."""
        deadline = time.monotonic() + 2
        while True:
            said = [line for line in self._said(mark)[1] if "open failed" in line]
            if said:
                return "from the host: " + said[-1].partition("open failed: ")[2].strip()
            if time.monotonic() > deadline:
                return "from the host: the channel was refused"
            time.sleep(0.02)


class Shared(Channels):
    """The master of the host's probe session (its ssh runs with ControlMaster and
    ControlPersist, its socket at `path`, logging to `log`: envcheck.ssh.openssh). `alive` says whether the
    session may still bring it up (not started yet, or running)."""

    def __init__(self, path: str, log: str, alive: Callable[[], bool], timeout: float) -> None:
        super().__init__()
        self.path = path
        self.log = log
        self.alive = alive
        self.timeout = timeout

    def _ready(self) -> str | None:
        deadline = time.monotonic() + self.timeout
        pause = 0.01
        while not os.path.exists(self.path):  # bound once the session has logged in
            if not self.alive() and not os.path.exists(self.path):
                return "ssh: the host's session did not open (see the host's error)"
            if time.monotonic() > deadline:
                return "ssh: " + reasons.TIMED_OUT.say()
            time.sleep(pause)
            pause = min(pause * 1.5, 0.1)  # a login takes a second or more on a busy machine
        return None

    def _said(self, mark: int) -> tuple[int, list[str]]:
        try:
            with open(self.log, "rb") as f:
                f.seek(max(0, mark))
                text = f.read()
        except OSError:
            return max(0, mark), []
        end = max(0, mark) + len(text)
        return end, ([] if mark < 0 else text.decode("utf-8", "replace").splitlines())


class Master(Channels):
    """`ssh -N` as a ControlMaster of our own (`argv`: the host's ssh command line without a
    command), started at the first open, for a transport that does not share its sessions."""

    def __init__(self, argv: Sequence[str], timeout: float) -> None:
        super().__init__()
        self.folder = tempfile.mkdtemp(prefix="envcheck-mux-")  # 0700: only we reach the socket
        self.path = os.path.join(self.folder, SOCKET)
        self.argv = [*argv[:1], "-N", "-o", "ControlMaster=yes", "-o", f"ControlPath={self.path}",
                     "-o", "ControlPersist=no", *argv[1:]]
        self.timeout = timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.failed: str | None = None  # why the master is not there, once known
        self.lines: list[str] = []  # the master's stderr so far
        self._reader: threading.Thread | None = None

    def _ready(self) -> str | None:
        if self.failed is None and self.proc is None:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, start_new_session=True)
            self._reader = threading.Thread(target=self._read_stderr, daemon=True, name="envcheck-mux-stderr")
            self._reader.start()
            deadline = time.monotonic() + self.timeout
            while not os.path.exists(self.path):  # bound once the master has logged in
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.failed = self._why()
                    break
                time.sleep(0.02)
        elif self.failed is None and self.proc is not None and self.proc.poll() is not None:
            self.failed = self._why()
        return self.failed

    def _read_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for raw in self.proc.stderr:
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def _said(self, mark: int) -> tuple[int, list[str]]:
        lines = list(self.lines)
        return len(lines), ([] if mark < 0 else lines[mark:])

    def _why(self) -> str:
        if self.proc is not None and self.proc.poll() is None:
            return "ssh: " + reasons.TIMED_OUT.say()
        if self._reader is not None:
            self._reader.join(timeout=2)
        text = "\n".join(self.lines)
        reason = reasons.from_openssh(text) or reasons.OTHER
        return "ssh: " + reason.say(None, reasons.last_line(text))

    def close(self) -> None:
        """End the master (our own child, by its PID) and remove its socket's folder."""
        with self._lock:
            if self.proc is not None:
                if self.proc.poll() is None:
                    self.proc.terminate()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
                if self._reader is not None:
                    self._reader.join(timeout=2)
                if self.proc.stderr is not None:
                    self.proc.stderr.close()
            shutil.rmtree(self.folder, ignore_errors=True)
