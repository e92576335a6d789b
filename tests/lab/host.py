"""Processes and namespaces of the lab: started with their PIDs kept, ended only by them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path


def sh(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), check=check, capture_output=True, text=True)


def daemon(pidfile: Path, argv: list[str]) -> int:
    """Start a background process in its own session; its PID goes to pidfile."""
    log = pidfile.with_suffix(".log").open("ab")
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                            start_new_session=True)
    pidfile.write_text(str(proc.pid))
    return proc.pid


def read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None


def alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is not alive
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def kill_pidfile(pidfile: Path, sig: int = signal.SIGTERM, wait: float = 5.0) -> None:
    pid = read_pid(pidfile)
    if alive(pid):
        assert pid is not None
        os.kill(pid, sig)
        _reap(pid, wait)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
            _reap(pid, 5.0)
    pidfile.unlink(missing_ok=True)


def _reap(pid: int, wait: float) -> None:
    deadline = time.monotonic() + wait
    while alive(pid) and time.monotonic() < deadline:
        try:
            os.waitpid(pid, os.WNOHANG)  # our child when started in this process
        except ChildProcessError:
            pass
        time.sleep(0.05)


def children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def wait_for_banner(address: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((address, port), timeout=1) as conn:
                conn.settimeout(2)
                if conn.recv(4) == b"SSH-":
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def netns_exists(name: str) -> bool:
    return Path("/run/netns", name).exists()


def port_listening(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False
