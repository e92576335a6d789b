"""`envcheck spec list`: the site checks an inventory declares, per host and where declared,
read without contacting any host (the listener stands for them: nobody comes)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import yaml
from click.testing import CliRunner
from rich.cells import cell_len

from envcheck.cli import cli
from tests.clirunner import crash


def _inventory(tmp_path: Path, port: int, db_checks: list[dict[str, object]]) -> Path:
    (tmp_path / "group_vars").mkdir(exist_ok=True)
    (tmp_path / "group_vars" / "all.yml").write_text(yaml.safe_dump({"site_checks": [
        {"id": "hosts_file", "type": "file", "path": "/etc/hosts", "title": {"en": "Hosts file", "zh": "hosts 文件"}}]},
        allow_unicode=True))
    (tmp_path / "group_vars" / "db.yml").write_text(yaml.safe_dump({"site_checks_db": db_checks}, allow_unicode=True))
    inv = tmp_path / "hosts.ini"
    inv.write_text(f"[db]\ndb1 ansible_host=127.0.0.1 ansible_port={port}\ndb2 ansible_host=127.0.0.1 "
                   f"ansible_port={port}\n[web]\nweb1 ansible_host=127.0.0.1 ansible_port={port}\n")
    return inv


DISK = {"id": "data_disk", "type": "mount", "path": "/data", "min_size": "500G", "severity": "critical",
        "title": {"en": "Data disk", "zh": "数据盘"}}


def test_each_site_check_with_its_hosts_and_where_it_is_declared(tmp_path: Path, listener: socket.socket) -> None:
    inv = _inventory(tmp_path, listener.getsockname()[1], [DISK])
    result = CliRunner().invoke(cli, ["spec", "list", "-i", str(inv), "--lang", "zh"])
    assert crash(result) is None and result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{inv}：3 台主机，共 2 个站点检查项（读自清单，未连接任何主机）", lines
    assert lines[1].split() == ["site.hosts_file", "file", "重要", "hosts", "文件", "db1,", "db2,", "web1",
                                f"{tmp_path}/group_vars/all.yml:", "site_checks[1]"], lines
    assert lines[2].split() == ["site.data_disk", "mount", "严重", "数据盘", "db1,", "db2",
                                f"{tmp_path}/group_vars/db.yml:", "site_checks_db[1]"], lines
    # the hosts column starts at one screen column on both lines (a Chinese character is two wide)
    assert cell_len(lines[1][:lines[1].index("db1")]) == cell_len(lines[2][:lines[2].index("db1")])
    doc = json.loads(CliRunner().invoke(cli, ["spec", "list", "-i", str(inv), "-l", "db2", "--format", "json"]).stdout)
    assert [(c["id"], c["hosts"]) for c in doc] == [("site.hosts_file", ["db2"]), ("site.data_disk", ["db2"])]
    assert doc[1]["fields"] == {"path": "/data", "min_size": 500 * 1024**3} and doc[1]["severity"] == "critical"


def test_a_malformed_spec_is_told_whole_and_an_empty_one_says_where_to_write(
        tmp_path: Path, listener: socket.socket) -> None:
    inv = _inventory(tmp_path, listener.getsockname()[1], [DISK | {"min_size": "lots"}, DISK | {"id": "Disk 2"}])
    result = CliRunner().invoke(cli, ["spec", "list", "-i", str(inv)])
    assert crash(result) is None and result.exit_code == 2, result.output
    assert "2 site_checks entries are malformed" in result.stderr and "site_checks_db[2] (Disk 2)" in result.stderr
    (tmp_path / "group_vars" / "all.yml").unlink()
    (tmp_path / "group_vars" / "db.yml").unlink()
    result = CliRunner().invoke(cli, ["spec", "list", "-i", str(inv)])
    assert result.exit_code == 0 and result.stdout.startswith("no site checks declared"), result.output
