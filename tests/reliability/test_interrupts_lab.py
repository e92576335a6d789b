"""Ctrl+C (SIGINT to the process group, as a terminal sends it) and SIGTERM (to envcheck
alone, as a service manager or `kill` sends it) during a real `envcheck check` and `envcheck
deploy`: exit 130, and a valid run record marked incomplete with what was gathered."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.lab.lab import Lab
from tests.reliability.labkit import (
    Running,
    add_host,
    lab_inventory,
    last_run,
    read_json,
    silent_address,
    silent_host,
    write_inventory,
)

pytestmark = [pytest.mark.lab, pytest.mark.reliability]
SIGNALS = [pytest.param(signal.SIGINT, True, id="ctrl-c"), pytest.param(signal.SIGTERM, False, id="sigterm")]


@pytest.mark.parametrize("sig,group", SIGNALS)
def test_check_interrupted_keeps_the_hosts_gathered(lab: Lab, tmp_path: Path, sig: int, group: bool) -> None:
    inv = lab_inventory(lab)
    with silent_host(silent_address(lab), banner=True) as (address, port):
        # The hanging host keeps the run going (60 s timeout) after the real hosts are done:
        # it answers with a banner, so ssh's 10 s ConnectTimeout does not end it first.
        add_host(inv, "web", "hang", like=lab.hosts[0].name, ansible_host=address, ansible_port=port)
        path = write_inventory(lab, tmp_path / "inv", inv)
        run = Running(["check", "-i", str(path), "-c", "time", "--timeout", "60", "--runs-dir", str(tmp_path / "runs")])
        _wait_for_host_files(tmp_path / "runs", len(lab.hosts), run)
        run.signal(sig, group)
        code, out = run.finish(timeout=120)
    evidence = last_run(tmp_path / "runs", "check")
    record, result = read_json(evidence / "run.json"), read_json(evidence / "result.json")
    assert code == 130, out
    assert record["complete"] is False and record["pending"] == ["hang"] and record["finished"]
    assert result["complete"] is False
    assert sorted(h["name"] for h in result["hosts"]) == sorted(h.name for h in lab.hosts)
    assert {r["host"] for r in result["results"] if r["host"]} == {h.name for h in lab.hosts}
    assert sorted(p.stem for p in (evidence / "hosts").iterdir()) == sorted(h.name for h in lab.hosts)


def _wait_for_host_files(runs: Path, count: int, run: Running) -> None:
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = list(runs.glob("*-check/hosts/*.json"))
        if len(found) >= count:
            return
        assert run.proc.poll() is None, "envcheck ended before the signal"
        time.sleep(0.1)
    raise AssertionError("the real hosts never finished")


@pytest.mark.parametrize("sig,group", SIGNALS)
def test_deploy_interrupted_keeps_a_record_of_what_ran(lab: Lab, tmp_path: Path, sig: int, group: bool) -> None:
    name = lab.hosts[2].name
    try:
        run = Running(["deploy", "server", "-i", str(lab.inventory_path), "--limit", name, "-t", "timezone",
                       "--runs-dir", str(tmp_path)])
        run.wait_for_line(lambda line: line.startswith(f"[{name}] "), timeout=300)  # a task is done
        run.signal(sig, group)
        code, out = run.finish(timeout=120)
    finally:
        lab.reset(name)
    evidence = last_run(tmp_path, "deploy")
    record = read_json(evidence / "run.json")
    assert code == 130, out
    assert record["complete"] is False and record["status"] == "canceled" and record["finished"]
    [host] = record["hosts"]
    assert host["name"] == name and host["ok"] + host["changed"] >= 1, record  # what ran is counted
    events = (evidence / "events.jsonl").read_text().splitlines()
    assert any(f'"host": "{name}"' in e and "runner_on_ok" in e for e in events)
    assert "Result: canceled" in out
