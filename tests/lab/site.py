"""The deployed site: a second lab of three hosts (web, app, db), built once per test session
with `envcheck deploy site` (PostgreSQL) plus `deploy database -e db_engine=mysql` (MariaDB),
for every test that needs the standard environment up: verify, report, fix, collect, secrets.

Tests that break something on it put it back (in a `finally`). The first lab (`lab`) stays
for tests that reset hosts to bare Debian."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tests.lab import appview, partner
from tests.lab.config import LabConfig, sublab
from tests.lab.lab import Lab

# Database passwords of the site, as an engineer would export them before `envcheck deploy`.
SECRETS = {"HIS_DB_PASSWORD": "His-Pw-3141", "ERP_DB_PASSWORD": "Erp-Pw-2718"}
DEPLOYED_MARK = "deployed.json"


def site_config() -> LabConfig:
    """The checkout's site lab: apart from its main lab, in the same slot (tests/lab/config.py);
    ENVCHECK_SITE_LAB_LOOPBACK / _PREFIX / _SUBNET still move it by hand."""
    return sublab("site")


@dataclass(frozen=True)
class Site:
    lab: Lab
    inventory: Path  # hosts.yml with group_vars/ beside it: the site's standard
    env: dict[str, str] = field(default_factory=lambda: dict(SECRETS))

    def host(self, group: str) -> str:
        return next(h.name for h in self.lab.hosts if group in h.groups)


def write_inventory(lab: Lab, folder: Path) -> Path:
    """The lab's inventory plus the services, ports, databases and users of each tier."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(lab.inventory_path, folder / "hosts.yml")
    shutil.copytree(lab.inventory_path.parent / "group_vars", folder / "group_vars", dirs_exist_ok=True)
    lan = lab.cfg.subnet
    group_vars = {
        "web": {"standard_services": ["nginx"], "standard_ports": [80]},
        "app": {"standard_services": ["tomcat"], "standard_ports": [8080]},
        "db": {"standard_services": ["postgresql", "mysql"], "standard_ports": [5432, 3306],
               "postgresql_users": [{"name": "his", "password": "{{ lookup('env', 'HIS_DB_PASSWORD') }}"}],
               "postgresql_databases": [{"name": "his", "owner": "his"}],
               "postgresql_hba_entries": [{"database": "his", "user": "his", "address": lan}],
               "mysql_databases": [{"name": "erp"}],
               "mysql_users": [{"name": "erp", "password": "{{ lookup('env', 'ERP_DB_PASSWORD') }}",
                                "database": "erp"}]},
    }
    for group, values in group_vars.items():
        (folder / "group_vars" / f"{group}.yml").write_text(yaml.safe_dump(values))
    return folder / "hosts.yml"


def deploy(site: Site, runs: Path) -> None:
    from click.testing import CliRunner

    from envcheck.cli import cli

    for args in (["site"], ["database", "-e", "db_engine=mysql"]):
        result = CliRunner(env=site.env).invoke(
            cli, ["deploy", *args, "-i", str(site.inventory), "--runs-dir", str(runs)])
        if result.exit_code != 0:
            raise RuntimeError(f"envcheck deploy {' '.join(args)} failed ({result.exit_code}):\n{result.output}")


def bring_up() -> tuple[Site, bool]:
    """The site, deployed; True when this call started it (and so should take it down)."""
    cfg = site_config()
    mark = cfg.state_dir / DEPLOYED_MARK
    if mark.exists():
        lab = Lab.from_state(cfg.state_dir)
        if lab.answering():
            site = Site(lab, Path(json.loads(mark.read_text())["inventory"]))
            appview.set_up(lab, site.inventory.parent)
            return site, False
        take_down(lab)
    elif (cfg.state_dir / "lab.json").exists():
        take_down(Lab.from_state(cfg.state_dir))
    lab = Lab.up(cfg)
    site = Site(lab, write_inventory(lab, cfg.state_dir / "site"))
    try:
        deploy(site, cfg.state_dir / "runs")
    except BaseException:
        if os.environ.get("ENVCHECK_KEEP_SITE") != "1":  # kept to look into, when asked
            take_down(lab)
        raise
    appview.set_up(lab, site.inventory.parent)
    mark.write_text(json.dumps({"inventory": str(site.inventory)}) + "\n")
    return site, True


def take_down(lab: Lab) -> None:
    """The site and its partner namespace."""
    partner.down(lab)
    lab.down()
