"""The site's twin: UAT beside PROD. Three more hosts of the checkout's slot (127.S.5.11 on,
namespaces ecSw-), started on copies of the deployed site's overlays, so the same standard is
deployed on them in the time a copy takes rather than a deploy's minutes; on the site's own
LAN subnet (inside their own namespaces: the two never meet), so that the files naming LAN
addresses read the same on both. Brought up and down by the `site_twin` fixture."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.lab.config import LabConfig, sublab
from tests.lab.lab import Lab
from tests.lab.site import Site, write_inventory

# What the databases are told before their files are copied (a copy of quiet files).
# A unit the boot failed on a loaded machine (systemd's 219/CGROUP, seen on these 2 cores)
# is started again: a twin that differs from the site by a boot's accident proves nothing.
_SETTLE = ("systemctl is-system-running --wait >/dev/null 2>&1; "
           "for u in $(systemctl list-units --failed --plain --no-legend | awk '{print $1}'); do "
           "systemctl reset-failed \"$u\"; systemctl restart \"$u\"; done; systemctl is-system-running")
_QUIET_DB = ("sync; runuser -u postgres -- psql -XAtqc CHECKPOINT >/dev/null; "
             "mariadb -e 'FLUSH TABLES' >/dev/null; sync")


def twin_config() -> LabConfig:
    return sublab("twin")


def bring_up(site: Site) -> tuple[Lab, Path]:
    """The twin and its inventory (the site's groups and standard, the twin's addresses)."""
    cfg = twin_config()
    if (cfg.state_dir / "lab.json").exists():
        Lab.from_state(cfg.state_dir).down()
    site.lab.ssh(site.host("db"), _QUIET_DB)
    for h in site.lab.hosts:
        target = cfg.hosts_dir / h.name / "upper"
        target.parent.mkdir(parents=True, exist_ok=True)
        # Whiteouts, xattrs and owners kept (-a); the host's first-start files come along.
        subprocess.run(["cp", "-a", str(site.lab.host_dir(h.name) / "upper"), str(target)], check=True)
    try:
        lab = Lab.up(cfg)
    except BaseException:
        shutil.rmtree(cfg.hosts_dir, ignore_errors=True)
        raise
    for twin in (site.lab, lab):  # either side may hold a boot's failed unit
        for h in twin.hosts:
            twin.ssh(h.name, _SETTLE, timeout=300)
    return lab, write_inventory(lab, cfg.state_dir / "twin")
