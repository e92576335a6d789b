"""envcheck.inventory.record: a resolved inventory kept for the next run with the same files (one
key over every file Ansible reads and the limit): the same hosts, standard and peers as
ansible-core gives, never kept with a secret or a value that may change, only in a private file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from envcheck.inventory import load_inventory, record

INVENTORY = """\
all:
  children:
    web:
      hosts:
        web1: {ansible_host: 127.0.0.21, ansible_port: 2222, lan_address: 127.0.0.31}
    db:
      hosts:
        db1: {ansible_host: 127.0.0.22, ansible_user: ops,
              ansible_ssh_common_args: "-o ProxyJump=web1 -o ConnectTimeout=5"}
"""
GROUP_VARS = """\
site_tz: Asia/Shanghai
standard_timezone: "{{ site_tz }}"
standard_ports: [80, 443]
nginx_worker_connections: 4096
"""


@pytest.fixture()
def inventory(tmp_path: Path) -> Path:
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text(GROUP_VARS)
    inv = tmp_path / "hosts.yml"
    inv.write_text(INVENTORY)
    return inv


def _round_trip(data: dict | None) -> dict | None:
    return json.loads(json.dumps(data))  # as it is stored


def test_a_kept_inventory_is_the_one_ansible_core_resolves(inventory: Path) -> None:
    for limit in (None, "db"):
        fresh = load_inventory([str(inventory)], limit, become_password="pw-from-K")
        kept = record.snapshot(fresh)
        assert kept is not None
        back = record.restore(_round_trip(kept), "pw-from-K")
        assert back == fresh
        assert back.hosts[0].standard == fresh.hosts[0].standard
        assert back.peers == fresh.peers and "web" in back.peers  # the whole inventory, limit or not
    assert fresh.hosts[0].target.ssh_args == ("-o", "ProxyJump=web1", "-o", "ConnectTimeout=5")
    assert fresh.hosts[0].standard.timezone == "Asia/Shanghai"


@pytest.mark.parametrize("extra", [
    "token_x: \"{{ lookup('env', 'HOME') }}\"\n",       # a value from outside the files
    "built: \"{{ now() }}\"\n",                          # a value of the moment
    "ansible_become_password: s3cret\n",                 # a secret
    "mysql_root_password: s3cret\n",
    "standard_x: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n",
    # a datasource's own password (a Vault value once templated)
    "standard_app_datasources: [{name: his, engine: mysql, host: h, database: d, user: u, password: s3cret}]\n",
])
def test_never_kept_with_a_secret_or_a_value_that_may_change(inventory: Path, extra: str) -> None:
    fresh = load_inventory([str(inventory)])
    (inventory.parent / "group_vars" / "all.yml").write_text(GROUP_VARS + extra)
    if "password" in extra:
        fresh = load_inventory([str(inventory)])
    assert record.snapshot(fresh) is None


def test_kept_with_a_datasource_whose_password_is_in_the_environment(inventory: Path) -> None:
    """password_env names an environment variable: the inventory holds no secret then."""
    (inventory.parent / "group_vars" / "all.yml").write_text(
        GROUP_VARS + "standard_app_datasources: [{name: his, engine: postgresql, host: h, database: his, "
                     "user: his, password_env: HIS_DB_PASSWORD}]\n")
    fresh = load_inventory([str(inventory)])
    kept = record.snapshot(fresh)
    assert kept is not None
    back = record.restore(_round_trip(kept), None)
    assert back is not None and back.hosts[0].standard.app_datasources == fresh.hosts[0].standard.app_datasources
    assert back.hosts[0].standard.app_datasources[0].password_env == "HIS_DB_PASSWORD"


def test_a_damaged_or_foreign_record_is_not_restored(inventory: Path) -> None:
    fresh = load_inventory([str(inventory)])
    kept = record.snapshot(fresh)
    assert kept is not None
    assert record.restore({**kept, "format": 0}, None) is None  # another format
    assert record.restore({**kept, "hosts": [{"name": "x"}]}, None) is None  # damaged
    assert record.restore(None, None) is None


def _check(inventory: Path, cache: Path, out: Path) -> tuple[dict, str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPROFILEIMPORTTIME": "1"}
    env.pop("ENVCHECK_NO_RECORD", None)
    argv = [sys.executable, "-c", "from envcheck.cli import main; main()", "check", "-i", str(inventory),
            "-c", "time.timezone", "--format", "json", "-o", str(out), "--runs-dir", str(out.parent / "runs")]
    run = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode in (0, 1), run.stderr[-2000:]
    return json.loads(out.read_text()), run.stderr


def test_the_second_run_does_not_load_ansible_and_an_edit_is_seen(tmp_path: Path) -> None:
    """Through the CLI, on this machine (local connection): the second run with the same
    files skips ansible-core and reports the same; after an edit, ansible-core again."""
    (tmp_path / "group_vars").mkdir()
    gv = tmp_path / "group_vars" / "all.yml"
    gv.write_text("standard_timezone: Asia/Shanghai\n")
    inv = tmp_path / "hosts.ini"
    inv.write_text(f"here ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    cache, out = tmp_path / "cache", tmp_path / "out.json"
    first, err1 = _check(inv, cache, out)
    second, err2 = _check(inv, cache, out)
    assert "ansible.inventory.manager" in err1 and "ansible.inventory.manager" not in err2
    assert first["results"] == second["results"]
    gv.write_text("standard_timezone: Europe/Berlin\n")  # size changes: a new key
    third, err3 = _check(inv, cache, out)
    assert "ansible.inventory.manager" in err3
    expected = [r["expected"] for r in third["results"] if r["check"] == "time.timezone"]
    assert expected and "Europe/Berlin" in str(expected), third["results"]


def test_deploy_validates_an_inventory_once_per_version_of_its_files(
        inventory: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """deploy refuses bad input before anything runs; files read without fault before are
    not read through ansible-core again, an edit is, and a bad value is still refused."""
    from envcheck.commands.deploy import _validate_inventory
    from envcheck.errors import BadInput

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ENVCHECK_NO_RECORD", raising=False)
    loads: list[str] = []
    real = record.load_inventory

    def counted(*args: object, **kwargs: object) -> object:
        loads.append("ansible-core")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(record, "load_inventory", counted)
    _validate_inventory((str(inventory),), None, None)
    _validate_inventory((str(inventory),), None, None)
    assert loads == ["ansible-core"]
    _validate_inventory((str(inventory),), "db", None)  # another --limit: read again
    assert len(loads) == 2
    (inventory.parent / "group_vars" / "all.yml").write_text(GROUP_VARS + "standard_charset: no-such-charset\n")
    with pytest.raises(BadInput, match="standard_charset"):
        _validate_inventory((str(inventory),), None, None)
    assert len(loads) == 3


@pytest.fixture()
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ENVCHECK_NO_RECORD", raising=False)
    return tmp_path / "cache"


def test_the_key_follows_every_file_ansible_reads_and_the_limit(inventory: Path, private_cache: Path) -> None:
    key = record.inventory_key([str(inventory)], None)
    assert key and key == record.inventory_key([str(inventory)], None)
    assert record.inventory_key([str(inventory)], "web") != key
    group_vars = inventory.parent / "group_vars" / "all.yml"
    group_vars.write_text("standard_timezone: UTC\n")  # an edit of group_vars
    assert record.inventory_key([str(inventory)], None) != key
    key = record.inventory_key([str(inventory)], None)
    (inventory.parent / "host_vars").mkdir()
    (inventory.parent / "host_vars" / "web1.yml").write_text("ansible_port: 2222\n")
    assert record.inventory_key([str(inventory)], None) != key


def test_inventories_whose_output_may_change_are_not_kept(inventory: Path, private_cache: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    script = inventory.parent / "dynamic.py"
    script.write_text("#!/usr/bin/env python3\n")
    script.chmod(0o755)
    assert record.inventory_key([str(script)], None) is None
    plugin = inventory.parent / "cloud.yml"
    plugin.write_text("plugin: constructed\n")
    assert record.inventory_key([str(plugin)], None) is None
    monkeypatch.setenv("ENVCHECK_NO_RECORD", "1")
    assert record.inventory_key([str(inventory)], None) is None


def test_the_record_is_a_private_file_without_the_password(inventory: Path, private_cache: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    first = record.load((str(inventory),), None, None, "s3cret-pw")
    files = list(record.cache_dir().glob("*.json"))
    assert len(files) == 1 and files[0].stat().st_mode & 0o777 == 0o600
    assert "s3cret-pw" not in files[0].read_text()
    monkeypatch.setattr(record, "load_inventory", lambda *a, **k: pytest.fail("ansible-core"))
    again = record.load((str(inventory),), None, None, "s3cret-pw")
    assert again == first and again.hosts[0].target.become_password == "s3cret-pw"
    os.chmod(files[0], 0o644)  # readable (and so writable?) by others: not trusted
    monkeypatch.setattr(record, "load_inventory", lambda *a, **k: first)
    assert record.load((str(inventory),), None, None, "s3cret-pw") is first
