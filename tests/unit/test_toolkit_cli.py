"""Bad input to the toolkit commands is refused with exit code 2 before any host is touched."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.collect import AREAS, remote_script
from envcheck.commands.collect import _size


@pytest.mark.parametrize("args", [
    ["exec", "uptime"],                                    # no inventory
    ["exec", "-i", "hosts.yml", "  "],                     # an empty command
    ["collect", "-i", "hosts.yml", "--what", "system,oracle"],
    ["collect", "-i", "hosts.yml", "--max-file-size", "lots"],
    ["fix", "-i", "hosts.yml", "--runs-dir", "{tmp}"],     # no check run to fix
    ["inventory", "import", "{tmp}/missing.xlsx", "-o", "{tmp}/out.yml"],
    ["inventory", "import", "{tmp}/hosts.xls", "-o", "{tmp}/out.yml"],
])
def test_refused_with_exit_2(args: list[str], tmp_path: Path) -> None:
    (tmp_path / "hosts.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "hosts.yml").write_text("all:\n  hosts:\n    h1: {ansible_host: 127.0.0.99}\n")
    args = [str(tmp_path / a) if a == "hosts.yml" else a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output


def test_sizes() -> None:
    assert (_size("512k"), _size("2M"), _size("1MiB"), _size("100")) == (524288, 2097152, 1048576, 100)


def test_remote_script_quotes_every_path_and_command() -> None:
    script = remote_script(list(AREAS), 1024)
    assert "CAP=1024" in script and "grab config /etc/apache2 /etc/httpd" in script
    [line] = [x for x in script.splitlines() if x.startswith("cmd journal-tomcat ")]
    assert shlex.split(line)[2] == dict(AREAS["tomcat"].commands)["journal-tomcat"]
    assert "grab log '/var/log/tomcat*' '/opt/tomcat*/logs'" in script  # the glob expands remotely
