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


def tree(marker: bytes, also: tuple[int, ...] = ()) -> dict[int, int]:
    """pid -> start time of every process whose command line holds `marker` (and of the
    processes `also`), and of all their descendants."""
    parents: dict[int, int] = {}
    starts: dict[int, int] = {}
    roots = list(also)
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
    return {pid: starts[pid] for pid in found if pid != os.getpid() and pid in starts}


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


def end_tree(marker: bytes, known: dict[int, int], rounds: int = 20) -> list[int]:
    """End every process of a run: those noted before (`known`), those whose command line
    holds `marker`, and all their descendants. Each walk stops (SIGSTOP) what it finds, so a
    process forked during the walk is caught by the next one rather than orphaned; once a walk
    finds nothing new, all are killed. Returns the pids killed."""
    caught = {pid: start for pid, start in known.items() if _same(pid, start)}
    for _ in range(rounds):
        found = tree(marker, tuple(caught))
        new = {pid: start for pid, start in found.items() if pid not in caught}
        if not new:
            break
        for pid, start in new.items():
            _signal(pid, start, signal.SIGSTOP)
        caught.update(new)
    return kill_survivors(caught)


def _same(pid: int, start: int) -> bool:
    info = _stat(pid)
    return info is not None and info[1] == start


def _signal(pid: int, start: int, number: int) -> bool:
    if not _same(pid, start):
        return False
    try:
        os.kill(pid, number)
    except ProcessLookupError:
        return False
    return True


def kill_survivors(processes: dict[int, int]) -> list[int]:
    """SIGKILL those of `processes` still alive, the same processes (start time checked, so a
    reused pid is never hit). Returns the pids killed."""
    return [pid for pid, start in processes.items() if _signal(pid, start, signal.SIGKILL)]
