"""Inventories through ansible-core: connection variables, group_vars, templating, limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from envcheck.errors import InventoryError
from envcheck.inventory import load_inventory


def _write(tmp_path: Path) -> Path:
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text(
        "site_zone: Asia/Urumqi\nstandard_timezone: '{{ site_zone }}'\n")
    (tmp_path / "group_vars" / "db.yml").write_text("standard_ports: [5432]\nstandard_services: [postgresql]\n")
    inv = tmp_path / "hosts.ini"
    inv.write_text(
        "[web]\nweb1 ansible_host=127.0.0.11 ansible_user=deploy\n"
        "[db]\ndb1 ansible_host=127.0.0.13 ansible_port=2222 ansible_ssh_private_key_file=~/k "
        "ansible_ssh_common_args='-o UserKnownHostsFile=/tmp/kh' lan_address=10.99.0.13 "
        "ansible_become=true ansible_become_password=s3cret\n")
    return inv


def test_connection_variables_and_group_vars_are_honoured(tmp_path: Path) -> None:
    inv = load_inventory([str(_write(tmp_path))])
    db = inv.host("db1")
    assert db.target.address == "127.0.0.13" and db.target.port == 2222
    assert db.target.key_file and db.target.key_file.endswith("/k") and "~" not in db.target.key_file
    assert db.target.ssh_args == ("-o", "UserKnownHostsFile=/tmp/kh")
    assert db.lan_address == "10.99.0.13" and db.become
    assert db.target.become_password == "s3cret"
    assert "s3cret" not in repr(db.target)
    assert db.standard.ports == (5432,) and db.standard.services == ("postgresql",)
    assert db.standard.timezone == "Asia/Urumqi"  # templated from another variable
    web = inv.host("web1")
    assert web.target.user == "deploy" and web.target.port == 22 and web.standard.ports == ()
    assert inv.groups == {"web": ("web1",), "db": ("db1",)}


def test_limit_takes_ansible_patterns(tmp_path: Path) -> None:
    path = str(_write(tmp_path))
    assert [h.name for h in load_inventory([path], "db").hosts] == ["db1"]
    assert [h.name for h in load_inventory([path], "all:!db").hosts] == ["web1"]
    assert [h.name for h in load_inventory([path], "web*").hosts] == ["web1"]
    with pytest.raises(InventoryError, match="matches no host"):
        load_inventory([path], "app")


def test_one_process_reads_the_inventory_again_after_vars_files_come_and_go(tmp_path: Path) -> None:
    """As `serve` does before each audit: a group_vars file deleted since the last read failed
    every later read ("Unable to retrieve file contents"), and files or folders made since were
    never read (ansible-core's vars plugin kept what it had found for the life of the process)."""
    inv = _write(tmp_path)
    assert load_inventory([str(inv)]).host("db1").standard.ports == (5432,)
    (tmp_path / "group_vars" / "db.yml").unlink()
    (tmp_path / "group_vars" / "web.yml").write_text("standard_ports: [80]\n")
    (tmp_path / "host_vars").mkdir()
    (tmp_path / "host_vars" / "db1.yml").write_text("standard_ports: [3306]\n")
    again = load_inventory([str(inv)])
    assert again.host("db1").standard.ports == (3306,) and again.host("web1").standard.ports == (80,)
