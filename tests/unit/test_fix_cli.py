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
