"""`envcheck fix` after a check run that reached no host: it says so and exits 3, never
"nothing to fix" with 0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from tests.clirunner import crash


def _run_dir(tmp_path: Path) -> Path:
    run = tmp_path / "runs" / "20260101-000000.000000-check"
    run.mkdir(parents=True)
    hosts = [{"name": n, "address": f"127.0.0.{i}", "reachable": False, "error": "timed out"}
             for i, n in enumerate(("web1", "db1"), 2)]
    (run / "result.json").write_text(json.dumps({"hosts": hosts, "results": []}))
    return run


@pytest.mark.parametrize("lang,words", [("en", "2 host(s) of that check run were unreachable"),
                                        ("zh", "该检查记录中有 2 台主机无法连接")])
def test_fix_check_after_an_all_unreachable_run(tmp_path: Path, lang: str, words: str) -> None:
    inv = tmp_path / "hosts.yml"
    inv.write_text("all:\n  hosts:\n    web1: {ansible_host: 127.0.0.2}\n    db1: {ansible_host: 127.0.0.3}\n")
    result = CliRunner().invoke(cli, ["fix", "--check", "-i", str(inv), "--from", str(_run_dir(tmp_path)),
                                      "--lang", lang])
    assert crash(result) is None, crash(result)
    assert result.exit_code == 3, result.output
    assert words in result.output and "web1, db1" in result.output
    assert "nothing to fix" not in result.output and "没有可自动修复" not in result.output


def test_fix_lists_a_failed_site_check_as_one_to_fix_by_hand(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "20260101-000000.000000-check"
    run.mkdir(parents=True)
    (run / "result.json").write_text(json.dumps({
        "hosts": [{"name": "db1", "address": "127.0.0.2", "reachable": True, "error": None}],
        "results": [{"host": "db1", "check": "site.data_disk", "status": "fail", "severity": "critical",
                     "fix": "Mount the SAN volume on /data", "message": "nothing is mounted on /data"}]}))
    inv = tmp_path / "hosts.yml"
    inv.write_text("all:\n  hosts:\n    db1: {ansible_host: 127.0.0.2}\n")
    result = CliRunner().invoke(cli, ["fix", "--check", "-i", str(inv), "--from", str(run), "--lang", "en"])
    assert crash(result) is None, crash(result)
    assert result.exit_code == 0, result.output
    assert "db1  site.data_disk: Mount the SAN volume on /data" in result.output


def test_a_site_checks_fix_is_given_in_the_fix_commands_language(tmp_path: Path) -> None:
    """A real check run of this machine in Chinese, then `fix --lang en`: the site check's own fix
    in English (it came in the check run's language)."""
    inv = tmp_path / "hosts.yml"
    inv.write_text("all:\n  hosts:\n    localhost: {ansible_connection: local}\n  vars:\n    site_checks:\n"
                   "      - {id: flag, type: file, path: /no/such/flag, title: {en: Flag, zh: 标志},\n"
                   "         fix: {en: Touch the flag file, zh: 创建标志文件}}\n")
    checked = CliRunner().invoke(cli, ["check", "-i", str(inv), "-c", "site", "--lang", "zh",
                                       "--runs-dir", str(tmp_path / "runs")])
    assert crash(checked) is None and checked.exit_code == 1, checked.output
    run = next((tmp_path / "runs").iterdir())
    for lang, words in (("en", "localhost  site.flag: Touch the flag file"),
                        ("zh", "localhost  site.flag：创建标志文件")):
        result = CliRunner().invoke(cli, ["fix", "--check", "-i", str(inv), "--from", str(run), "--lang", lang])
        assert crash(result) is None and result.exit_code == 0 and words in result.output, result.output
