"""Ending a canceled run's processes: real processes on this machine, including ones that
leave their parent's session and ones forked while the walk is going on."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from envcheck.deploy import proctree


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if state != "Z":  # a zombie is dead; it waits only for its parent to reap it
            alive.add(pid)
    return alive


def test_end_tree_ends_orphans_in_their_own_session_and_their_children(tmp_path: Path) -> None:
    marker = f"envcheck-test-{uuid.uuid4().hex}"
    pidfile = tmp_path / "pids"
    # Like an Ansible worker: a process named by the marker leaves the session (setsid) and
    # keeps starting children whose command lines do not carry the marker.
    script = (
        "import os, subprocess, sys, time\n"
        "os.setsid()\n"
        "kids = []\n"
        "while True:\n"
        "    kids.append(subprocess.Popen(['sleep', '300']))\n"
        "    open(sys.argv[1], 'a').write(f'{kids[-1].pid}\\n')\n"
        "    time.sleep(0.05)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script, str(pidfile), marker])
    try:
        deadline = time.monotonic() + 10
        while (not pidfile.exists() or len(pidfile.read_text().split()) < 3) and time.monotonic() < deadline:
            time.sleep(0.05)
        killed = proctree.end_tree(marker.encode(), {})
        parent.wait(timeout=5)
        children = {int(p) for p in pidfile.read_text().split()}
        assert parent.pid in killed
        time.sleep(0.2)
        assert not _alive(children), "a child of the run outlived end_tree"
        assert len(pidfile.read_text().split()) == len(children), "the run kept forking"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def test_end_tree_spares_a_reused_pid(tmp_path: Path) -> None:
    """A pid noted earlier whose process has gone and whose number now names another process
    (another start time) is left alone."""
    other = subprocess.Popen(["sleep", "30"])
    try:
        wrong_start = proctree.tree(b"", (other.pid,))[other.pid] - 1
        assert proctree.end_tree(f"no-such-{uuid.uuid4().hex}".encode(), {other.pid: wrong_start}) == []
        assert other.poll() is None
        assert os.getpid() not in proctree.tree(b"")
    finally:
        other.kill()
        other.wait()
