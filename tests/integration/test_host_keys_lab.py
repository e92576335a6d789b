"""Host keys: an unknown host is refused unless --accept-new-host-keys says otherwise, and
a changed key is refused even then."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from envcheck.cli import cli
from tests.lab import faults
from tests.lab.lab import Lab

pytestmark = pytest.mark.lab


def _inventory(lab: Lab, folder: Path, known_hosts: Path) -> Path:
    inv = yaml.safe_load(lab.inventory_path.read_text())
    for group in inv["all"]["children"].values():
        for hvars in group["hosts"].values():
            hvars["ansible_ssh_common_args"] = f"-o UserKnownHostsFile={known_hosts}"
    path = folder / "hosts.yml"
    path.write_text(yaml.safe_dump(inv))
    return path


def _check(inv: Path, tmp_path: Path, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = CliRunner().invoke(cli, ["check", "-i", str(inv), "-c", "time.timezone", "--format", "json",
                                      "--runs-dir", str(tmp_path / "runs"), *extra])
    return result.exit_code, json.loads(result.stdout)


def test_unknown_hosts_need_the_flag_and_changed_keys_stay_refused(lab: Lab, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text("")
    inv = _inventory(lab, tmp_path, known)
    code, doc = _check(inv, tmp_path)
    assert code == 3
    assert all(not h["reachable"] and "host key" in h["error"] for h in doc["hosts"]), doc["hosts"]
    code, doc = _check(inv, tmp_path, "--accept-new-host-keys")
    assert code != 3 and all(h["reachable"] for h in doc["hosts"]), doc["hosts"]
    for h in lab.hosts:  # recorded (hashed, as Debian's ssh_config asks) for every host
        found = subprocess.run(["ssh-keygen", "-F", h.ssh_address, "-f", str(known)], capture_output=True)
        assert found.returncode == 0, h.name
    name = lab.hosts[1].name
    faults.change_host_key(lab, name)
    try:
        code, doc = _check(inv, tmp_path, "--accept-new-host-keys")
    finally:
        faults.restore_host_key(lab, name)
    assert code == 3
    [down] = [h for h in doc["hosts"] if not h["reachable"]]
    assert down["name"] == name and "known_hosts" in down["error"]


def test_paramiko_transport_uses_the_inventory_known_hosts(lab: Lab, tmp_path: Path) -> None:
    code, doc = _check(lab.inventory_path, tmp_path, "--transport", "paramiko")
    assert all(h["reachable"] for h in doc["hosts"]), doc["hosts"]
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    code, doc = _check(_inventory(lab, tmp_path, empty), tmp_path, "--transport", "paramiko")
    assert code == 3 and all("known_hosts" in h["error"] for h in doc["hosts"])
