"""Helpers of the reliability suite on the lab: a host that accepts and never answers, an
inventory with extra hosts, and `envcheck` as a real subprocess watched as it runs."""

from __future__ import annotations

import copy
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.lab.lab import Lab

ENVCHECK = str(Path(sys.executable).parent / "envcheck")


def silent_address(lab: Lab) -> str:
    """A loopback address of this lab's own range, past its hosts (e.g. 127.0.70.250)."""
    return lab.cfg.loopback_start.rsplit(".", 1)[0] + ".250"


@contextmanager
def silent_host(address: str, banner: bool = False) -> Iterator[tuple[str, int]]:
    """A TCP port (a free one, the kernel's choice) that completes the handshake (the kernel
    does, from the backlog) and then never says a word: an sshd that hangs. With `banner`, it
    sends an SSH version line first and then hangs: past ssh's ConnectTimeout (which covers
    the banner), only the per-host deadline ends the session."""
    sock = socket.socket()
    sock.bind((address, 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    held: list[socket.socket] = []
    stop = threading.Event()

    def greet() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            conn.sendall(b"SSH-2.0-OpenSSH_9.2p1 hung\r\n")
            held.append(conn)

    thread = threading.Thread(target=greet, daemon=True) if banner else None
    if thread:
        thread.start()
    try:
        yield address, port
    finally:
        stop.set()
        if thread:
            thread.join()
        for conn in held:
            conn.close()
        sock.close()


def lab_inventory(lab: Lab) -> dict[str, Any]:
    return yaml.safe_load(lab.inventory_path.read_text())


def host_vars(inv: dict[str, Any], name: str) -> dict[str, Any]:
    for group in inv["all"]["children"].values():
        if name in group["hosts"]:
            return group["hosts"][name]  # type: ignore[no-any-return]
    raise KeyError(name)


def add_host(inv: dict[str, Any], group: str, name: str, like: str, **overrides: Any) -> None:
    """A host with the connection settings of `like`, changed by `overrides`."""
    hvars = {**copy.deepcopy(host_vars(inv, like)), **overrides}
    inv["all"]["children"].setdefault(group, {"hosts": {}})["hosts"][name] = hvars


def write_inventory(lab: Lab, folder: Path, inv: dict[str, Any], standard: dict[str, Any] | None = None) -> Path:
    """The inventory beside a copy of the lab's group_vars (its standard), plus `standard`."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(lab.inventory_path.parent / "group_vars", folder / "group_vars", dirs_exist_ok=True)
    if standard:
        extra = folder / "group_vars" / "all" if (folder / "group_vars" / "all").is_dir() else None
        target = (extra / "reliability.yml") if extra else folder / "group_vars" / "all.yml"
        existing = yaml.safe_load(target.read_text()) if target.exists() else {}
        target.write_text(yaml.safe_dump({**(existing or {}), **standard}))
    (folder / "hosts.yml").write_text(yaml.safe_dump(inv))
    return folder / "hosts.yml"


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Running:
    """`envcheck ...` as a subprocess in its own process group, output read line by line."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        # SIGINT as a terminal's foreground process has it: run in the background (nohup, CI
        # launched with `&`) the test process inherits it ignored, and so would envcheck.
        self.proc = subprocess.Popen([ENVCHECK, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env={**os.environ, **(env or {})}, start_new_session=True,
                                     preexec_fn=_default_sigint)
        self.lines: list[str] = []

    def wait_for_line(self, test: Callable[[str], bool], timeout: float) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            raw = self.proc.stdout.readline()
            if not raw:
                break
            line = raw.decode("utf-8", "replace")
            self.lines.append(line)
            if test(line):
                return line
        raise AssertionError("never seen; output so far:\n" + "".join(self.lines))

    def signal(self, sig: int, group: bool = False) -> None:
        if group:  # Ctrl+C at a terminal: the whole foreground group gets it
            os.killpg(self.proc.pid, sig)
        else:
            self.proc.send_signal(sig)

    def finish(self, timeout: float) -> tuple[int, str]:
        """Exit code and all output; the process is killed past `timeout` (a guard)."""
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
            raise AssertionError("still running after the timeout:\n" + "".join(self.lines) + out.decode()) from None
        return self.proc.returncode, "".join(self.lines) + out.decode("utf-8", "replace")


def run_envcheck(args: list[str], timeout: float = 600, env: dict[str, str] | None = None) -> tuple[int, str]:
    return Running(args, env).finish(timeout)


def last_run(runs: Path, kind: str) -> Path:
    return max(runs.glob(f"*-{kind}"))


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
