"""sudo with a password, on a real host: probes that need root get it through the one
session, the password never reaches a command line or the evidence, a wrong one is an
error naming sudo for those checks only."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.standard import Standard
from tests.lab.lab import Lab

pytestmark = pytest.mark.lab
PASSWORD = "Sudo-Pw-7731"


@pytest.fixture(scope="module")
def ops_inventory(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    name = lab.hosts[0].name
    setup = (
        "id ops >/dev/null 2>&1 || useradd -m -s /bin/bash ops; "
        "echo ops:" + PASSWORD + " | chpasswd; "
        "echo 'ops ALL=(ALL) ALL' > /etc/sudoers.d/ops && chmod 440 /etc/sudoers.d/ops; "
        "install -d -m 700 -o ops -g ops ~ops/.ssh; "
        "install -m 600 -o ops -g ops ~root/.ssh/authorized_keys ~ops/.ssh/authorized_keys"
    )
    assert lab.ssh(name, setup).returncode == 0
    folder = tmp_path_factory.mktemp("ops")
    inv = yaml.safe_load(lab.inventory_path.read_text())
    for group in inv["all"]["children"].values():
        for host, hvars in list(group["hosts"].items()):
            if host != name:
                del group["hosts"][host]
            else:
                hvars["ansible_user"] = "ops"
    inv["all"]["children"] = {g: v for g, v in inv["all"]["children"].items() if v["hosts"]}
    (folder / "hosts.yml").write_text(yaml.safe_dump(inv))
    yield folder / "hosts.yml"
    lab.ssh(name, "rm -f /etc/sudoers.d/ops")


def _check(inv: Path, tmp_path: Path, password: str | None) -> tuple[int, dict]:  # type: ignore[type-arg]
    env = {"ENVCHECK_BECOME_PASSWORD": password} if password else {}
    result = CliRunner(env=env).invoke(cli, ["check", "-i", str(inv), "-c", "time.tz_environment",
                                             "-c", "time.timezone", "--format", "json",
                                             "--runs-dir", str(tmp_path / "runs")])
    return result.exit_code, json.loads(result.stdout)


def test_sudo_probes_run_as_root_with_the_password(lab: Lab, ops_inventory: Path, tmp_path: Path) -> None:
    """The evidence that the probe ran as root: it read a unit file that only root can read
    (ops cannot: checked first), with the standard's TZ in it, so the check still passes."""
    name = lab.hosts[0].name
    zone = Standard.from_vars({}).timezone
    unit = f"/etc/systemd/system/envcheck-root-only-{uuid.uuid4().hex}.service"
    planted = lab.ssh(name, f"umask 077 && printf '[Service]\\nEnvironment=TZ={zone}\\n' > {unit} && "
                            f"! su ops -c 'cat {unit}' >/dev/null 2>&1")
    assert planted.returncode == 0, planted.stderr
    try:
        _, doc = _check(ops_inventory, tmp_path, PASSWORD)
    finally:
        lab.ssh(name, f"rm -f {unit}")
    by_check = {r["check"]: r for r in doc["results"]}
    assert by_check["time.tz_environment"]["status"] == "pass", doc
    assert f"{unit}: TZ={zone}" in by_check["time.tz_environment"]["found"], by_check["time.tz_environment"]
    for path in (tmp_path / "runs").rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path
    shutil.rmtree(tmp_path / "runs")


def test_a_wrong_password_is_an_error_for_root_probes_only(ops_inventory: Path, tmp_path: Path) -> None:
    code, doc = _check(ops_inventory, tmp_path, "wrong-password")
    by_check = {r["check"]: r for r in doc["results"]}
    assert by_check["time.tz_environment"]["status"] == "error"
    assert "sudo" in by_check["time.tz_environment"]["message"]
    assert by_check["time.timezone"]["status"] in ("pass", "fail")  # no sudo needed: unaffected
    assert code == 1


def test_no_password_and_no_nopasswd_is_an_error_not_a_hang(ops_inventory: Path, tmp_path: Path) -> None:
    _, doc = _check(ops_inventory, tmp_path, None)
    by_check = {r["check"]: r for r in doc["results"]}
    assert by_check["time.tz_environment"]["status"] == "error"
    assert "sudo" in by_check["time.tz_environment"]["message"]


def test_one_session_runs_plain_probes_as_the_user_and_sudo_probes_as_root(ops_inventory: Path) -> None:
    from envcheck.audit.probe import build_script, split_output
    from envcheck.checks.registry import Fact
    from envcheck.inventory import load_inventory
    from envcheck.ssh import OpenSSHTransport

    [host] = load_inventory([str(ops_inventory)], become_password=PASSWORD).hosts
    script = build_script([Fact("u.plain", "id -un", lambda o: o), Fact("u.root", "id -un", lambda o: o, sudo=True)])
    session = OpenSSHTransport().run(host.target, script.text, 30)
    assert session.error is None, session.error
    out = split_output(script.marker, session.stdout)
    assert out["u.plain"].stdout.strip() == "ops"
    assert out["u.root"].stdout.strip() == "root"
