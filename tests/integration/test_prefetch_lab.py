"""The head start (envcheck.prefetch) on real hosts: a second run with the inventory
unchanged starts every session before ansible-core has read the inventory; when the
inventory then resolves a host differently, the session started for the old target is
closed unused and the host is audited where the inventory now says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import envcheck.commands.check as check_command
from envcheck.cli import cli
from tests.lab.lab import Lab

pytestmark = pytest.mark.lab


def test_a_repeated_run_starts_its_sessions_first_and_drops_stale_ones(
        lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ENVCHECK_NO_PREFETCH", raising=False)
    first, second = lab.hosts[0], lab.hosts[1]
    inv = yaml.safe_load(lab.inventory_path.read_text())
    for group in inv["all"]["children"].values():
        if first.name in group["hosts"]:
            group["hosts"][first.name]["ansible_host"] = "{{ lookup('env', 'EC_TEST_ADDRESS') }}"
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump(inv))
    (tmp_path / "group_vars").symlink_to(lab.inventory_path.parent / "group_vars")

    started: list[Any] = []  # the sessions each run started before reading the inventory
    real_prefetch = check_command._prefetch

    def spy(name: str, conn: Any, key: str | None) -> Any:
        transport = real_prefetch(name, conn, key)
        started.append(dict(transport.__dict__["_early"]) if transport else {})
        return transport

    monkeypatch.setattr(check_command, "_prefetch", spy)

    def run(address: str) -> dict[str, Any]:
        monkeypatch.setenv("EC_TEST_ADDRESS", address)
        result = CliRunner().invoke(cli, ["check", "-i", str(path), "-c", "time.timezone", "--format", "json",
                                          "--runs-dir", str(tmp_path / "runs")])
        assert result.exit_code in (0, 1), result.output
        doc: dict[str, Any] = json.loads(result.stdout)
        assert all(h["reachable"] for h in doc["hosts"]), doc["hosts"]
        return doc

    run(first.ssh_address)
    assert started[0] == {}  # nothing remembered yet
    run(first.ssh_address)
    assert {t.name for t in started[1]} == {h.name for h in lab.hosts}
    # Same files, but the first host now resolves to another address.
    doc = run(second.ssh_address)
    assert {t.name: t.address for t in started[2]}[first.name] == first.ssh_address
    audited = {h["name"]: h["address"] for h in doc["hosts"]}
    assert audited[first.name] == second.ssh_address
    for channel, _ in [*started[1].values(), *started[2].values()]:
        assert channel.proc.poll() is not None  # every session ended, used or not


# Run as the console command runs: envcheck.entry.main, with every session started noted with
# its address and whether click (with it the check command) and the transport's classes had
# been imported yet.
_COUNTED_ENTRY = """\
import json, sys
import envcheck.sshcommand as sshcommand
opened = []
real_spawn = sshcommand.spawn
def spawn_noted(argv):
    if argv[0] == "ssh":
        opened.append([argv[-2], "click" in sys.modules, "envcheck.transport.base" in sys.modules])
    return real_spawn(argv)
sshcommand.spawn = spawn_noted  # before envcheck.transport.process takes it by name
import atexit
atexit.register(lambda: sys.stderr.write("OPENED " + json.dumps(opened) + "\\n"))
from envcheck.entry import main
main()
"""


def test_the_console_command_starts_a_repeated_runs_sessions_before_click_loads(
        lab: Lab, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("ENVCHECK_NO_PREFETCH", None)
    argv = [sys.executable, "-c", _COUNTED_ENTRY, "check", "-i", str(lab.inventory_path), "-c", "time.timezone",
            "--format", "json", "--runs-dir", str(tmp_path / "runs")]
    addresses = sorted(h.ssh_address for h in lab.hosts)
    for run in ("first", "second"):
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode in (0, 1), proc.stderr
        assert all(h["reachable"] for h in json.loads(proc.stdout)["hosts"])
        opened = json.loads(proc.stderr.split("OPENED ", 1)[1].splitlines()[0])
        assert sorted(address for address, _, _ in opened) == addresses  # one session per host, none twice
        # The first run learns the hosts from the inventory (click parsed the command line
        # first); the second starts every session before click, or even the transport's
        # classes, are imported.
        assert {(click, classes) for _, click, classes in opened} == (
            {(True, True)} if run == "first" else {(False, False)})
