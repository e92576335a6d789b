"""envcheck.prefetch: the previous run's targets, remembered per unchanged inventory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from envcheck import prefetch
from envcheck.transport import Target


@pytest.fixture()
def inventory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ENVCHECK_NO_PREFETCH", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text("standard_timezone: Asia/Shanghai\n")
    inv = tmp_path / "hosts.yml"
    inv.write_text("all:\n  hosts:\n    web1:\n      ansible_host: 127.0.0.1\n")
    return inv


def test_the_key_follows_every_file_ansible_reads_and_the_limit(inventory: Path) -> None:
    key = prefetch.inventory_key([str(inventory)], None)
    assert key and key == prefetch.inventory_key([str(inventory)], None)
    assert prefetch.inventory_key([str(inventory)], "web") != key
    group_vars = inventory.parent / "group_vars" / "all.yml"
    group_vars.write_text("standard_timezone: UTC\n")  # an edit of group_vars
    assert prefetch.inventory_key([str(inventory)], None) != key
    key = prefetch.inventory_key([str(inventory)], None)
    (inventory.parent / "host_vars").mkdir()
    (inventory.parent / "host_vars" / "web1.yml").write_text("ansible_port: 2222\n")
    assert prefetch.inventory_key([str(inventory)], None) != key


def test_inventories_whose_output_may_change_are_not_remembered(inventory: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    script = inventory.parent / "dynamic.py"
    script.write_text("#!/usr/bin/env python3\n")
    script.chmod(0o755)
    assert prefetch.inventory_key([str(script)], None) is None
    plugin = inventory.parent / "cloud.yml"
    plugin.write_text("plugin: constructed\n")
    assert prefetch.inventory_key([str(plugin)], None) is None
    monkeypatch.setenv("ENVCHECK_NO_PREFETCH", "1")
    assert prefetch.inventory_key([str(inventory)], None) is None


def test_targets_come_back_without_the_password_from_a_private_file(inventory: Path) -> None:
    key = prefetch.inventory_key([str(inventory)], None)
    target = Target(name="web1", address="127.0.0.1", port=2222, user="ops", key_file="/k",
                    ssh_args=("-o", "ProxyJump=bastion"), become_password="s3cret-pw")
    prefetch.remember(key, [target])
    files = list(prefetch.cache_dir().glob("*.json"))
    assert len(files) == 1 and files[0].stat().st_mode & 0o777 == 0o600
    assert "s3cret-pw" not in files[0].read_text()
    back = prefetch.remembered(key)
    assert back == [Target(name="web1", address="127.0.0.1", port=2222, user="ops", key_file="/k",
                           ssh_args=("-o", "ProxyJump=bastion"))]
    os.chmod(files[0], 0o644)  # readable (and so writable?) by others: not trusted
    assert prefetch.remembered(key) == []
    assert prefetch.remembered(None) == []
