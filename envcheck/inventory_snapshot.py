"""A resolved inventory, kept for the next run whose inputs are exactly the same.

Importing ansible-core and resolving an inventory costs ~0.6 s of CPU on every run, more
than auditing a host. An engineer re-runs `envcheck check` after each fix with the same
inventory; when its files are unchanged (envcheck.prefetch.inventory_key: every file
Ansible reads, their sizes, times and inodes, the --limit, the ANSIBLE_* settings), the
hosts and their templated variables are those the last run resolved through ansible-core.

Kept only when that holds for certain and no secret is involved: never with Vault content,
a vault password file or a password variable, and never when a value may differ between
two runs of the same files (Jinja lookups, now(), facts). Stored beside the remembered
targets (private 0600 file); ENVCHECK_NO_PREFETCH=1 turns it off.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from envcheck import __version__
from envcheck.inventory import Inventory, InventoryHost, host_from_vars, load_inventory
from envcheck.inventory_files import source_files
from envcheck.prefetch import remember, remembered_inventory
from envcheck.standard import Standard, defaults_record, restore_defaults

FORMAT = 1
# Text in an inventory file that makes its resolved values depend on more than the files.
_VOLATILE = re.compile(r"lookup\s*\(|query\s*\(|\bq\s*\(|now\s*\(|ansible_date_time|ansible_facts|"
                       r"\$ANSIBLE_VAULT|!vault|hostvars", re.IGNORECASE)
# Variable names that hold secrets: an inventory with one is never kept.
_SECRET_NAME = re.compile(r"pass|secret|token", re.IGNORECASE)


def load(sources: Sequence[str], limit: str | None, vault_password_file: str | None,
         become_password: str | None, key: str | None) -> Inventory:
    """load_inventory, or the inventory kept under `key` (envcheck.prefetch.inventory_key)
    when there is one; what ansible-core resolves is kept for the next run, with its targets."""
    if vault_password_file is None:
        data = remembered_inventory(key)
        # The standard's defaults kept with the record, while their file is unchanged.
        defaults_kept = restore_defaults(data.get("defaults")) if data else False
        kept = restore(data, become_password, validated=defaults_kept)
        if kept is not None:
            if not defaults_kept:  # kept before the defaults changed: keep it again with them
                remember(key, [h.target for h in kept.hosts], snapshot(kept, False))
            return kept
    inventory = load_inventory(sources, limit, vault_password_file, become_password)
    if key is not None:
        remember(key, [h.target for h in inventory.hosts], snapshot(inventory, vault_password_file is not None))
    return inventory


def snapshot(inventory: Inventory, vault: bool) -> dict[str, Any] | None:
    """What to keep of this inventory, or None when it must be resolved afresh each time."""
    if vault or not inventory.sources or _volatile(inventory.sources):
        return None
    hosts = []
    for h in inventory.hosts:
        if any(_SECRET_NAME.search(k) for k in _names(h.variables)):
            return None
        hosts.append({"name": h.name, "groups": list(h.groups), "vars": dict(h.variables)})
    return {
        "format": FORMAT, "version": __version__, "sources": list(inventory.sources), "hosts": hosts,
        "peers": {g: [list(m) for m in members] for g, members in inventory.peers.items()},
        "defaults": defaults_record(),
    }


def restore(data: Mapping[str, Any] | None, become_password: str | None,
            validated: bool = False) -> Inventory | None:
    """The inventory kept by `snapshot`, rebuilt as load_inventory builds it (the standard's
    defaults as `load` set them, else read again); None if there is none or it is from
    another version. `validated`: the record's standard was validated by the run that kept
    it, over these same defaults, and is not validated again."""
    if not data or data.get("format") != FORMAT or data.get("version") != __version__:
        return None
    try:
        hosts: list[InventoryHost] = []
        for item in data["hosts"]:
            name, variables = str(item["name"]), dict(item["vars"])
            standard = Standard.from_vars(variables, f"inventory, host {name}", validate=not validated)
            hosts.append(host_from_vars(name, tuple(item["groups"]), variables, standard, become_password))
        groups: dict[str, list[str]] = {}
        for h in hosts:
            for g in h.groups:
                groups.setdefault(g, []).append(h.name)
        peers = {str(g): tuple((str(n), str(a)) for n, a in members) for g, members in data["peers"].items()}
    except (KeyError, TypeError, ValueError):
        return None  # a damaged file: ansible-core resolves the inventory again
    return Inventory(tuple(data["sources"]), tuple(hosts), {g: tuple(v) for g, v in groups.items()}, peers)


def _volatile(sources: Sequence[str]) -> bool:
    try:
        return any(_VOLATILE.search(path.read_text("utf-8", "replace")) for path in source_files(sources))
    except OSError:
        return True


def _names(value: Any) -> list[str]:
    """Every key in nested variables (a password may hide in a dict)."""
    if isinstance(value, Mapping):
        return [str(k) for k in value] + [n for v in value.values() for n in _names(v)]
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    return []
