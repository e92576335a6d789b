"""Inventories made from the deployed site's for the verdict and report tests: a copy of its
hosts.yml and group_vars, with hosts renamed, added or broken, and variables added."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import yaml

from tests.lab.site import Site


def site_inventory(site: Site, folder: Path, *, rename: dict[str, str] | None = None,
                   all_vars: dict[str, Any] | None = None, host_vars: dict[str, dict[str, Any]] | None = None,
                   extra_hosts: dict[str, tuple[str, str, dict[str, Any]]] | None = None) -> Path:
    """The site's inventory in `folder`: hosts renamed (old -> new), `all_vars` added to
    group_vars/all.yml, `host_vars` per host, `extra_hosts` {name: (group, like, overrides)}."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(site.inventory.parent / "group_vars", folder / "group_vars", dirs_exist_ok=True)
    inv = yaml.safe_load(site.inventory.read_text())
    groups = inv["all"]["children"]
    for name, (group, like, overrides) in (extra_hosts or {}).items():
        base = next(g["hosts"][like] for g in groups.values() if like in g.get("hosts", {}))
        groups.setdefault(group, {"hosts": {}})["hosts"][name] = {**copy.deepcopy(base), **overrides}
    for old, new in (rename or {}).items():
        for g in groups.values():
            if old in g.get("hosts", {}):
                g["hosts"][new] = g["hosts"].pop(old)
    for name, values in (host_vars or {}).items():
        for g in groups.values():
            if name in g.get("hosts", {}):
                g["hosts"][name].update(values)
    if all_vars:
        target = folder / "group_vars" / "all.yml"
        existing = yaml.safe_load(target.read_text()) if target.exists() else {}
        target.write_text(yaml.safe_dump({**(existing or {}), **all_vars}, allow_unicode=True))
    (folder / "hosts.yml").write_text(yaml.safe_dump(inv, allow_unicode=True))
    return folder / "hosts.yml"


# Connection settings that make a host of the site unreachable at once: port 1 of its own
# address refuses the connection.
DOWN = {"ansible_port": 1}
