"""Bad input to each command family, refused before any host is contacted: in zh (--lang zh, or
LANG=zh_CN.UTF-8 without --lang) the error says it in Chinese only, in en in English only;
exit code 2 either way, never a traceback."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from envcheck.cli import cli
from tests.clirunner import crash
from tests.zh_words import ENGLISH_ERRORS, english_left

HOST = "all:\n  hosts:\n    web1: {ansible_host: 127.0.0.1, ansible_port: 1}\n"
CJK = re.compile(r"[\u3400-\u9fff]")


def _inventory(tmp: Path, group_vars: str = "") -> str:
    if group_vars:
        (tmp / "group_vars").mkdir()
        (tmp / "group_vars" / "all.yml").write_text(group_vars, encoding="utf-8")
    (tmp / "hosts.yml").write_text(HOST, encoding="utf-8")
    return str(tmp / "hosts.yml")


# family -> the arguments of a bad input (given the test's folder)
CASES: dict[str, Callable[[Path], list[str]]] = {
    "check -c": lambda t: ["check", "-i", _inventory(t), "-c", "no.such_check", "--runs-dir", str(t / "runs")],
    "check standard": lambda t: ["check", "-i", _inventory(t, "standard_timezone: Asia/Beijing\n"),
                                 "--runs-dir", str(t / "runs")],
    "check -o": lambda t: ["check", "-o", f"json:{t / 'no' / 'c.json'}"],
    "check --waivers": lambda t: ["check", "--waivers", str(t / "waivers.yml")],
    "deploy": lambda t: ["deploy", "server", "-i", str(t / "nope.yml"), "--runs-dir", str(t / "runs")],
    "deploy -e": lambda t: ["deploy", "server", "-i", _inventory(t), "-e", "x"],
    "report": lambda t: ["report", "--runs-dir", str(t / "runs")],
    "report RUN_DIR": lambda t: ["report", str(t / "nope")],
    "verify": lambda t: ["verify"],
    "verify --role": lambda t: ["verify", "-i", _inventory(t), "--role", "mysql"],  # web1 is no database
    "inventory import": lambda t: ["inventory", "import", str(t / "hosts.xlsx"), "-o", str(t / "hosts.yml")],
    "inventory show": lambda t: ["inventory", "show", "-i", _inventory(t), "--limit", "nomatch"],
    "inventory ping": lambda t: ["inventory", "ping"],
    "fix": lambda t: ["fix"],
    "fix --from": lambda t: ["fix", "-i", _inventory(t), "--runs-dir", str(t / "runs")],
    "exec": lambda t: ["exec", " "],
    "collect": lambda t: ["collect", "-i", _inventory(t), "--what", "nosuch"],
}


def _invoke(args: list[str], **env: str | None) -> Result:
    base: dict[str, str | None] = {"LANG": "C.UTF-8", "LC_ALL": None, "LC_MESSAGES": None, "ENVCHECK_LANG": None}
    result = CliRunner().invoke(cli, args, env={**base, **env})
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert crash(result) is None, crash(result)
    return result


@pytest.mark.parametrize("family", sorted(CASES))
def test_a_bad_input_in_chinese_says_it_in_chinese_only(tmp_path: Path, family: str) -> None:
    out = _invoke([*CASES[family](tmp_path), "--lang", "zh"]).output
    assert out.startswith("错误：") and CJK.search(out.removeprefix("错误：")), out
    assert not english_left(out, ["web1"], ENGLISH_ERRORS), (english_left(out, ["web1"], ENGLISH_ERRORS), out)


@pytest.mark.parametrize("family", sorted(CASES))
def test_a_bad_input_in_english_says_it_in_english_only(tmp_path: Path, family: str) -> None:
    out = _invoke([*CASES[family](tmp_path), "--lang", "en"], LANG="zh_CN.UTF-8").output  # --lang wins
    assert out.startswith("Error: ") and not CJK.search(out), out


@pytest.mark.parametrize("family", ["check standard", "report", "fix --from"])
def test_without_lang_a_chinese_locale_decides(tmp_path: Path, family: str) -> None:
    out = _invoke(CASES[family](tmp_path), LANG="zh_CN.UTF-8").output
    assert out.startswith("错误：") and not english_left(out, ["web1"], ENGLISH_ERRORS), out
