"""A second lab beside the session's: 10 hosts answering SSH in under 15 s, and a down
that leaves no namespace, mount, relay or container process behind."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.lab.config import LabConfig
from tests.lab.lab import Lab

pytestmark = [pytest.mark.lab, pytest.mark.slow]


def _lab_processes(cfg: LabConfig) -> list[str]:
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout.splitlines()
    return [line for line in ps if str(cfg.hosts_dir) in line or str(cfg.state_dir) in line
            or f"/run/netns/{cfg.prefix}" in line]


def test_ten_hosts_up_in_under_15_s_and_down_leaves_nothing(lab: Lab, tmp_path: Path) -> None:
    # Its own subnet, loopback range, namespace prefix and state dir: no collision with `lab`.
    cfg = LabConfig(state_dir=tmp_path / "lab10", subnet="10.99.7.0/24",
                    loopback_start="127.0.7.11", prefix="eclt-")
    started = time.monotonic()
    ten = Lab.up(cfg, count=10, groups=("web", "app", "db"))
    try:
        elapsed = time.monotonic() - started
        for h in ten.hosts:
            result = subprocess.run(["ssh", "-F", str(ten.ssh_config_path), h.name, "hostname"],
                                    capture_output=True, text=True, timeout=30)
            assert result.stdout.strip() == h.name, result.stderr
        print(f"10 hosts answering SSH in {elapsed:.2f} s")
        assert elapsed < 15
        # The session lab is untouched.
        assert lab.answering()
    finally:
        ten.down()
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert cfg.prefix not in netns
    assert not _lab_processes(cfg)
    assert str(cfg.hosts_dir) not in Path("/proc/mounts").read_text()
    assert not cfg.state_dir.exists()
    assert lab.answering()
