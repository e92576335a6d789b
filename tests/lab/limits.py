"""The kernel limits a lab of hundreds of hosts runs into, raised where the kernel allows.

Each lab host is a systemd-nspawn container under root, so every host's systemd, journald and
logind share root's inotify instances and watches, the machine's PIDs and the hub's neighbour
table; an idle host (container, sshd, two relays) takes ~18 MB (MemAvailable fell by 3.6 GB as
200 started), more while sessions run: 35 MB a host is asked for. `prepare(count)` raises what
is too low (never lowers) and says what it could not raise; `memory_problem(count)` is a lab
too large for the memory available.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MB_PER_HOST = 35  # an idle lab host ~18 MB, twice that while audited
MEMORY_SPARE_MB = 4096  # left to the rest of the machine (other labs, the controller)


@dataclass(frozen=True)
class Limit:
    path: str  # under /proc/sys
    per_host: int
    floor: int  # at least this much whatever the count

    def wanted(self, count: int) -> int:
        return max(self.floor, self.per_host * count)


LIMITS = (
    # systemd, journald, logind, dbus and udev each keep inotify instances (~12 a host).
    Limit("fs/inotify/max_user_instances", 40, 8192),
    Limit("fs/inotify/max_user_watches", 2048, 524288),
    # Each host's processes plus a session's shells and probes; the controller's ssh clients.
    Limit("kernel/pid_max", 400, 65536),
    Limit("kernel/threads-max", 600, 65536),
    Limit("kernel/keys/root_maxkeys", 100, 1000000),
    # Every host a neighbour of the hub: beyond gc_thresh3 the hub forgets some.
    Limit("net/ipv4/neigh/default/gc_thresh3", 8, 4096),
    Limit("net/ipv4/neigh/default/gc_thresh2", 4, 2048),
    # The controller's ssh connections through the loopback relays at once.
    Limit("net/core/somaxconn", 8, 4096),
)


def _read(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def prepare(count: int, root: Path = Path("/proc/sys")) -> list[str]:
    """Raise each limit to what `count` hosts need; the problems left (one line each)."""
    problems = []
    for limit in LIMITS:
        path = root / limit.path
        have, want = _read(path), limit.wanted(count)
        if have is None or have >= want:
            continue
        try:
            path.write_text(f"{want}\n")
        except OSError as exc:
            problems.append(f"{limit.path} is {have}, {count} hosts want {want}: {exc.strerror}")
            continue
        if (_read(path) or 0) < want:
            problems.append(f"{limit.path} is {_read(path)} after asking for {want}")
    return problems


def available_mb(meminfo: Path = Path("/proc/meminfo")) -> int:
    for line in meminfo.read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) // 1024
    return 0


def memory_problem(count: int, started: int = 0, available: int | None = None) -> str | None:
    """Why `count` hosts (`started` of them already up) would not fit in memory; None if they do."""
    free = available_mb() if available is None else available
    want = (count - started) * MB_PER_HOST + MEMORY_SPARE_MB
    if free < want:
        return (f"{count} lab hosts want ~{want} MB more ({MB_PER_HOST} MB a host, {MEMORY_SPARE_MB} MB "
                f"spare) but {free} MB are available")
    return None
