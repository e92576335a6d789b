"""A resolved inventory kept for the next run with the same files: the same hosts, standard
and peers as ansible-core gives, never kept with a secret or a value that may change."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from envcheck import inventory_snapshot
from envcheck.inventory import load_inventory

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
        kept = inventory_snapshot.snapshot(fresh, vault=False)
        assert kept is not None
        back = inventory_snapshot.restore(_round_trip(kept), "pw-from-K")
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
])
def test_never_kept_with_a_secret_or_a_value_that_may_change(inventory: Path, extra: str) -> None:
    fresh = load_inventory([str(inventory)])
    (inventory.parent / "group_vars" / "all.yml").write_text(GROUP_VARS + extra)
    if "password" in extra:
        fresh = load_inventory([str(inventory)])
    assert inventory_snapshot.snapshot(fresh, vault=False) is None


def test_not_kept_with_a_vault_password_and_not_restored_across_versions(inventory: Path) -> None:
    fresh = load_inventory([str(inventory)])
    assert inventory_snapshot.snapshot(fresh, vault=True) is None
    kept = inventory_snapshot.snapshot(fresh, vault=False)
    assert kept is not None
    assert inventory_snapshot.restore({**kept, "version": "0.0.0-older"}, None) is None
    assert inventory_snapshot.restore({**kept, "hosts": [{"name": "x"}]}, None) is None  # damaged
    assert inventory_snapshot.restore(None, None) is None


def _check(inventory: Path, cache: Path, out: Path) -> tuple[dict, str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPROFILEIMPORTTIME": "1"}
    env.pop("ENVCHECK_NO_PREFETCH", None)
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
    # The standard's defaults came with the record too: no YAML library imported at all.
    assert not [line for line in err2.splitlines() if line.rstrip().endswith("| yaml")], err2
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
    import envcheck.inventory_snapshot
    from envcheck.commands.deploy import _validate_inventory
    from envcheck.errors import BadInput

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ENVCHECK_NO_PREFETCH", raising=False)
    loads: list[str] = []
    real = envcheck.inventory_snapshot.load_inventory

    def counted(*args: object, **kwargs: object) -> object:
        loads.append("ansible-core")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(envcheck.inventory_snapshot, "load_inventory", counted)
    _validate_inventory((str(inventory),), None, None)
    _validate_inventory((str(inventory),), None, None)
    assert loads == ["ansible-core"]
    _validate_inventory((str(inventory),), "db", None)  # another --limit: read again
    assert len(loads) == 2
    (inventory.parent / "group_vars" / "all.yml").write_text(GROUP_VARS + "standard_charset: no-such-charset\n")
    with pytest.raises(BadInput, match="standard_charset"):
        _validate_inventory((str(inventory),), None, None)
    assert len(loads) == 3


def test_the_standards_defaults_come_with_the_record_while_their_file_is_unchanged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from envcheck import standard

    defaults = tmp_path / "main.yml"
    defaults.write_text(Path(standard.DEFAULTS_FILE).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(standard, "DEFAULTS_FILE", defaults)
    monkeypatch.setattr(standard, "_defaults", None)
    record = _round_trip(standard.defaults_record())
    assert record is not None and record["values"]["standard_timezone"] == "Asia/Shanghai"
    monkeypatch.setattr(standard, "_defaults", None)
    standard.restore_defaults(record)
    assert standard.load_defaults() == record["values"]
    # The engineer edits the defaults: the record no longer speaks for the file.
    defaults.write_text(defaults.read_text(encoding="utf-8").replace("Asia/Shanghai", "Asia/Tokyo"), encoding="utf-8")
    monkeypatch.setattr(standard, "_defaults", None)
    standard.restore_defaults(record)
    assert standard.load_defaults()["standard_timezone"] == "Asia/Tokyo"


def test_a_record_without_the_defaults_gets_them_on_the_next_run(
        inventory: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A record kept by an earlier version (or before the defaults file changed) is used,
    and kept again with the current defaults: the run after needs no YAML either."""
    from envcheck import prefetch, standard

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ENVCHECK_NO_PREFETCH", raising=False)
    key = prefetch.inventory_key((str(inventory),), None)
    first = inventory_snapshot.load((str(inventory),), None, None, None, key)
    record_file = prefetch.cache_dir() / f"{key}.json"
    stored = json.loads(record_file.read_text())
    del stored["inventory"]["defaults"]  # as an older envcheck kept it
    record_file.write_text(json.dumps(stored))
    monkeypatch.setattr(standard, "_defaults", None)
    monkeypatch.setattr(inventory_snapshot, "load_inventory", lambda *a, **k: pytest.fail("ansible-core"))
    again = inventory_snapshot.load((str(inventory),), None, None, None, key)
    assert [h.standard for h in again.hosts] == [h.standard for h in first.hosts]
    kept = prefetch.remembered_inventory(key)
    assert kept is not None and standard.restore_defaults(kept["defaults"])


def test_a_kept_standard_is_validated_again_only_when_its_defaults_changed(
        inventory: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run that kept the record validated its standard; the next runs with the same
    files and defaults trust it (no time zone database, no codec lookups), and an edited
    defaults file is validated again: a bad value there is still refused."""
    from envcheck import prefetch, standard
    from envcheck.errors import BadInput

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ENVCHECK_NO_PREFETCH", raising=False)
    defaults = tmp_path / "main.yml"
    defaults.write_text(Path(standard.DEFAULTS_FILE).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(standard, "DEFAULTS_FILE", defaults)
    monkeypatch.setattr(standard, "_defaults", None)
    key = prefetch.inventory_key((str(inventory),), None)
    validated: list[str] = []
    real = standard.Standard.validate

    def counted(self: standard.Standard, source: str) -> None:
        validated.append(source)
        real(self, source)

    monkeypatch.setattr(standard.Standard, "validate", counted)
    first = inventory_snapshot.load((str(inventory),), None, None, None, key)
    assert len(validated) == len(first.hosts)  # ansible-core's run
    monkeypatch.setattr(inventory_snapshot, "load_inventory", lambda *a, **k: pytest.fail("ansible-core"))
    again = inventory_snapshot.load((str(inventory),), None, None, None, key)
    assert [h.standard for h in again.hosts] == [h.standard for h in first.hosts]
    assert len(validated) == len(first.hosts)  # the record: not validated again
    text = re.sub(r"(?m)^standard_charset:.*$", "standard_charset: no-such-charset", defaults.read_text("utf-8"))
    defaults.write_text(text, encoding="utf-8")
    monkeypatch.setattr(standard, "_defaults", None)
    with pytest.raises(BadInput, match="standard_charset"):  # the record's defaults no longer hold
        inventory_snapshot.load((str(inventory),), None, None, None, key)
