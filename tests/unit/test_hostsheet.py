"""The customer's host list: Chinese and English headers, encodings, and validation by row."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.errors import BadInput
from envcheck.inventory import load_inventory
from envcheck.inventory.hostsheet import decode_csv, parse_rows, read_rows

ZH_ROWS = [
    ["某某医院 HIS 服务器清单", None, None, None, None],  # a title row above the header
    ["主机名", "IP地址", "SSH端口", "用户名", "角色", "密码"],
    ["his-web1", "10.99.0.11", 22, "root", "Web服务器", "Secret-1"],
    ["his-app1", "10.99.0.12", "2222", "", "应用服务器", "Secret-2"],
    ["his-db1", "10.99.0.13", 22.0, "admin", "数据库、应用", ""],
    ["his-db2", "１０．９９．０．１４", "２２", " admin ", "数据库", ""],  # typed with a Chinese IME
]


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_chinese_xlsx_with_title_row_maps_roles_and_drops_passwords(tmp_path: Path) -> None:
    result = parse_rows(read_rows(_xlsx(tmp_path / "hosts.xlsx", ZH_ROWS)))
    assert not result.problems
    assert [(h.name, h.address, h.port, h.user, h.groups) for h in result.hosts] == [
        ("his-web1", "10.99.0.11", 22, "root", ("web",)),
        ("his-app1", "10.99.0.12", 2222, None, ("app",)),
        ("his-db1", "10.99.0.13", 22, "admin", ("db", "app")),
        ("his-db2", "10.99.0.14", 22, "admin", ("db",)),
    ]
    assert result.notes and "password" in result.notes[0]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8", "utf-16"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    text = "名称,地址,端口,用户,分组\n数据库1,10.99.0.13,22,root,数据库\n前置机1,10.99.0.11,22,root,前置机\n"
    path = tmp_path / "hosts.csv"
    path.write_bytes(text.encode(encoding))
    result = parse_rows(read_rows(path))
    assert [(h.name, h.groups) for h in result.hosts] == [("数据库1", ("db",)), ("前置机1", ("web",))]


def test_undecodable_csv_is_bad_input() -> None:
    with pytest.raises(BadInput):
        decode_csv(b"\xff\xff\xff\x81\x20\x81")


def test_english_headers_and_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "hosts.csv"
    path.write_text("Host Name;IP Address;Port;User;Role\nweb-a;10.99.0.21;22;ops;nginx\n", encoding="utf-8")
    [host] = parse_rows(read_rows(path)).hosts
    assert (host.name, host.user, host.groups) == ("web-a", "ops", ("web",))


def test_every_problem_is_reported_with_its_row(tmp_path: Path) -> None:
    rows = [
        ["主机名", "IP地址", "端口", "角色"],
        ["a1", "10.99.0.1", 22, "应用"],           # row 2: good
        ["a2", "10.99.0.1", 22, "应用"],           # row 3: duplicate address of row 2
        ["a3", "10.99.0.3", 70000, "应用"],        # row 4: bad port
        ["a1", "10.99.0.4", 22, "数据库"],         # row 5: duplicate name
        ["a5", "10.99.0.300", 22, "数据库"],       # row 6: invalid address
        ["a6", "10.99.0.6", 22, "打印机"],         # row 7: unknown role
        ["", "10.99.0.7", 22, "web"],              # row 8: empty name
        [None, None, None, None],                  # blank rows are ignored
    ]
    result = parse_rows(read_rows(_xlsx(tmp_path / "bad.xlsx", rows)))
    by_row = {p.row: p.en for p in result.problems}
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8]
    assert "duplicate address" in by_row[3] and "row 2" in by_row[3]
    assert "invalid port" in by_row[4] and "duplicate name" in by_row[5]
    assert "invalid address" in by_row[6] and "unknown role" in by_row[7] and "empty name" in by_row[8]
    assert [h.name for h in result.hosts] == ["a1"]


def test_import_refuses_and_writes_nothing_then_skips_bad_rows(tmp_path: Path) -> None:
    rows = [["hostname", "ip", "port", "role"], ["w1", "10.99.0.1", 22, "web"],
            ["w2", "10.99.0.1", 22, "web"], ["d1", "10.99.0.2", "ssh", "db"]]
    sheet = _xlsx(tmp_path / "s.xlsx", rows)
    out = tmp_path / "inv" / "hosts.yml"
    refused = CliRunner().invoke(cli, ["inventory", "import", str(sheet), "-o", str(out)])
    assert refused.exit_code == 2 and not out.exists()
    assert "row 3" in refused.output and "row 4" in refused.output
    skipped = CliRunner().invoke(cli, ["inventory", "import", str(sheet), "-o", str(out), "--skip-bad-rows",
                                       "--user", "root"])
    assert skipped.exit_code == 0, skipped.output
    assert "skipped row(s) 3, 4" in skipped.output
    inv = load_inventory([str(out)])
    assert [h.name for h in inv.hosts] == ["w1"] and inv.host("w1").target.user == "root"
    again = CliRunner().invoke(cli, ["inventory", "import", str(sheet), "-o", str(out), "--skip-bad-rows"])
    assert again.exit_code == 2 and "exists" in again.output


def test_missing_role_column_names_the_synonyms(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("主机名,IP地址\nx,10.99.0.1\n", encoding="utf-8")
    with pytest.raises(BadInput, match="角色"):
        parse_rows(read_rows(path))


def test_written_inventory_is_plain_yaml_with_groups(tmp_path: Path) -> None:
    out = tmp_path / "hosts.yml"
    result = CliRunner().invoke(cli, ["inventory", "import", str(_xlsx(tmp_path / "h.xlsx", ZH_ROWS)),
                                      "-o", str(out), "--known-hosts", str(tmp_path / "kh")])
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert set(doc["all"]["children"]) == {"web", "app", "db"}
    assert "Secret" not in out.read_text(encoding="utf-8")
    assert "StrictHostKeyChecking=yes" in doc["all"]["vars"]["ansible_ssh_common_args"]


def test_merged_role_cells_are_filled_down_and_purpose_headers_read(tmp_path: Path) -> None:
    """A Chinese sheet: 服务器用途 as the role header, 业务IP as the LAN address, and the role
    cell merged vertically over the rows of that role (only its top cell holds the value)."""
    rows: list[list[object]] = [["服务器名称", "管理IP", "业务IP", "服务器用途"],
                                ["w1", "10.99.0.11", "10.99.1.11", "Web服务器"],
                                ["w2", "10.99.0.12", "10.99.1.12", None],
                                ["d1", "10.99.0.13", "10.99.1.13", "数据库"],
                                ["d2", "10.99.0.14", "10.99.1.14", None]]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("D2:D3")
    sheet.merge_cells("D4:D5")
    book.save(tmp_path / "merged.xlsx")
    result = parse_rows(read_rows(tmp_path / "merged.xlsx"))
    assert not result.problems, [p.text() for p in result.problems]
    assert [(h.name, h.groups, h.lan_address) for h in result.hosts] == [
        ("w1", ("web",), "10.99.1.11"), ("w2", ("web",), "10.99.1.12"),
        ("d1", ("db",), "10.99.1.13"), ("d2", ("db",), "10.99.1.14")]


@pytest.mark.parametrize("lang,words", [("en", "--yes"), ("zh", "请加 --yes 导入")])
def test_a_sheet_over_2000_rows_asks_for_yes(tmp_path: Path, lang: str, words: str) -> None:
    src = tmp_path / "big.csv"
    src.write_text("name,address,role\n" + "".join(f"h{i},127.1.{i // 250}.{i % 250 + 1},web\n"
                                                  for i in range(2001)))
    out = tmp_path / "hosts.yml"
    refused = CliRunner().invoke(cli, ["inventory", "import", str(src), "-o", str(out), "--lang", lang])
    assert refused.exit_code == 2 and words in refused.output and "2001" in refused.output and not out.exists()
    accepted = CliRunner().invoke(cli, ["inventory", "import", str(src), "-o", str(out), "--yes"])
    assert accepted.exit_code == 0, accepted.output
    assert len(yaml.safe_load(out.read_text())["all"]["children"]["web"]["hosts"]) == 2001
