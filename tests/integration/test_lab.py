"""The lab itself, on its real hosts: access, isolation, and every fault helper."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.lab import faults
from tests.lab.lab import Lab

pytestmark = pytest.mark.lab


def test_strict_ssh_to_every_host(lab: Lab) -> None:
    for h in lab.hosts:
        result = subprocess.run(["ssh", "-F", str(lab.ssh_config_path), "-o", "StrictHostKeyChecking=yes",
                                 "-o", "ControlPath=none", h.name, "hostname"],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == h.name


def test_group_alias_in_ssh_config(lab: Lab) -> None:
    first = lab.hosts[0]
    result = subprocess.run(["ssh", "-F", str(lab.ssh_config_path), first.groups[0], "true"],
                            capture_output=True, timeout=30)
    assert result.returncode == 0


def test_ansible_ping_is_green(lab: Lab) -> None:
    ansible = Path(sys.executable).parent / "ansible"
    result = subprocess.run([str(ansible), "-i", str(lab.inventory_path), "all", "-m", "ping"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(lab.hosts)


def test_hosts_reach_each_other_by_name_on_the_lan_only(lab: Lab) -> None:
    a, b = lab.hosts[0], lab.hosts[1]
    assert lab.ssh(a.name, f"ping -c1 -W2 {b.name}").returncode == 0
    # The hub routes nothing: a packet for any other address goes nowhere, nothing answers
    # (bash's connect fails, or timeout(1) ends it: 124).
    out = lab.ssh(a.name, "timeout 10 bash -c '</dev/tcp/10.99.1.1/80' 2>&1; echo rc=$?")
    assert out.stdout.strip().rpartition("rc=")[2] in ("1", "124"), out.stdout


def test_timezone_by_symlink_and_by_copy(lab: Lab) -> None:
    name = lab.hosts[0].name
    try:
        faults.set_timezone(lab, name, "Asia/Tokyo")
        assert lab.ssh(name, "readlink /etc/localtime").stdout.strip().endswith("Asia/Tokyo")
        assert lab.ssh(name, "date +%Z").stdout.strip() == "JST"
        faults.set_timezone_copied(lab, name, "America/New_York")
        assert lab.ssh(name, "test -L /etc/localtime || echo file").stdout.strip() == "file"
        assert lab.ssh(name, "date +%Z").stdout.strip() in ("EST", "EDT")
    finally:
        faults.set_timezone(lab, name, "Etc/UTC")
    assert lab.ssh(name, "date +%Z").stdout.strip() == "UTC"


def test_locale_added_and_removed(lab: Lab) -> None:
    name = lab.hosts[0].name
    faults.add_locale(lab, name, "zh_CN.UTF-8")
    assert "zh_CN.utf8" in lab.ssh(name, "locale -a").stdout.split()
    faults.remove_locale(lab, name, "zh_CN.UTF-8")
    assert "zh_CN.utf8" not in lab.ssh(name, "locale -a").stdout.split()


def test_service_stopped_and_disabled_then_back(lab: Lab) -> None:
    name = lab.hosts[0].name
    # A unit every host has and that ssh does not need.
    unit = "dbus.service"
    faults.stop_service(lab, name, unit)
    assert lab.ssh(name, f"systemctl is-active {unit}").stdout.strip() == "inactive"
    faults.start_service(lab, name, unit)
    assert lab.ssh(name, f"systemctl is-active {unit}").stdout.strip() == "active"


def test_link_cut_and_restored(lab: Lab) -> None:
    a, b = lab.hosts[0], lab.hosts[1]
    faults.cut_link(lab, b.name)
    try:
        assert lab.ssh(a.name, f"ping -c1 -W1 {b.name}").returncode != 0
        # Like a real cut cable: no refusal, the session just never comes.
        with pytest.raises(subprocess.TimeoutExpired):
            subprocess.run(["ssh", "-F", str(lab.ssh_config_path), "-o", "ControlPath=none",
                            b.name, "true"], capture_output=True, timeout=5)
    finally:
        faults.restore_link(lab, b.name)
    assert lab.ssh(a.name, f"ping -c1 -W2 {b.name}").returncode == 0
    assert lab.ssh(b.name, "true").returncode == 0


def test_clock_skew_is_seen_inside_the_host(lab: Lab) -> None:
    name = lab.hosts[-1].name
    faults.skew_clock(lab, name, 600)
    try:
        before = time.time()
        seen = int(lab.ssh(name, "date +%s").stdout)
        assert before + 599 <= seen <= time.time() + 601  # 600 s ahead, read between the two
    finally:
        faults.unskew_clock(lab, name)
    before = time.time()
    seen = int(lab.ssh(name, "date +%s").stdout)
    assert before - 1 <= seen <= time.time() + 1  # the host's clock is the controller's again


def test_disk_path_filled_and_freed(lab: Lab) -> None:
    name = lab.hosts[0].name
    faults.fill_disk(lab, name, "/srv/envcheck-fill")
    try:
        use = lab.ssh(name, "df -P /srv/envcheck-fill | awk 'NR==2 {print $5}'").stdout.strip()
        assert int(use.rstrip("%")) >= 90
    finally:
        faults.unfill_disk(lab, name, "/srv/envcheck-fill")
    assert "envcheck-fill" not in lab.ssh(name, "df -P").stdout


def test_host_key_change_is_refused_then_restored(lab: Lab) -> None:
    name = lab.hosts[1].name
    faults.change_host_key(lab, name)
    try:
        refused = subprocess.run(["ssh", "-F", str(lab.ssh_config_path), "-o", "ControlPath=none", name, "true"],
                                 capture_output=True, text=True, timeout=30)
        assert refused.returncode == 255
        assert "REMOTE HOST IDENTIFICATION HAS CHANGED" in refused.stderr
    finally:
        faults.restore_host_key(lab, name)
    assert lab.ssh(name, "true").returncode == 0


def _fresh_ssh(lab: Lab, name: str, timeout: float = 5) -> int:
    """A new connection, never through a ControlMaster left from earlier commands."""
    try:
        return subprocess.run(["ssh", "-F", str(lab.ssh_config_path), "-o", "ControlPath=none",
                               "-o", "ConnectTimeout=3", name, "true"], capture_output=True, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        return -1


def test_host_killed_then_revived(lab: Lab) -> None:
    name = lab.hosts[-1].name
    try:
        faults.kill_host(lab, name)
        deadline = time.monotonic() + 10
        while _fresh_ssh(lab, name) == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _fresh_ssh(lab, name) != 0
    finally:
        faults.revive_host(lab, name)
    assert lab.ssh(name, "systemctl is-system-running --wait; true").returncode == 0
    assert lab.ssh(name, "hostname").stdout.strip() == name
