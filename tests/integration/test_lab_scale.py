"""A second lab beside the session's: 10 hosts that answer SSH as themselves, and a down that
leaves no namespace, mount, relay or container process behind. Its own loopback range,
namespace prefix and state dir (the `scale` sub-lab of this checkout's slot): the session lab
stays untouched."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from envcheck.deploy.proctree import descendants
from tests.lab.config import sublab
from tests.lab.host import read_pid
from tests.lab.lab import Lab

pytestmark = [pytest.mark.lab, pytest.mark.slow]


def _start_time(pid: int) -> str | None:
    """When the process started; None once it has ended (gone, or a zombie not reaped yet)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else fields[19]


def _describe(pid: int) -> str:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[:2]
        return f"{' '.join(state)} {Path(f'/proc/{pid}/cmdline').read_bytes()[:120]!r}"
    except OSError:
        return "gone"


def _processes(lab: Lab) -> dict[int, str]:
    """Every process this lab started (its pid files) and their descendants, each with its
    start time: the same PID later is another process."""
    pidfiles = [*lab.cfg.run_dir.glob("*.pid"), *lab.cfg.hosts_dir.glob("*/*.pid")]
    roots = [pid for pid in map(read_pid, pidfiles) if pid is not None]
    found = {pid: _start_time(pid) for pid in descendants(roots)}
    return {pid: start for pid, start in found.items() if start is not None}


def test_ten_hosts_answer_and_down_leaves_nothing(lab: Lab, tmp_path: Path) -> None:
    cfg = sublab("scale", tmp_path / "lab10")
    assert cfg.prefix != lab.cfg.prefix and cfg.loopback_start != lab.cfg.loopback_start
    ten = Lab.up(cfg, count=10, groups=("web", "app", "db"))
    try:
        for h in ten.hosts:
            result = subprocess.run(["ssh", "-F", str(ten.ssh_config_path), h.name, "hostname"],
                                    capture_output=True, text=True, timeout=60)
            assert result.stdout.strip() == h.name, result.stderr
        started = _processes(ten)
        assert len(started) > 10 * 3, started  # nspawn, the relays and the hosts' own processes
        assert lab.answering()  # the session lab is untouched
    finally:
        ten.down()
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
    assert not [n for n in names if n.startswith(cfg.prefix)]
    left = {pid: _describe(pid) for pid, start in started.items() if _start_time(pid) == start}
    assert not left, left
    assert str(cfg.hosts_dir) not in Path("/proc/mounts").read_text()
    assert not cfg.state_dir.exists() and not cfg.hosts_dir.exists()
    assert lab.answering()
