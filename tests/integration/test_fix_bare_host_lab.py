"""The audit -> fix loop on a bare lab host (the lab's own base: no python3-apt, as minimal
customer installs): `check` finds the timezone and locale failures, `fix --check` previews
them with their diff and changes nothing, `fix` fixes them and its re-check passes, and a
new `check` agrees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from tests.lab.lab import Lab

pytestmark = [pytest.mark.lab, pytest.mark.slow]
AREAS = ["-c", "time", "-c", "locale"]
# What the fix would change, and what tells the host is untouched: read before and after the preview.
STATE = ("readlink /etc/localtime; md5sum /etc/default/locale /etc/locale.gen /etc/timezone; "
         "ls /etc/apt/apt.conf.d; dpkg-query -W -f='${db:Status-Abbrev}\\n' python3-apt chrony 2>&1; "
         "ls /var/lib/apt/lists")


def _envcheck(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout, and stdout with stderr."""
    result = CliRunner().invoke(cli, [*args, "--lang", "en"])
    return result.exit_code, result.stdout, result.output


def test_check_then_fix_on_a_bare_host(lab: Lab, tmp_path: Path) -> None:
    name = lab.hosts[-1].name
    lab.reset(name)
    try:
        _check_preview_fix(lab, name, tmp_path / "runs")
    finally:
        lab.reset(name)


def _check_preview_fix(lab: Lab, name: str, runs: Path) -> None:
    inventory = str(lab.inventory_path)
    assert "ii" not in lab.ssh(name, "dpkg-query -W -f='${db:Status-Abbrev}' python3-apt").stdout  # bare
    code, out, _ = _envcheck("check", "-i", inventory, "--limit", name, *AREAS, "--format", "json",
                             "--runs-dir", str(runs))
    assert code == 1, out
    failed = {r["check"] for r in json.loads(out)["results"] if r["status"] == "fail"}
    assert {"time.timezone", "locale.system_lang", "locale.required_generated"} <= failed

    before = lab.ssh(name, STATE).stdout
    code, _, out = _envcheck("fix", "-i", inventory, "--limit", name, "--check", "--runs-dir", str(runs))
    assert code == 0, out
    assert "python3-apt must be installed" not in out
    assert "+src: /usr/share/zoneinfo/Asia/Shanghai" in out and "+LANG=zh_CN.UTF-8" in out  # the diff
    assert lab.ssh(name, STATE).stdout == before  # nothing changed on the host

    code, _, out = _envcheck("fix", "-i", inventory, "--limit", name, "--runs-dir", str(runs))
    assert code == 0, out  # applied, and the re-check of those checks passed
    assert "Install apt's Python bindings first (python3-apt): changed" in out
    code, out, _ = _envcheck("check", "-i", inventory, "--limit", name, *AREAS, "--format", "json",
                             "--runs-dir", str(runs))
    still = [(r["check"], r["found"]) for r in json.loads(out)["results"] if r["status"] in ("fail", "error")]
    assert code == 0 and not still, out
