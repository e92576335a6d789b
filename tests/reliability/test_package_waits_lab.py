"""Bounded package-manager waits on the lab: one host's apt goes through a relay of its own
that accepts and never answers (tests/lab/faults.stalled_package_source; the shared proxy and
the other hosts untouched). Its package task fails by the documented task timeout
(baseline_pkg_task_timeout) while the others complete, the live display names it meanwhile,
and what the run left running on it is ended; Ctrl+C during a package task leaves no process
envcheck started on any host."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from envcheck.deploy.sweep import MARK, is_timeout
from envcheck.deploy.view import SLOW_ENV
from tests.lab.faults import marked_processes, stalled_package_source
from tests.lab.lab import Lab
from tests.reliability.labkit import Running, lab_inventory, last_run, read_json, write_inventory

pytestmark = [pytest.mark.lab, pytest.mark.reliability]
TASK_TIMEOUT = 30
# apt's own download timeout past the task's: the task timeout is the bound that fires.
WAITS = {"baseline_pkg_timeout": 900, "baseline_pkg_retries": 0, "baseline_pkg_task_timeout": TASK_TIMEOUT}
SLOW = {SLOW_ENV: "5"}


def _deploy(inventory: Path, runs: Path) -> Running:
    return Running(["deploy", "server", "--tags", "packages", "-i", str(inventory), "--runs-dir", str(runs),
                    "--lang", "en"], env=SLOW)


def _all_reset(lab: Lab) -> None:
    for h in lab.hosts:
        lab.reset(h.name)


def test_a_stalled_package_source_fails_its_host_by_the_task_timeout_while_the_others_complete(
        lab: Lab, tmp_path: Path) -> None:
    stalled = lab.hosts[1].name
    _all_reset(lab)
    try:
        inventory = write_inventory(lab, tmp_path / "inv", lab_inventory(lab), standard=WAITS)
        with stalled_package_source(lab, stalled):
            code, out = _deploy(inventory, tmp_path / "runs").finish(timeout=900)
            run = last_run(tmp_path / "runs", "deploy")
            left = marked_processes(lab, stalled, MARK, run.name)  # the source still stalls
    finally:
        _all_reset(lab)
    record = read_json(run / "run.json")
    hosts = {h["name"]: h for h in record["hosts"]}
    assert code == 1, out
    assert hosts[stalled]["failed"] == 1 and hosts[stalled]["timed_out"], hosts[stalled]
    [failure] = hosts[stalled]["failed_tasks"]
    assert is_timeout(failure) and f"{TASK_TIMEOUT} second" in failure, failure  # the bound, by its number
    for name, h in hosts.items():
        if name != stalled:  # the others installed their bindings and packages
            assert h["failed"] == 0 and h["unreachable"] == 0 and h["changed"] >= 2, h
    assert f"[{stalled}] {stalled} has been on " in out  # the live display named it
    swept = {s["host"]: s for s in record["swept"]}
    assert set(swept) == {stalled} and swept[stalled]["ended"] and not swept[stalled]["error"], swept
    assert left == [], left


def test_ctrl_c_during_a_package_task_leaves_no_envcheck_process_on_any_host(lab: Lab, tmp_path: Path) -> None:
    stalled = lab.hosts[0].name
    _all_reset(lab)
    try:
        waits = {**WAITS, "baseline_pkg_task_timeout": 900}  # only Ctrl+C ends it
        inventory = write_inventory(lab, tmp_path / "inv", lab_inventory(lab), standard=waits)
        with stalled_package_source(lab, stalled):
            running = _deploy(inventory, tmp_path / "runs")
            running.wait_for_line(lambda line: line.startswith(f"[{stalled}] {stalled} has been on "), timeout=600)
            run = last_run(tmp_path / "runs", "deploy")
            during = marked_processes(lab, stalled, MARK, run.name)
            running.signal(signal.SIGINT, group=True)
            code, out = running.finish(timeout=300)
            left = {h.name: marked_processes(lab, h.name, MARK, run.name) for h in lab.hosts}
    finally:
        _all_reset(lab)
    assert during, "no process of the run on the stalled host before Ctrl+C"  # the test can fail
    assert code == 130, out
    record = read_json(run / "run.json")
    assert record["status"] == "canceled"
    swept = {s["host"]: s for s in record["swept"]}
    assert set(swept) == {h.name for h in lab.hosts} and swept[stalled]["ended"], swept
    assert left == {h.name: [] for h in lab.hosts}, left
