"""envcheck.data's pure parts: URLs and passwords, zones, the mapping file, text quality and
the classification of differences, the checklist file."""

from __future__ import annotations

from pathlib import Path

import pytest

from envcheck.data.checklist import RULES, load_checklist
from envcheck.data.classify import classify_value
from envcheck.data.connect import parse_url, password_for
from envcheck.data.dialect import MySQL, PostgreSQL
from envcheck.data.mapping import load_mapping, tz_seconds
from envcheck.data.textcheck import double_encode, gbk_as_latin1, text_issues
from envcheck.errors import BadInput


def test_urls_and_a_password_in_one_is_refused() -> None:
    url = parse_url("postgresql://his@10.0.0.6/his")
    assert (url.engine, url.user, url.host, url.port, url.database) == ("postgresql", "his", "10.0.0.6", 5432, "his")
    assert parse_url("mariadb://erp@db1:3307/erp").engine == "mysql"
    with pytest.raises(BadInput, match="password in the database URL"):
        parse_url("mysql://erp:secret@db1/erp")
    with pytest.raises(BadInput, match="scheme"):
        parse_url("oracle://x@db1/x")


def test_a_password_the_url_parser_cannot_read_is_refused_and_never_shown() -> None:
    """'/' in a password ends urlsplit's host part: the port would be the password, and the
    parser's own message would show it."""
    for url in ("mysql://erp:Pw/3141@db1/erp", "mysql://erp:Pw@3141@db1:x/erp"):
        with pytest.raises(BadInput, match="password in the database URL") as info:
            parse_url(url)
        assert "3141" not in info.value.text.en + info.value.text.zh


def test_password_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("ENVCHECK_DB_PASSWORD", "ENVCHECK_SOURCE_PASSWORD", "ENVCHECK_TARGET_PASSWORD", "PGPASSWORD"):
        monkeypatch.delenv(var, raising=False)
    url = parse_url("postgresql://his@db/his")
    assert password_for(url, None) is None
    monkeypatch.setenv("PGPASSWORD", "pg")
    assert password_for(url, None) == "pg"
    monkeypatch.setenv("ENVCHECK_DB_PASSWORD", "db")
    assert password_for(url, None) == "db"
    monkeypatch.setenv("ENVCHECK_TARGET_PASSWORD", "target")
    assert password_for(url, None, "TARGET") == "target" and password_for(url, None, "SOURCE") == "db"
    (tmp_path / "pw").write_text("from-file\n")
    assert password_for(url, str(tmp_path / "pw"), "TARGET") == "from-file"


def test_a_password_file_may_be_an_ansible_vault(tmp_path: Path) -> None:
    from ansible.parsing.vault import VaultLib, VaultSecret

    (tmp_path / "vault-pw").write_text("open sesame\n")
    vault = VaultLib([("default", VaultSecret(b"open sesame"))])
    (tmp_path / "db-pw").write_bytes(vault.encrypt("His-Pw-3141\n"))
    url = parse_url("postgresql://his@db/his")
    assert password_for(url, str(tmp_path / "db-pw"), "", str(tmp_path / "vault-pw")) == "His-Pw-3141"
    with pytest.raises(BadInput, match="vault-password-file"):
        password_for(url, str(tmp_path / "db-pw"))
    (tmp_path / "vault-pw").write_text("wrong\n")
    with pytest.raises(BadInput, match="cannot open the vault"):
        password_for(url, str(tmp_path / "db-pw"), "", str(tmp_path / "vault-pw"))


def test_identifiers_are_quoted_by_each_engine_s_rule() -> None:
    assert MySQL().ident("a`b") == "`a``b`"
    assert PostgreSQL().ident('a"b') == '"a""b"'


def test_zones_and_the_mapping(tmp_path: Path) -> None:
    assert tz_seconds("+08:00") == 28800 and tz_seconds("-0530") == -19800 and tz_seconds("UTC") == 0
    with pytest.raises(BadInput):
        tz_seconds("Asia/Shanghai")
    path = tmp_path / "m.yml"
    path.write_text("source_tz: '+08:00'\ntables:\n  fee: {target: fee_detail, columns: {name: patient_name}}\n")
    m = load_mapping(path, ["ignored"], None, None)
    assert m.source_tz == m.target_tz == "+08:00"
    assert m.tables[0].target == "fee_detail" and m.tables[0].target_column("name") == "patient_name"
    path.write_text("tables:\n  fee: {colums: {}}\n")
    with pytest.raises(BadInput, match="unknown colums"):
        load_mapping(path, [], None, None)


@pytest.mark.parametrize(("text", "cls"), [
    (double_encode("张磊的病历"), "double_encoded"), (gbk_as_latin1("中文") or "", "gbk_mojibake"),
    ("上海\ufffd", "replacement_char"), ("??????", "question_runs"), ("a\x07b", "control_chars"),
    (" 赵敏", "blanks"), ("HIS１２３", "fullwidth")])
def test_text_issues(text: str, cls: str) -> None:
    assert cls in text_issues(text)


def test_clean_chinese_and_latin_text_has_no_issue() -> None:
    assert text_issues("北京市海淀区中关村大街1号") == [] and text_issues("Müller café") == []


@pytest.mark.parametrize(("kind", "src", "tgt", "cls", "detail"), [
    ("text", None, "", "null_to_empty", ""),
    ("text", "中文", double_encode("中文"), "double_encoded", ""),
    ("text", "中文", gbk_as_latin1("中文"), "gbk_mojibake", ""),
    ("text", "王𪚥明", "王", "truncated_4byte", "3 -> 1"),
    ("text", "中文名", "???", "question_marks", ""),
    ("text", "e\u0301", "\u00e9", "normalisation", ""),
    ("text", "上海市路", "上海市\ufffd路", "replacement_chars", ""),
    ("timestamp", "2026-01-01 10:00:00.000000", "2026-01-01 18:00:00.000000", "shifted", "+8h"),
    ("timestamp", "2026-01-01 10:00:00.000000", "2026-01-01 10:00:01.000000", "changed", ""),
    ("decimal", "12.37", "12.00", "rounded", "0 places"),
    ("decimal", "12.37", "12.40", "rounded", "1 places"),
    ("decimal", "12.37", "12.38", "changed", ""),
    ("int", "3", "4", "changed", ""),
])
def test_classification(kind: str, src: str | None, tgt: str | None, cls: str, detail: str) -> None:
    verdict = classify_value(kind, src, tgt)
    assert verdict is not None and (verdict.cls, verdict.detail) == (cls, detail)


def test_the_shipped_checklist_has_20_plus_items_each_a_known_rule() -> None:
    items = load_checklist(None)
    assert len(items) >= 20 and all(i["rule"] in RULES for i in items)
    assert all(i["title"]["en"] and i["title"]["zh"] for i in items)


def test_a_checklist_error_names_the_item_in_one_language(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_text("items:\n  - {id: fee_ok, title: {en: Fees}, rule: row_counts}\n")
    with pytest.raises(BadInput) as info:
        load_checklist(path)
    assert info.value.text.en == f"checklist {path}, item 1 (fee_ok): the title needs en and zh"
    assert info.value.text.zh == f"验收清单 {path} 第 1 项（fee_ok）：title 需要同时写 en 和 zh"


def test_a_site_item_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_text("items:\n  - {id: x, title: {en: X, zh: X}, sql: SELECT 1, expect: '>= one'}\n")
    with pytest.raises(BadInput, match="a number or source"):
        load_checklist(path)
