"""Hostile values on a real host: a peer's address and name, disk paths, services and the
service user, each holding a payload; the audit runs and no payload ever does."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.lab.lab import Lab
from tests.reliability.labkit import (
    add_host,
    host_vars,
    lab_inventory,
    last_run,
    read_json,
    run_envcheck,
    write_inventory,
)

pytestmark = [pytest.mark.lab, pytest.mark.reliability]
MARK = f"/tmp/envcheck-pwned-{uuid.uuid4().hex}"  # this run's own: a payload that ran leaves it


def test_hostile_inventory_values_never_run_on_the_host(lab: Lab, tmp_path: Path) -> None:
    web, app = lab.hosts[0].name, lab.hosts[1].name
    inv = lab_inventory(lab)
    host_vars(inv, app)["lan_address"] = f"{lab.hosts[1].lan_address}$(touch {MARK}-address)"
    add_host(inv, "app", f"app9;touch {MARK}-name;`touch {MARK}-tick`", like=app)
    standard = {
        "standard_disk_paths": ["/", f"/srv/x'; touch {MARK}-disk; '"],
        "standard_services": [f'ssh"; touch {MARK}-service; "'],
        "standard_service_user": f"nobody\ntouch {MARK}-user",
        "standard_tiers": [{"from": "web", "to": "app", "ports": [22]}],
    }
    path = write_inventory(lab, tmp_path / "inv", inv, standard)
    code, out = run_envcheck(["check", "-i", str(path), "--limit", web, "-c", "network", "-c", "resources",
                              "--format", "json", "--runs-dir", str(tmp_path / "runs")], timeout=120)
    assert code in (0, 1), out
    doc = read_json(last_run(tmp_path / "runs", "check") / "result.json")
    results = {r["check"]: r for r in doc["results"]}
    assert results["network.tiers"]["status"] != "error" and "$(touch" in str(results["network.tiers"])
    assert lab.ssh(web, f"ls {MARK}* 2>/dev/null; true").stdout == ""  # nothing ran on the host
    assert not list(Path("/tmp").glob(Path(MARK).name + "*"))  # nor here
