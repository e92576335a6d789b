"""The baseline's optional firewall on a bare lab host: with baseline_firewall on, the host's
service ports (standard_ports of its group) and SSH are let in and nothing else, in envcheck's
own nftables table (another program's table is left alone); the host name comes from the
inventory; idempotent."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from envcheck.cli import cli
from tests.lab.lab import Lab

pytestmark = [pytest.mark.lab, pytest.mark.slow]
# From the app host to the web host: refused (nothing listens, the port is open) or dropped.
# A reset host comes back with a new MAC address: forget the old one first.
PROBE = ("ip neigh flush to {address}; "
         "timeout 4 bash -c 'exec 3<>/dev/tcp/{address}/{port}' 2>/dev/null; echo $?")


def _inventory(lab: Lab, folder: Path) -> Path:
    shutil.copy(lab.inventory_path, folder / "hosts.yml")
    shutil.copytree(lab.inventory_path.parent / "group_vars", folder / "group_vars")
    (folder / "group_vars" / "web.yml").write_text(
        yaml.safe_dump({"baseline_firewall": True, "standard_ports": [80]}))
    return folder / "hosts.yml"


def _reach(lab: Lab, src: str, address: str, port: int) -> str:
    rc = lab.ssh(src, PROBE.format(address=address, port=port)).stdout.strip()
    return {"0": "open", "1": "refused", "124": "dropped"}.get(rc, rc)


def test_firewall_lets_in_ssh_and_the_service_ports_only_and_the_name_is_set(lab: Lab, tmp_path: Path) -> None:
    web = next(h for h in lab.hosts if "web" in h.groups)
    app = next(h.name for h in lab.hosts if "app" in h.groups)
    inventory = _inventory(lab, tmp_path)
    assert _reach(lab, app, web.lan_address, 8080) == "refused"  # before: nothing filtered
    lab.ssh(web.name, "echo renamed-by-hand > /etc/hostname && hostname renamed-by-hand")
    # Another program's table (Docker, ufw, fail2ban keep theirs): envcheck's own table never flushes it.
    theirs = lab.ssh(web.name, "export DEBIAN_FRONTEND=noninteractive; apt-get update -q >/dev/null 2>&1; "
                               "apt-get install -y -q nftables >/dev/null 2>&1; nft add table inet theirs && "
                               "nft add chain inet theirs keep && nft list tables", timeout=600)
    assert "table inet theirs" in theirs.stdout, theirs.stderr
    try:
        runs = tmp_path / "runs"
        for run in (1, 2):
            result = CliRunner().invoke(cli, ["deploy", "server", "-i", str(inventory), "--limit", web.name,
                                              "--tags", "firewall,hosts", "--runs-dir", str(runs)])
            assert result.exit_code == 0, result.output
            [host] = json.loads((max(runs.glob("*-deploy")) / "run.json").read_text())["hosts"]
            assert (host["changed"] > 0) if run == 1 else (host["changed"] == 0), host
        assert _reach(lab, app, web.lan_address, 80) == "refused"  # let in (no web server yet)
        assert _reach(lab, app, web.lan_address, 8080) == "dropped"
        assert _reach(lab, app, web.lan_address, 22) == "open"
        assert lab.ssh(web.name, "hostname; cat /etc/hostname").stdout.split() == [web.name, web.name]
        tables = lab.ssh(web.name, "nft list tables").stdout.split("\n")
        assert "table inet theirs" in tables and "table inet envcheck" in tables, tables
    finally:
        lab.reset(web.name)
