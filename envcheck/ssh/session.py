"""One exec per host: the exchange every transport runs over its channel.

1. start the fixed bootstrap command; wait for its READY line (the session is up);
2. clock exchange: send a line at t1, read the host's time, receive at t2; the host's
   offset is remote - (t1 + t2) / 2, good to half the round trip;
3. send the sudo password line (or an empty line) and the probe script, close stdin;
4. read stdout to the end, within the per-host deadline.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from envcheck.ssh import reasons
from envcheck.ssh.command import READY, REMOTE_COMMAND
from envcheck.ssh.reasons import Reason

MAX_SESSION_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Target:
    """How to reach one host, as the inventory says."""

    name: str
    address: str
    port: int = 22
    user: str | None = None
    key_file: str | None = None
    ssh_args: tuple[str, ...] = ()  # ansible_ssh_common_args / ansible_ssh_extra_args
    local: bool = False
    become_password: str | None = field(default=None, repr=False)  # never printed


@dataclass(frozen=True)
class SessionOutput:
    stdout: bytes
    stderr: bytes
    exit_status: int | None
    clock_offset_ms: float | None
    clock_rtt_ms: float | None
    error: str | None  # set when the host could not be audited: the reason's words, the address
    seconds: float
    reason: Reason | None = None  # why, when error is set


class TransportError(Exception):
    """The host could not be reached or the session broke: `reason` says why, `detail` adds
    what is particular to this time."""

    def __init__(self, reason: Reason, detail: str | None = None) -> None:
        super().__init__(reason.say(None, detail))
        self.reason = reason
        self.detail = detail


class Channel(ABC):
    """A started remote command: byte pipes with deadlines."""

    # Set by the transport: once set, a waiting read gives up ("interrupted") within a
    # fraction of a second, so an interrupted run never waits for a host's timeout.
    cancelled: threading.Event | None = None

    def check_cancelled(self) -> None:
        if self.cancelled is not None and self.cancelled.is_set():
            raise TransportError(reasons.INTERRUPTED)

    @abstractmethod
    def write(self, data: bytes) -> None: ...

    @abstractmethod
    def close_stdin(self) -> None: ...

    _stdout: bytearray  # stdout received and not yet read

    def read_line(self, deadline: float) -> bytes:
        """One line of stdout (without the newline); TransportError on EOF/timeout."""
        while (newline := self._stdout.find(b"\n")) < 0:
            self._receive(deadline)
        line = bytes(self._stdout[:newline])
        del self._stdout[: newline + 1]
        return line

    @abstractmethod
    def _receive(self, deadline: float) -> None:
        """Wait for more stdout; TransportError when it has ended or the deadline passed."""

    @abstractmethod
    def read_rest(self, deadline: float, limit: int) -> tuple[bytes, bytes, int | None]:
        """The remaining stdout, all of stderr and the exit status."""

    @abstractmethod
    def stderr_so_far(self) -> bytes: ...

    @abstractmethod
    def close(self) -> None: ...


class Transport(ABC):
    name = "base"
    # True when open() returns at once (the handshake runs in a child process): prepare()
    # then starts every session up front, so the handshakes overlap the caller's own work.
    opens_in_background = False

    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self._prepared: dict[Target, tuple[Channel, float]] = {}

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *_exc: object) -> None:
        """A command's use of the transport is over: the sessions it prepared and never took,
        its shared connections (jump hosts, ControlMasters) ended."""
        self.close_prepared()
        self.end_shared()

    def cancel(self) -> None:
        """End every session of this transport now (Ctrl+C, SIGTERM): each returns "interrupted"."""
        self.cancelled.set()

    @abstractmethod
    def open(self, target: Target, command: str, deadline: float) -> Channel: ...

    def prepare(self, targets: Sequence[Target], timeout: float) -> None:
        """Start the sessions of these targets now, when opening costs the caller nothing
        (the handshake runs in a child process): the handshakes overlap the caller's own work
        (building the probe scripts). run() takes the session started for its target;
        close_prepared() ends those never taken (an interrupted or refused run)."""
        if not self.opens_in_background:
            return
        for target in targets:
            started = time.monotonic()
            try:
                channel = self.open(target, REMOTE_COMMAND, started + timeout)
            except TransportError:
                continue  # run() opens it again and reports why it fails
            self._prepared[session_key(target)] = (channel, started)

    def share(self, target: Target) -> None:
        """Let this target's session carry channels through the host too (a ControlMaster that
        envcheck.appview.mux reuses), where the transport can; see `channels`."""
        return None

    def channels(self, target: Target, timeout: float) -> Any:
        """What opens channels over the target's shared session (envcheck.appview.mux.Shared),
        or None when it is not shared."""
        return None

    def end_shared(self) -> None:
        """End every shared connection (the masters outlive their sessions until then)."""
        return None

    def close_prepared(self) -> None:
        while self._prepared:
            _, (channel, _) = self._prepared.popitem()
            channel.close()

    def _take(self, target: Target) -> tuple[Channel, float] | None:
        return self._prepared.pop(session_key(target), None)

    def explain(self, stderr: bytes) -> tuple[Reason, str | None] | None:
        """The reason in what was printed on stderr when the session failed, and the detail to
        add to it; None when nothing was printed."""
        text = stderr.decode("utf-8", "replace")
        return (reasons.OTHER, reasons.last_line(text)) if text.strip() else None

    def run(self, target: Target, script: str, timeout: float) -> SessionOutput:
        started = time.monotonic()
        channel: Channel | None = None
        prepared = self._take(target)
        if prepared is not None:
            channel, started = prepared
        deadline = started + timeout
        try:
            if self.cancelled.is_set():
                raise TransportError(reasons.INTERRUPTED)
            if channel is None:
                channel = self.open(target, REMOTE_COMMAND, deadline)
            channel.cancelled = self.cancelled
            _wait_ready(channel, deadline)
            t1 = time.time()
            channel.write(b"\n")
            remote_line = channel.read_line(deadline)
            t2 = time.time()
            offset, rtt = _clock(remote_line, t1, t2)
            password = (target.become_password or "").replace("\n", "")
            channel.write(password.encode() + b"\n" + script.encode())
            channel.close_stdin()
            stdout, stderr, status = channel.read_rest(deadline, MAX_SESSION_BYTES)
            return SessionOutput(stdout, stderr, status, offset, rtt, None,
                                 time.monotonic() - started)
        except TransportError as exc:
            reason, detail = exc.reason, exc.detail
            if channel is not None and reason not in (reasons.TIMED_OUT, reasons.INTERRUPTED):
                explained = self.explain(channel.stderr_so_far())
                if explained is not None:
                    reason, detail = explained
            return SessionOutput(b"", b"", None, None, None, reason.say(f"{target.address}:{target.port}", detail),
                                 time.monotonic() - started, reason)
        finally:
            if channel is not None:
                channel.close()


def session_key(target: Target) -> Target:
    # A session is started before the sudo password is known; the password is not part of
    # how a host is reached.
    return replace(target, become_password=None)


def _wait_ready(channel: Channel, deadline: float) -> None:
    # A login banner or motd printed by a profile may come first: skip to READY.
    for _ in range(200):
        if channel.read_line(deadline).strip().endswith(READY):
            return
    raise TransportError(reasons.SESSION_ENDED, "the host's shell never answered (no READY line)")


def _clock(line: bytes, t1: float, t2: float) -> tuple[float | None, float]:
    rtt_ms = (t2 - t1) * 1000
    try:
        remote = float(line.split()[0].decode("ascii"))  # "%s.%N %z %Z"
    except (ValueError, IndexError):
        return None, rtt_ms  # e.g. a date without %N: no offset rather than a wrong one
    return (remote - (t1 + t2) / 2) * 1000, rtt_ms
