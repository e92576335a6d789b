"""Faults on the lab's real hosts: a host down before a run, a host killed in the middle of
`deploy`, one host that hangs among 20, a wrong key. A cut link and a changed host key
(tests/integration/test_checks_lab.py), a host unreachable in deploy (test_site_lab.py) and a
wrong sudo password in check (test_sudo_lab.py) are proven there; a wrong sudo password in
deploy is in test_secrets_lab.py."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.lab import faults
from tests.lab.lab import Lab
from tests.reliability.labkit import (
    Running,
    add_host,
    lab_inventory,
    last_run,
    read_json,
    run_envcheck,
    silent_address,
    silent_host,
    write_inventory,
)

pytestmark = [pytest.mark.lab, pytest.mark.reliability]


def _check(inv: Path, runs: Path, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code, _ = run_envcheck(["check", "-i", str(inv), "-c", "time.timezone", "--format", "json",
                              "--runs-dir", str(runs), *extra], timeout=300)
    return code, read_json(last_run(runs, "check") / "result.json")


def test_a_host_down_before_the_run_is_named_and_the_others_finish(lab: Lab, tmp_path: Path) -> None:
    down = lab.hosts[1].name
    lab.stop(down, grace=5)  # powered off: nothing answers on its address
    try:
        code, doc = _check(lab.inventory_path, tmp_path)
    finally:
        lab.start(down)
    hosts = {h["name"]: h for h in doc["hosts"]}
    assert code == 3
    assert not hosts[down]["reachable"] and "connection refused" in hosts[down]["error"], hosts[down]
    assert all(h["reachable"] for n, h in hosts.items() if n != down)
    assert {r["host"] for r in doc["results"]} == {h.name for h in lab.hosts} - {down}


# A login shell that never answers: the session is up, authenticated, and silent (it ends by
# itself, so nothing is left to kill).
HANG_USER = (
    "printf '#!/bin/sh\\nexec sleep 40\\n' > /usr/local/bin/envcheck-hang && chmod 755 /usr/local/bin/envcheck-hang && "
    "(id hang >/dev/null 2>&1 || useradd -m -s /usr/local/bin/envcheck-hang hang) && "
    "install -d -m 700 -o hang -g hang ~hang/.ssh && "
    "install -m 600 -o hang -g hang ~root/.ssh/authorized_keys ~hang/.ssh/authorized_keys"
)


def test_hosts_that_hang_among_20_end_by_the_timeout(lab: Lab, tmp_path: Path) -> None:
    """One host accepts TCP and never sends a banner; one logs in and never answers (its
    login shell would end after 40 s): both end by the per-host timeout, named as timed out,
    and the 18 real sessions finish."""
    inv = lab_inventory(lab)
    real = [h.name for h in lab.hosts]
    assert lab.ssh(real[0], HANG_USER).returncode == 0
    for i in range(15):  # 15 more names for the 3 real hosts: 18 real sessions
        add_host(inv, "extra", f"h{i:02d}", like=real[i % 3])
    add_host(inv, "extra", "hang-login", like=real[0], ansible_user="hang")
    try:
        with silent_host(silent_address(lab)) as (address, port):
            add_host(inv, "extra", "hang-tcp", like=real[0], ansible_host=address, ansible_port=port)
            path = write_inventory(lab, tmp_path / "inv", inv)
            code, doc = _check(path, tmp_path / "runs", "--timeout", "15")
    finally:
        lab.ssh(real[0], "userdel -f hang; true")
    hosts = {h["name"]: h for h in doc["hosts"]}
    hung = {"hang-tcp", "hang-login"}
    assert len(hosts) == 20 and code == 3
    for name in hung:
        assert not hosts[name]["reachable"] and "timed out" in hosts[name]["error"], hosts[name]
    assert all(h["reachable"] for n, h in hosts.items() if n not in hung), hosts
    assert len([r for r in doc["results"] if r["check"] == "time.timezone"]) == 18


def test_a_wrong_key_is_an_authentication_failure_for_that_host(lab: Lab, tmp_path: Path) -> None:
    key = tmp_path / "wrong_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    inv = lab_inventory(lab)
    victim = lab.hosts[2].name
    for group in inv["all"]["children"].values():
        if victim in group["hosts"]:
            group["hosts"][victim]["ansible_ssh_private_key_file"] = str(key)
    code, doc = _check(write_inventory(lab, tmp_path / "inv", inv), tmp_path / "runs")
    hosts = {h["name"]: h for h in doc["hosts"]}
    assert code == 3
    assert "authentication failed" in hosts[victim]["error"] and hosts[victim]["address"] in hosts[victim]["error"]
    assert all(h["reachable"] for n, h in hosts.items() if n != victim)


def test_a_host_killed_during_deploy_is_summarised_and_a_rerun_completes(lab: Lab, tmp_path: Path) -> None:
    web, app = lab.hosts[0].name, lab.hosts[1].name
    args = ["deploy", "server", "-i", str(lab.inventory_path), "--limit", f"{web},{app}",
            "-t", "timezone", "--runs-dir", str(tmp_path)]
    try:
        run = Running(args)
        run.wait_for_line(lambda line: line.startswith(f"[{app}] "), timeout=300)  # the run has reached it
        faults.kill_host(lab, app)
        code, out = run.finish(timeout=300)
        faults.revive_host(lab, app)
        record = read_json(last_run(tmp_path, "deploy") / "run.json")
        hosts = {h["name"]: h for h in record["hosts"]}
        assert code == 3, out
        assert f"{app}: FAIL (" in out and hosts[app]["unreachable"] == 1 and hosts[app]["failed_tasks"], out
        assert f"{web}: ok (" in out and hosts[web]["failed"] == 0
        evidence = last_run(tmp_path, "deploy")
        assert (evidence / "artifacts" / "stdout").stat().st_size > 0
        assert any(f'"host": "{app}"' in line for line in (evidence / "events.jsonl").read_text().splitlines())
        # The host is back: a re-run completes, and one more changes nothing.
        code, out = run_envcheck(args)
        assert code == 0, out
        code, out = run_envcheck(args)
        record = read_json(last_run(tmp_path, "deploy") / "run.json")
        assert code == 0 and {h["name"]: h["changed"] for h in record["hosts"]} == {web: 0, app: 0}, out
    finally:
        for name in (web, app):
            lab.reset(name)  # bare Debian again for the tests after this one
