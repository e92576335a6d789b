"""The processes of a run, read from /proc: to end, on cancel, what the run started and its
canceller would leave behind (Ansible's workers run in sessions of their own, so killing
ansible-playbook's process group does not reach the modules they started)."""

from __future__ import annotations

import os
import signal
from pathlib import Path


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time in clock ticks) of a process, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()  # after the command name, which may hold spaces
    return int(fields[1]), int(fields[19])


def tree(marker: bytes) -> dict[int, int]:
    """pid -> start time of every process whose command line holds `marker`, and of all
    their descendants."""
    parents: dict[int, int] = {}
    starts: dict[int, int] = {}
    roots = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        info = _stat(pid)
        if info is None:
            continue
        parents[pid], starts[pid] = info
        try:
            if marker in (entry / "cmdline").read_bytes():
                roots.append(pid)
        except OSError:
            continue
    found = _with_descendants(roots, parents)
    return {pid: starts[pid] for pid in found if pid != os.getpid()}


def descendants(roots: list[int]) -> set[int]:
    """These processes and all their descendants, as /proc shows them now."""
    parents = {}
    for entry in Path("/proc").iterdir():
        info = _stat(int(entry.name)) if entry.name.isdigit() else None
        if info is not None:
            parents[int(entry.name)] = info[0]
    return _with_descendants(roots, parents)


def _with_descendants(roots: list[int], parents: dict[int, int]) -> set[int]:
    found = set(roots)
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in found and pid not in found:
                found.add(pid)
                grew = True
    return found


def kill_survivors(processes: dict[int, int]) -> list[int]:
    """SIGKILL those of `processes` still alive, the same processes (start time checked, so a
    reused pid is never hit). Returns the pids killed."""
    killed = []
    for pid, start in processes.items():
        info = _stat(pid)
        if info is None or info[1] != start:
            continue
        try:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        except ProcessLookupError:
            continue
    return killed
