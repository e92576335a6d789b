"""`envcheck inventory import` of the lab's own hosts, as a customer would send them (an .xlsx with
Chinese headers, a CSV saved by Chinese Excel in GBK), then `check`, `show` and `ping` on the result."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from tests.lab.lab import Lab

pytestmark = pytest.mark.lab
ROLE_WORDS = {"web": "Web服务器", "app": "应用服务器", "db": "数据库"}


def _rows(lab: Lab) -> list[list[object]]:
    rows: list[list[object]] = [["主机名", "IP地址", "SSH端口", "用户名", "角色", "内网地址", "密码"]]
    rows += [[h.name, h.ssh_address, 22, "root", ROLE_WORDS[h.groups[0]], h.lan_address, "not-stored-9"]
             for h in lab.hosts]
    return rows


def _import(lab: Lab, source: Path, out: Path) -> None:
    result = CliRunner().invoke(cli, ["inventory", "import", str(source), "-o", str(out),
                                      "--key", str(lab.key_path), "--known-hosts", str(lab.known_hosts_path)])
    assert result.exit_code == 0, result.output
    assert "not-stored-9" not in out.read_text(encoding="utf-8")


def _check_runs_on_every_host(lab: Lab, inventory: Path, runs: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "-i", str(inventory), "-c", "time.timezone", "-c", "network.tiers",
                                      "--format", "json", "--runs-dir", str(runs)])
    assert result.exit_code in (0, 1), result.output  # 3 would mean a host was not reached
    doc = json.loads(result.stdout)
    assert {h["name"]: h["reachable"] for h in doc["hosts"]} == {h.name: True for h in lab.hosts}
    assert {(r["host"], r["check"]) for r in doc["results"] if r["check"] == "time.timezone"} == {
        (h.name, "time.timezone") for h in lab.hosts}


def test_xlsx_with_chinese_headers_imports_to_an_inventory_check_runs_against(lab: Lab, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["XX医院 HIS 上线 服务器清单"])  # a title row above the header, as customers do
    for row in _rows(lab):
        sheet.append(row)
    book.save(tmp_path / "服务器清单.xlsx")
    out = tmp_path / "site" / "hosts.yml"
    _import(lab, tmp_path / "服务器清单.xlsx", out)
    _check_runs_on_every_host(lab, out, tmp_path / "runs")
    shown = CliRunner().invoke(cli, ["inventory", "show", "-i", str(out)])
    assert shown.exit_code == 0 and all(h.name in shown.output for h in lab.hosts)
    pinged = CliRunner().invoke(cli, ["inventory", "ping", "-i", str(out)])
    assert pinged.exit_code == 0, pinged.output
    # per host: reachable yes, login as root, sudo yes; no "no" anywhere
    assert pinged.output.count("yes") == 2 * len(lab.hosts) and pinged.output.count("root") == len(lab.hosts)
    assert " no " not in pinged.output


def test_gbk_csv_imports_to_an_inventory_check_runs_against(lab: Lab, tmp_path: Path) -> None:
    text = "\r\n".join(",".join(str(c) for c in row) for row in _rows(lab)) + "\r\n"
    (tmp_path / "hosts.csv").write_bytes(text.encode("gbk"))
    out = tmp_path / "hosts.yml"
    _import(lab, tmp_path / "hosts.csv", out)
    _check_runs_on_every_host(lab, out, tmp_path / "runs")


def test_duplicate_address_and_bad_port_are_refused_with_both_rows(lab: Lab, tmp_path: Path) -> None:
    rows = _rows(lab)
    rows[2][1] = rows[1][1]  # row 3 repeats row 2's address
    rows[3][2] = "22a"  # row 4: a bad port
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(tmp_path / "bad.xlsx")
    out = tmp_path / "out" / "hosts.yml"
    result = CliRunner().invoke(cli, ["inventory", "import", str(tmp_path / "bad.xlsx"), "-o", str(out)])
    assert result.exit_code == 2
    assert "row 3: duplicate address" in result.output and "row 4: invalid port" in result.output
    assert not out.exists() and not out.parent.exists()
