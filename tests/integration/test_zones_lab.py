"""Network zones (tests/lab/zone.py): hosts the controller reaches only through their zone's
jump host. `check` goes through ProxyJump on one shared connection per jump host; `deploy`
runs each zone's job on its jump host (ansible-runner transmit -> worker over SSH -> process):
two zones in one command with one summary, the same evidence as a local run, and a worker
whose connection is cut mid-run is a clear failure (exit 3) that leaves nothing running there.

Lean on purpose (the machine is shared): `deploy server -t hosts` (a few tasks, no packages) for the
zones and the cut connection; `deploy site` through one worker on one host, twice."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.deploy.worker import WORKER_HOME
from envcheck.deploy.worker_shim import MARK_VARIABLE
from tests import procscan
from tests.lab.lab import Lab

pytestmark = [pytest.mark.lab, pytest.mark.slow]
ZONE_HOSTS = {"dmz1", "dmz2", "core1"}
# Processes of a worker's job on a jump host: pid and command of each carrying the job's mark.
MARKED = (f"for d in /proc/[0-9]*; do grep -qz '^{MARK_VARIABLE}=' $d/environ 2>/dev/null && "
          "echo ${d#/proc/} $(cat $d/comm); done; true")


def _deploy(zones: Lab, runs: Path, *args: str, playbook: str = "server",
            tags: tuple[str, ...] = ("-t", "hosts")) -> tuple[int, str, dict]:  # type: ignore[type-arg]
    result = CliRunner().invoke(cli, ["deploy", playbook, "-i", str(zones.inventory_path), *tags,
                                      "--runs-dir", str(runs), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    run = max(runs.glob("*-deploy"))
    return result.exit_code, result.output, json.loads((run / "run.json").read_text())


def _files(run: Path) -> set[str]:
    return {str(p.relative_to(run)) for p in run.rglob("*") if p.is_file()}


def test_check_through_jump_hosts_shares_one_connection_each(zones: Lab, tmp_path: Path, own_tmp: Path) -> None:
    since = zones.ssh("jumpa", "date +%s.%N").stdout.strip()
    result = CliRunner().invoke(cli, ["check", "-i", str(zones.inventory_path), "--limit", "zone_a",
                                      "-c", "time.timezone", "--format", "json", "--runs-dir", str(tmp_path)])
    until = f"{time.time():.3f}"  # before the look below, itself a connection to jumpa
    doc = json.loads(result.stdout)
    assert {h["name"] for h in doc["hosts"] if h["reachable"]} == {"dmz1", "dmz2"}, result.output
    logins = zones.ssh("jumpa", f"journalctl -u ssh --no-pager -o cat --since @{since} --until @{until}").stdout
    assert logins.count("Accepted publickey") == 1, logins  # two targets, one handshake with their jump host
    assert not list(own_tmp.glob("ecj-*"))  # the shared connections ended with the run, their folder removed


def test_two_zones_in_one_command_then_deploy_site_via_a_jump_host(zones: Lab, tmp_path: Path) -> None:
    code, output, run = _deploy(zones, tmp_path / "zones", "--limit", "zone_a,zone_b")
    assert code == 0 and run["status"] == "successful", output
    assert run["workers"] == {"jumpa": ["dmz1", "dmz2"], "jumpb": ["core1"]}
    assert {h["name"] for h in run["hosts"]} == ZONE_HOSTS  # one summary for both zones
    for name in ZONE_HOSTS:
        assert f"{name}: " in output
    evidence = max((tmp_path / "zones").glob("*-deploy"))
    assert {"artifacts/jumpa/stdout", "artifacts/jumpb/stdout"} <= _files(evidence)
    events = [json.loads(x) for x in (evidence / "events.jsonl").read_text().splitlines()]
    assert {e.get("host") for e in events if e["event"] == "runner_on_ok"} == ZONE_HOSTS

    # `deploy site --via` on a zone host: it succeeds, a second run changes nothing, the
    # evidence shaped as a local run's (the host is in no web/app/db group: site is its baseline)
    for attempt in (1, 2):
        code, output, run = _deploy(zones, tmp_path / f"site{attempt}", "--limit", "dmz1", "--via", "jumpa",
                                    playbook="site", tags=())
        assert code == 0 and run["status"] == "successful", output
    assert [h["changed"] for h in run["hosts"]] == [0], output
    evidence = max((tmp_path / "site2").glob("*-deploy"))
    assert _files(evidence) == {"run.json", "events.jsonl", "backups.json", "artifacts/stdout", "artifacts/rc",
                                "artifacts/status", "artifacts/command.json",  # and the rollback record
                                "rollback/dmz1.json"}  # of each host (docs/rollback.md)
    command = json.loads((evidence / "artifacts" / "command.json").read_text())
    assert isinstance(command["env"], list) and "PATH" in command["env"]  # names, never values
    assert zones.ssh("jumpa", f"ls -A {WORKER_HOME}.d/jobs").stdout.strip() == ""  # the job's files went


def test_cut_worker_connection_fails_clearly_and_leaves_nothing_running(zones: Lab, tmp_path: Path) -> None:
    # A Python that takes its time on dmz1: the job is surely under way when its connection is cut.
    slow = "/usr/local/bin/ec-slow-python"
    zones.ssh("dmz1", f"printf '#!/bin/sh\\nsleep 120\\nexec python3 \"$@\"\\n' > {slow} && chmod +x {slow}")
    marker = procscan.new_marker()
    argv = [sys.executable, "-m", "envcheck", "deploy", "server", "-i", str(zones.inventory_path), "-t", "hosts",
            "--limit", "dmz1", "--via", "jumpa", "-e", f"ansible_python_interpreter={slow}",
            "--runs-dir", str(tmp_path)]
    proc = subprocess.Popen(argv, env=procscan.marked_env(marker), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        running = _wait_for_job(zones, proc)
        [ssh] = [p for p in procscan.alive_with(marker) if _worker_ssh(p)]
        os.kill(ssh, signal.SIGKILL)
        output, _ = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        zones.ssh("dmz1", f"rm -f {shlex.quote(slow)}")
    assert proc.returncode == 3, output  # exitcodes: a host (the worker) could not be reached
    assert "worker jumpa: the connection ended before the job did" in output
    assert "Traceback" not in output
    run = json.loads((max(tmp_path.glob("*-deploy")) / "run.json").read_text())
    assert run["workers_lost"] and run["workers_lost"][0]["worker"] == "jumpa"
    left = _marked(zones)
    deadline = time.monotonic() + 60  # the worker ends its job once it sees its stdin end
    while left and time.monotonic() < deadline:
        time.sleep(1)
        left = _marked(zones)
    assert not left, left
    assert not set(running) & {int(p) for p in zones.ssh("jumpa", "ls /proc").stdout.split() if p.isdigit()}
    assert zones.ssh("jumpa", f"ls -A {WORKER_HOME}.d/jobs").stdout.strip() == ""
    assert "sleep" not in zones.ssh("dmz1", "ps -eo comm").stdout  # swept on the host as well


def _marked(zones: Lab) -> dict[int, str]:
    out = zones.ssh("jumpa", MARKED).stdout
    return {int(pid): comm for pid, _, comm in (line.partition(" ") for line in out.splitlines())}


def _wait_for_job(zones: Lab, proc: subprocess.Popen[str]) -> dict[int, str]:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        found = _marked(zones)
        if "ansible-playboo" in found.values():
            return found
        time.sleep(0.5)
    raise AssertionError(f"no job on the worker (exit {proc.poll()})")


def _worker_ssh(pid: int) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return argv[0] == b"ssh" and any(f"{WORKER_HOME}/bin/python".encode() in a for a in argv)
