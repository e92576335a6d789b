"""`envcheck exec` and `envcheck collect` on the 3 lab hosts with one of them powered off: the
host is reported with its reason, the other two complete."""

from __future__ import annotations

import json
import shlex
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from envcheck.cli import cli
from tests.lab import faults
from tests.lab.lab import Lab

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def one_down(lab: Lab) -> Iterator[str]:
    down = lab.hosts[-1].name
    faults.kill_host(lab, down)
    try:
        yield down
    finally:
        faults.revive_host(lab, down)


def test_exec_runs_on_the_hosts_up_and_reports_the_one_down(lab: Lab, one_down: str) -> None:
    # The command is the user's, as one argument: quotes, $ and ; reach the host's shell untouched.
    command = "echo \"$(hostname) 中文\"; echo 'a;b' >&2; test $(hostname) != " + lab.hosts[0].name
    result = CliRunner().invoke(cli, ["exec", "-i", str(lab.inventory_path), "--timeout", "20",
                                      "--format", "json", command])
    assert result.exit_code == 3, result.output  # a host down wins over a failed command
    runs = {r["host"]: r for r in json.loads(result.stdout)}
    assert list(runs) == [h.name for h in lab.hosts]
    first, second = lab.hosts[0].name, lab.hosts[1].name
    assert runs[first]["stdout"] == f"{first} 中文\n" and runs[first]["stderr"] == "a;b\n"
    assert runs[first]["exit_code"] == 1 and runs[second]["exit_code"] == 0
    assert runs[one_down]["error"] and runs[one_down]["exit_code"] is None
    text = CliRunner().invoke(cli, ["exec", "-i", str(lab.inventory_path), "--limit", second, "uname -s"])
    assert text.exit_code == 0 and "Linux" in text.output and f"{second} (" in text.output


def test_collect_completes_on_the_hosts_up(lab: Lab, one_down: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["collect", "-i", str(lab.inventory_path), "--what", "system",
                                      "--max-file-size", "4k", "--timeout", "30", "--runs-dir", str(tmp_path)])
    assert result.exit_code == 3, result.output
    assert f"{one_down} (" in result.output and "FAIL " in result.output
    [run] = list(tmp_path.glob("*-collect"))
    summary = {h["host"]: h for h in json.loads((run / "run.json").read_text())["hosts"]}
    assert summary[one_down]["error"] and not (run / one_down).exists()
    for h in lab.hosts[:2]:
        assert summary[h.name]["error"] is None and summary[h.name]["files"] > 5
        assert (run / h.name / "files" / "etc" / "hostname").read_text() == f"{h.name}\n"
        # /etc/locale.gen (about 9 KB on Debian) is cut to the 4 KiB cap and listed as cut
        assert "/etc/locale.gen" in summary[h.name]["truncated"]
        assert (run / h.name / "files" / "etc" / "locale.gen").stat().st_size <= 4096
        assert (run / h.name / "commands" / "df.txt").read_text().startswith("Filesystem")
    with tarfile.open(run / f"{run.name}.tar.gz") as tar:
        names = tar.getnames()
    assert f"{run.name}/{lab.hosts[0].name}/files/etc/hostname" in names
    assert f"{run.name}/run.json" in names


SUDO_PASSWORD = "Exec-Sudo-5821"


def test_exec_sudo_and_ping_as_a_user_with_a_sudo_password(lab: Lab, tmp_path: Path) -> None:
    name = lab.hosts[0].name
    setup = (
        "id execop >/dev/null 2>&1 || useradd -m -s /bin/bash execop; "
        f"echo {shlex.quote('execop:' + SUDO_PASSWORD)} | chpasswd; "
        "echo 'execop ALL=(ALL) ALL' > /etc/sudoers.d/envcheck-exec && chmod 440 /etc/sudoers.d/envcheck-exec; "
        "install -d -m 700 -o execop -g execop ~execop/.ssh; "
        "install -m 600 -o execop -g execop ~root/.ssh/authorized_keys ~execop/.ssh/authorized_keys"
    )
    assert lab.ssh(name, setup).returncode == 0
    try:
        inv = yaml.safe_load(lab.inventory_path.read_text())
        hvars = inv["all"]["children"][lab.hosts[0].groups[0]]["hosts"][name]
        only = {"all": {"hosts": {name: {**hvars, "ansible_user": "execop"}}}}
        (tmp_path / "hosts.yml").write_text(yaml.safe_dump(only))
        args = ["exec", "-i", str(tmp_path / "hosts.yml"), "--format", "json", "--sudo", "id -u; id -un"]
        with_pw = CliRunner(env={"ENVCHECK_BECOME_PASSWORD": SUDO_PASSWORD}).invoke(cli, args)
        assert with_pw.exit_code == 0, with_pw.output
        [run] = json.loads(with_pw.stdout)
        assert run["stdout"].split() == ["0", "root"] and SUDO_PASSWORD not in with_pw.output
        plain = CliRunner().invoke(cli, ["exec", "-i", str(tmp_path / "hosts.yml"), "--format", "json", "id -un"])
        assert json.loads(plain.stdout)[0]["stdout"] == "execop\n"
        ping = CliRunner().invoke(cli, ["inventory", "ping", "-i", str(tmp_path / "hosts.yml")])
        assert ping.exit_code == 3 and "execop" in ping.output and "sudo failed" in ping.output
        ping = CliRunner(env={"ENVCHECK_BECOME_PASSWORD": SUDO_PASSWORD}).invoke(
            cli, ["inventory", "ping", "-i", str(tmp_path / "hosts.yml"), "--format", "json"])
        assert ping.exit_code == 0, ping.output
        [answer] = json.loads(ping.stdout)
        assert answer["login"] == "execop" and answer["sudo"] and answer["reason"] is None
    finally:
        lab.ssh(name, "rm -f /etc/sudoers.d/envcheck-exec")
