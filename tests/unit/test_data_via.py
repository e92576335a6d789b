"""`data compare --source-via HOST` where SSH does not reach HOST (a loopback port nothing
listens on): exit 3 and the reason every command gives, no traceback, nothing forwarded."""

from __future__ import annotations

import socket
from pathlib import Path

import yaml
from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.ssh import reasons


def test_a_via_host_ssh_does_not_reach_is_exit_3_with_its_reason(tmp_path: Path) -> None:
    with socket.socket() as free:  # a port nothing listens on: the connection is refused
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"dbhost": {
        "ansible_host": "127.0.0.1", "ansible_port": port, "ansible_user": "nobody"}}}}))
    result = CliRunner(env={"ENVCHECK_SOURCE_PASSWORD": "x", "ENVCHECK_TARGET_PASSWORD": "y"}).invoke(cli, [
        "data", "compare", "mysql://erp@127.0.0.1:3306/erp", "postgresql://his@127.0.0.1:5432/his",
        "--source-via", "dbhost", "-i", str(inventory), "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 3, result.output
    assert "--via dbhost" in result.output and reasons.REFUSED.text.en in result.output, result.output
    assert "Traceback" not in result.output
