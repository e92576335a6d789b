"""The inventory record: a resolved inventory, kept for the next run whose inputs are the same.

Importing ansible-core and resolving an inventory costs ~0.4 s of CPU on every run (0.85 s
against 0.49 s for a whole check of one host, measured), more than auditing a host. An
engineer re-runs `envcheck check` after each fix with the same inventory: when every file
Ansible reads is unchanged (paths, sizes, modification times, inodes), with the same --limit
and the same ANSIBLE_* settings (one key: inventory_key), the hosts and their templated
variables are those the last run resolved through ansible-core.

Kept only when that holds for certain and no secret is involved: never with Vault content, a
vault password file or a password variable, never for script or plugin inventories, and
never when a value may differ between two runs of the same files (Jinja lookups, now(),
facts). One private file (0600) per key under $XDG_CACHE_HOME/envcheck/inventories
(~/.cache); ENVCHECK_NO_RECORD=1 turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from envcheck import __version__
from envcheck.inventory import Inventory, InventoryHost, host_from_vars, load_inventory
from envcheck.inventory.files import source_files
from envcheck.standard import Standard, host_source

FORMAT = 4  # 3: envcheck_* variables (waivers, report metadata, the declared checks) kept;
           # 4: the interpreter variables of the deploy preflight kept too
KEEP_FILES = 64  # the newest inventories remembered
_ANSIBLE_CONFIGS = ("ansible.cfg", "~/.ansible.cfg", "/etc/ansible/ansible.cfg")
# Text in an inventory file that makes its resolved values depend on more than the files.
_VOLATILE = re.compile(r"lookup\s*\(|query\s*\(|\bq\s*\(|now\s*\(|ansible_date_time|ansible_facts|"
                       r"\$ANSIBLE_VAULT|!vault|hostvars", re.IGNORECASE)
# Variable names that hold secrets: an inventory with one is never kept.
_SECRET_NAME = re.compile(r"pass|secret|token", re.IGNORECASE)
# Keys that name where a secret is, not the secret: a datasource's password_env is the name of an
# environment variable read when its session opens (standard_app_datasources).
_NAMES_A_PLACE = frozenset({"password_env"})


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "envcheck" / "inventories"


def load(sources: Sequence[str], limit: str | None, vault_password_file: str | None,
         become_password: str | None) -> Inventory:
    """The inventory kept for exactly these inputs, or load_inventory (and keep what it resolves)."""
    key = None if vault_password_file else inventory_key(sources, limit)
    kept = restore(_read(key), become_password)
    if kept is not None:
        return kept
    inventory = load_inventory(sources, limit, vault_password_file, become_password)
    if key is not None:
        _write(key, snapshot(inventory))
    return inventory


def inventory_key(sources: Sequence[str], limit: str | None) -> str | None:
    """A digest of every input that decides the resolved inventory; None when it cannot be
    kept (turned off, no inventory, a script or plugin inventory whose output may change)."""
    if os.environ.get("ENVCHECK_NO_RECORD") or not sources:
        return None
    digest = hashlib.sha256(json.dumps([list(sources), limit, __version__]).encode())
    for name in ("ANSIBLE_CONFIG", "ANSIBLE_INVENTORY_ENABLED", "ANSIBLE_INVENTORY_PLUGINS"):
        digest.update(f"{name}={os.environ.get(name, '')}\n".encode())
    configs = [os.environ.get("ANSIBLE_CONFIG", ""), *_ANSIBLE_CONFIGS]
    try:
        files = [*(Path(os.path.expanduser(c)) for c in configs if c), *source_files(sources)]
        for path in files:
            if not path.exists():
                continue
            st = path.stat()
            if path.suffix != ".cfg" and (st.st_mode & 0o111 or _is_plugin_config(path)):
                return None
            digest.update(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}\n".encode())
    except Exception:  # an unreadable inventory: load_inventory says why, not this
        return None
    return digest.hexdigest()


def snapshot(inventory: Inventory) -> dict[str, Any] | None:
    """What to keep of this inventory, or None when it must be resolved afresh each time."""
    if not inventory.sources or _volatile(inventory.sources):
        return None
    hosts = []
    for h in inventory.hosts:
        if any(_SECRET_NAME.search(k) for k in _names(h.variables) if k not in _NAMES_A_PLACE):
            return None
        hosts.append({"name": h.name, "groups": list(h.groups), "vars": dict(h.variables)})
    return {
        "format": FORMAT, "sources": list(inventory.sources), "hosts": hosts,
        "peers": {g: [list(m) for m in members] for g, members in inventory.peers.items()},
    }


def restore(data: Mapping[str, Any] | None, become_password: str | None) -> Inventory | None:
    """The inventory kept by `snapshot`, rebuilt as load_inventory builds it (its standard
    validated again); None if there is none or it cannot be read."""
    if not data or data.get("format") != FORMAT:
        return None
    try:
        hosts: list[InventoryHost] = []
        for item in data["hosts"]:
            name, variables = str(item["name"]), dict(item["vars"])
            standard = Standard.from_vars(variables, host_source(name))
            hosts.append(host_from_vars(name, tuple(item["groups"]), variables, standard, become_password))
        groups: dict[str, list[str]] = {}
        for h in hosts:
            for g in h.groups:
                groups.setdefault(g, []).append(h.name)
        peers = {str(g): tuple((str(n), str(a)) for n, a in members) for g, members in data["peers"].items()}
    except (KeyError, TypeError, ValueError):
        return None  # a damaged file: ansible-core resolves the inventory again
    return Inventory(tuple(data["sources"]), tuple(hosts), {g: tuple(v) for g, v in groups.items()}, peers)


def _read(key: str | None) -> dict[str, Any] | None:
    """The record kept for this key, if it is our own private file."""
    if key is None:
        return None
    path = cache_dir() / f"{key}.json"
    try:
        st = path.stat()
        if st.st_uid != os.getuid() or st.st_mode & 0o077:
            return None  # only our own, private file is trusted
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write(key: str, record: dict[str, Any] | None) -> None:
    folder = cache_dir()
    path = folder / f"{key}.json"
    try:
        if record is None:
            path.unlink(missing_ok=True)
            return
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = folder / f".{key}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False))
        os.replace(tmp, path)
        files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP_FILES:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home: resolved afresh next time, nothing worse


def _is_plugin_config(path: Path) -> bool:
    if path.suffix not in (".yml", ".yaml"):
        return False
    return any(line.startswith("plugin:") for line in path.read_text("utf-8", "replace").splitlines())


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
