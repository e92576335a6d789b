"""Issue 20's snapshot and diff on real hosts: one host before and after a hand edit and a
changed service (only those two show), a check run read as a snapshot, and UAT against PROD:
the deployed site against its twin (tests/lab/twin.py) with three hand-made differences, one
per host pair (a package version, a sysctl, a JVM option), and nothing else."""

from __future__ import annotations

import json
import shlex
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from tests.clirunner import crash
from tests.lab.lab import Lab
from tests.lab.site import Site

pytestmark = [pytest.mark.lab]
EDITED = "/etc/default/locale"  # a file the baseline role manages, there on a bare host too
UNIT = "e2scrub_reap"  # enabled on the bare hosts


def envcheck(*args: str) -> Any:
    result = CliRunner().invoke(cli, [*args, "--lang", "en"])
    assert crash(result) is None, crash(result)
    return result


def newest(runs: Path, kind: str) -> Path:
    return max(runs.glob(f"*-{kind}"))


def test_before_and_after_on_one_host_show_the_hand_edit_and_the_service_only(lab: Lab, tmp_path: Path) -> None:
    host, inv, runs = "web1", str(lab.inventory_path), str(tmp_path / "runs")
    original = lab.ssh(host, f"cat {EDITED}").stdout
    enabled = lab.ssh(host, f"systemctl is-enabled {UNIT}").stdout.strip()
    assert envcheck("check", "-i", inv, "-l", host, "--runs-dir", runs).exit_code in (0, 1)
    checked = newest(Path(runs), "check")
    assert envcheck("snapshot", "-i", inv, "-l", host, "--runs-dir", runs).exit_code == 0
    before = newest(Path(runs), "snapshot")
    try:
        marker = f"# edited by hand {uuid.uuid4()}"
        lab.ssh(host, f"echo {shlex.quote(marker)} >> {EDITED} && systemctl disable {UNIT}")
        assert envcheck("snapshot", "-i", inv, "-l", host, "--runs-dir", runs).exit_code == 0
        after = newest(Path(runs), "snapshot")
        result = envcheck("diff", str(before), str(after), "--format", "json")
        assert result.exit_code == 1, result.output
        pair, = json.loads(result.stdout)["pairs"]
        assert [(d["area"], d["item"]) for d in pair["differences"]] == [
            ("files", f"files{EDITED}"), ("services", f"services/{UNIT}")]
        service = pair["differences"][1]
        assert (service["a"], service["b"]) == (f"{enabled} inactive/dead", "disabled inactive/dead")
        # A check run serves as a snapshot of what it read (the zone, the locales): no change there.
        result = envcheck("diff", str(checked), str(after), "--format", "json")
        assert result.exit_code == 0, result.output
        assert "files" in json.loads(result.stdout)["pairs"][0]["not_compared"]
    finally:
        lab.ssh(host, f"printf %s {shlex.quote(original)} > {EDITED}; systemctl enable {UNIT}")


def _older_version(lab: Lab, host: str, package: str) -> str:
    """A version apt knows of the package other than the installed one."""
    out = lab.ssh(host, f"LC_ALL=C apt-cache madison {package}; dpkg-query -W -f '${{Version}}' {package}").stdout
    *madison, installed = out.strip().splitlines()
    return next(v for v in (line.split("|")[1].strip() for line in madison) if v != installed)


def test_uat_against_prod_names_exactly_the_three_hand_made_differences(
        site: Site, site_twin: tuple[Lab, Path], tmp_path: Path) -> None:
    twin, twin_inventory = site_twin
    web, app, db = (site.host(g) for g in ("web", "app", "db"))
    # A package version: an older sudo (from bookworm-security) on the twin's web host.
    old = _older_version(twin, web, "sudo")
    done = twin.ssh(web, f"apt-get install -y -q --allow-downgrades sudo={shlex.quote(old)}", timeout=300)
    assert done.returncode == 0, done.stderr
    # A JVM option: a drop-in of the twin's own beside the standard's, Tomcat restarted.
    dropin = "[Service]\nEnvironment=CATALINA_OPTS=-XX:+HeapDumpOnOutOfMemoryError\n"
    done = twin.ssh(app, "mkdir -p /etc/systemd/system/tomcat10.service.d && cat > "
                    "/etc/systemd/system/tomcat10.service.d/99-uat.conf && systemctl daemon-reload && "
                    "systemctl restart tomcat10 && for i in $(seq 120); do ss -Htln 'sport = :8080' | grep -q . "
                    "&& exit 0; sleep 1; done; exit 1", input=dropin, timeout=200)
    assert done.returncode == 0, done.stderr
    # A sysctl set by hand (the host's own network namespace: the container's /proc/sys is read-only).
    somaxconn = int(site.lab.ssh(db, "sysctl -n net.core.somaxconn").stdout) + 1
    subprocess.run(["ip", "netns", "exec", twin.cfg.netns(db), "sysctl", "-q", "-w",
                    f"net.core.somaxconn={somaxconn}"], check=True)
    site.lab.ssh(app, "for i in $(seq 120); do ss -Htln 'sport = :8080' | grep -q . && exit 0; sleep 1; done")

    result = envcheck("diff", str(site.inventory), str(twin_inventory), "--format", "json",
                      "--runs-dir", str(tmp_path / "runs"))
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    found = {(p["a"], p["b"]): [(d["item"], d["b"]) for d in p["differences"]] for p in data["pairs"]}
    assert found == {
        (web, web): [("packages/sudo", old)],
        (app, app): [("jvm/tomcat10/-XX:HeapDumpOnOutOfMemoryError", "on")],
        (db, db): [("sysctl/net.core.somaxconn", str(somaxconn))],
    }, result.stdout
    assert (data["only_a"], data["only_b"], data["unreachable"]) == ([], [], [])
