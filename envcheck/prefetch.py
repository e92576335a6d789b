"""Start the SSH handshakes while ansible-core loads the inventory.

Loading an inventory through ansible-core costs ~0.4 s of CPU (most of it importing
ansible), and only then are the hosts known. When the inventory's files are exactly those
of the previous run (same paths, sizes, modification times, inodes; same --limit), the
hosts and how to reach them are those the previous run resolved: envcheck starts those
sessions first, then loads the inventory. A session whose target the inventory no longer
yields is closed unused: it only ran the fixed bootstrap, which waits for a script it
never gets. Nothing is sent to a host before the inventory has confirmed it.

The remembered targets (no password: `Target.become_password` is dropped) live in
$XDG_CACHE_HOME/envcheck/targets (~/.cache), mode 0600, one small file per inventory,
with the resolved inventory itself where it may be kept (envcheck.inventory_snapshot: then
the next run with the same files does not load ansible-core at all).
ENVCHECK_NO_PREFETCH=1 turns this off.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from envcheck.transport import Target

KEEP_FILES = 64  # the newest inventories remembered
_ANSIBLE_CONFIGS = ("ansible.cfg", "~/.ansible.cfg", "/etc/ansible/ansible.cfg")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "envcheck" / "targets"


def inventory_key(sources: Sequence[str], limit: str | None) -> str | None:
    """A digest of every input that decides the targets; None when they cannot be
    remembered (off, no inventory, a script or plugin inventory whose output may change)."""
    if os.environ.get("ENVCHECK_NO_PREFETCH") or not sources:
        return None
    from envcheck.inventory_files import source_files  # noqa: PLC0415

    digest = hashlib.sha256(json.dumps([list(sources), limit]).encode())
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


def _is_plugin_config(path: Path) -> bool:
    if path.suffix not in (".yml", ".yaml"):
        return False
    return any(line.startswith("plugin:") for line in path.read_text("utf-8", "replace").splitlines())


def _read(key: str | None) -> dict[str, Any] | None:
    """The file kept for this key, if it is our own private one (parsed once per version of it)."""
    if key is None:
        return None
    path = cache_dir() / f"{key}.json"
    try:
        st = path.stat()
        # Only our own, private file: its ssh arguments become an ssh command line.
        if st.st_uid != os.getuid() or st.st_mode & 0o077:
            return None
        version = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
        if version not in _parsed:
            _parsed.clear()
            _parsed[version] = json.loads(path.read_text("utf-8"))
        data = _parsed[version]
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# The file as parsed by this process: read by envcheck.early and again for the inventory.
_parsed: dict[tuple[str, int, int, int], Any] = {}


def remembered(key: str | None) -> list[Target]:
    """The targets the last run with this key resolved; [] when unknown or not trustworthy."""
    try:
        return [target_of(item) for item in remembered_items(key)]
    except (TypeError, KeyError):
        return []


def remembered_items(key: str | None) -> list[dict[str, Any]]:
    """The targets as kept (plain values: envcheck.early starts their sessions before the
    transport classes are imported); target_of() makes each a Target."""
    data = _read(key)
    items = data.get("targets") if data else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def target_of(item: dict[str, Any]) -> Target:
    """TypeError or KeyError for an item that is not a kept target."""
    from envcheck.transport import Target  # noqa: PLC0415

    return Target(**{**item, "ssh_args": tuple(item["ssh_args"]), "become_password": None})


def remembered_inventory(key: str | None) -> dict[str, Any] | None:
    """The resolved inventory the last run with this key kept (envcheck.inventory_snapshot)."""
    data = _read(key)
    inventory = data.get("inventory") if data else None
    return inventory if isinstance(inventory, dict) else None


def remember(key: str | None, targets: Sequence[Target], inventory: dict[str, Any] | None = None) -> None:
    """Keep the targets (never a password), and the resolved inventory when it may be kept,
    for the next run with the same inventory."""
    if key is None:
        return
    from dataclasses import asdict, replace  # noqa: PLC0415

    items = [asdict(replace(t, become_password=None)) for t in targets]
    for item in items:
        del item["become_password"]
    folder = cache_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / f"{key}.json"
        text = json.dumps({"targets": items, "inventory": inventory}, ensure_ascii=False)
        if path.exists() and path.read_text("utf-8") == text:
            return
        tmp = folder / f".{key}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
        _prune(folder)
    except OSError:
        pass  # a read-only home: no head start next time, nothing worse


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP_FILES:]:
        old.unlink(missing_ok=True)
