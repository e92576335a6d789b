"""Bad input corpus: each case is refused before anything runs, by `check` and by `deploy`,
with a message naming the file or value, exit code 2, and never a traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from tests.clirunner import crash

pytestmark = pytest.mark.reliability
HOST = "all:\n  children:\n    web:\n      hosts:\n        web1: {ansible_host: 127.0.0.1, ansible_port: 1}\n"
Case = Callable[[Path], tuple[list[str], str]]  # writes its files; returns (args, expected text)


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def _with_standard(tmp: Path, group_vars: str | bytes) -> Path:
    _write(tmp / "group_vars" / "all.yml", group_vars)
    return _write(tmp / "hosts.yml", HOST)


CASES: dict[str, Case] = {
    "malformed YAML": lambda t: (["-i", str(_write(t / "hosts.yml", "all:\n  hosts:\n    web1: {a: 1\n"))],
                                 "hosts.yml, line 4"),
    "malformed INI": lambda t: (["-i", str(_write(t / "hosts.ini", "[web\nweb1 ansible_host=127.0.0.1\n"))],
                                "hosts.ini"),
    "YAML that is not an inventory": lambda t: (["-i", str(_write(t / "hosts.yml", "- just\n- a list\n"))],
                                                "hosts.yml"),
    "empty YAML": lambda t: (["-i", str(_write(t / "hosts.yml", ""))], "no host"),
    "empty INI": lambda t: (["-i", str(_write(t / "hosts", ""))], "no host"),
    "INI in GBK": lambda t: (["-i", str(_write(t / "hosts", "[web]\n服务器1 ansible_host=127.0.0.1\n".encode("gbk")))],
                             "GB18030"),
    "YAML in GBK": lambda t: (["-i", str(_write(t / "hosts.yml", HOST.replace("web1", "服务器").encode("gbk")))],
                              "line 5: not UTF-8"),
    "group_vars in GBK": lambda t: (["-i", str(_with_standard(t, "# 标准\nstandard_timezone: Asia/Shanghai\n"
                                                                 .encode("gbk")))], "all.yml, line 1: not UTF-8"),
    "INI with a BOM": lambda t: (["-i", str(_write(t / "hosts", b"\xef\xbb\xbf[web]\nweb1 ansible_host=127.0.0.1\n"))],
                                 "byte order mark"),
    "huge file": lambda t: (["-i", str(_write(t / "hosts", b"# padding\n" * (2 * 1024 * 1024)))], "MiB"),
    "a spreadsheet": lambda t: (["-i", str(_write(t / "hosts.xlsx", b"PK\x03\x04" + bytes(range(256)) * 4))],
                                "spreadsheet"),
    "malformed group_vars": lambda t: (["-i", str(_with_standard(t, "standard_timezone: [Asia/Shanghai\n"))],
                                       "all.yml, line 2"),
    "unknown group": lambda t: (["-i", str(_write(t / "hosts.yml", HOST)), "--limit", "db"], "'db' matches no host"),
    "unknown pattern": lambda t: (["-i", str(_write(t / "hosts.yml", HOST)), "--limit", "web1:&web[5:9]"],
                                  "matches no host"),
    "invalid pattern &": lambda t: (["-i", str(_write(t / "hosts.yml", HOST)), "--limit", "&"],
                                    "not a valid host pattern"),
    "invalid pattern !": lambda t: (["-i", str(_write(t / "hosts.yml", HOST)), "--limit", "web1:!"],
                                    "not a valid host pattern"),
    "invalid timezone": lambda t: (["-i", str(_with_standard(t, "standard_timezone: Asia/Beijing\n"))],
                                   "'Asia/Beijing' is not an IANA time zone"),
    "invalid charset": lambda t: (["-i", str(_with_standard(t, "standard_charset: UTF-9\n"))],
                                  "'UTF-9' is not a known charset"),
    "invalid locale": lambda t: (["-i", str(_with_standard(t, "standard_locale: 'zh_CN.UTF-8; rm -rf /'\n"))],
                                 "is not a locale name"),
    "collation of another charset": lambda t: (["-i", str(_with_standard(
        t, "standard_mysql_charset: utf8mb4\nstandard_mysql_collation: latin1_swedish_ci\n"))], "latin1_swedish_ci"),
    "a number that is not": lambda t: (["-i", str(_with_standard(t, "standard_nofile: lots\n"))],
                                       "standard_nofile has an invalid value 'lots'"),
    "missing inventory": lambda t: (["-i", str(t / "nope.yml")], "nope.yml"),
}


@pytest.mark.parametrize("command", [["check", "-c", "time.timezone"], ["deploy", "server"]])
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_exit_2_with_a_clear_message(tmp_path: Path, command: list[str], case: str) -> None:
    args, expected = CASES[case](tmp_path / "in")
    result = CliRunner().invoke(cli, [*command, *args, "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert expected in result.stderr, result.stderr
    assert crash(result) is None, crash(result)
    assert not (tmp_path / "runs").exists()  # nothing ran


def test_a_bom_in_yaml_is_read_as_utf8(tmp_path: Path) -> None:
    """YAML with a BOM (Notepad's UTF-8) is fine: only INI files choke on it."""
    from envcheck.inventory import load_inventory

    inv = _write(tmp_path / "hosts.yml", b"\xef\xbb\xbf" + HOST.replace("web1", "服务器1").encode())
    assert [h.name for h in load_inventory([str(inv)]).hosts] == ["服务器1"]


def test_deploy_extra_vars_must_be_key_value(tmp_path: Path) -> None:
    inv = _write(tmp_path / "hosts.yml", HOST)
    result = CliRunner().invoke(cli, ["deploy", "server", "-i", str(inv), "-e", "$(id)"])
    assert result.exit_code == 2 and "key=value" in result.stderr


@pytest.mark.parametrize("case", ["INI in GBK", "invalid pattern &"])
def test_the_real_process_prints_no_traceback(tmp_path: Path, case: str) -> None:
    """Outside CliRunner: what an engineer sees on the terminal."""
    args, expected = CASES[case](tmp_path / "in")
    envcheck = str(Path(sys.executable).parent / "envcheck")
    proc = subprocess.run([envcheck, "check", *args, "--runs-dir", str(tmp_path / "r")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and expected in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
