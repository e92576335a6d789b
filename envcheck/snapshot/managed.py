"""What a host's snapshot hashes and whose users it reads: the standard's managed files
(roles/standard/vars/managed-files.yml) for the roles the host gets, with its variables, and
the inventory's `snapshot_paths`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from envcheck.errors import BadInput
from envcheck.paths import PLAYBOOK_DIR
from envcheck.verify.plan import suites_for

MANAGED_FILE = PLAYBOOK_DIR / "roles" / "standard" / "vars" / "managed-files.yml"
PATHS_VAR = "snapshot_paths"
_REF = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# The OS data files a role may load (vars/<family>.yml, vars/<family>-<major>.yml).
_OS_FILES = ("Debian.yml", "RedHat.yml", "RedHat-8.yml", "archive.yml")


@lru_cache(maxsize=64)
def _yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return data if isinstance(data, dict) else {}


def managed() -> dict[str, Any]:
    return _yaml(MANAGED_FILE)


def role_variables(role: str, os_file: str, host_vars: Mapping[str, Any]) -> dict[str, Any]:
    """The role's variables as a playbook sees them on an OS: its defaults and the standard's,
    its OS data (`__name`), the inventory's values over them."""
    base = PLAYBOOK_DIR / "roles"
    merged = {**_yaml(base / "standard" / "defaults" / "main.yml"), **_yaml(base / role / "defaults" / "main.yml")}
    merged |= {k[2:]: v for k, v in _yaml(base / role / "vars" / os_file).items() if k.startswith("__")}
    return merged | dict(host_vars)


def resolve(text: str, variables: Mapping[str, Any], depth: int = 5) -> str | None:
    """`{{ name }}` filled from the variables (None when one is unknown or not plain)."""
    for _ in range(depth):
        names = _REF.findall(text)
        if not names:
            return text
        for name in names:
            value = variables.get(name)
            if value is None or isinstance(value, dict | list):
                return None
            text = re.sub(r"\{\{\s*" + re.escape(name) + r"\s*\}\}", str(value).replace("\\", "\\\\"), text)
    return None if _REF.search(text) else text


def _resolved(entries: Sequence[str], roles: Sequence[str], host_vars: Mapping[str, Any],
              absolute: bool = True) -> list[str]:
    out: list[str] = []
    for role in roles:
        for os_file in _OS_FILES:
            variables = role_variables(role, os_file, host_vars)
            for entry in entries:
                path = resolve(str(entry), variables)
                if path and (path.startswith("/") or not absolute) and path not in out:
                    out.append(path)
    return out


def roles_of(groups: Sequence[str], host_vars: Mapping[str, Any]) -> tuple[str, ...]:
    return suites_for(groups, host_vars)


def files_of(name: str, groups: Sequence[str], host_vars: Mapping[str, Any]) -> list[str]:
    """The managed files of the host's roles, then its snapshot_paths (absolute paths only)."""
    out: list[str] = []
    table = managed().get("standard_managed_files", {})
    for role in roles_of(groups, host_vars):
        out += [p for p in _resolved(list(table.get(role, [])), [role], host_vars) if p not in out]
    extra = host_vars.get(PATHS_VAR) or []
    if isinstance(extra, str):
        extra = [extra]
    if not isinstance(extra, list) or any(not str(p).startswith("/") for p in extra):
        raise BadInput.of("error.snapshot_paths", host=name, value=repr(extra))
    out += [str(p) for p in extra if str(p) not in out]
    return out


def users_of(groups: Sequence[str], host_vars: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The users and groups of the standard, as the host's roles name them."""
    roles = ("baseline", "tomcat")  # the roles whose variables name them
    users = _resolved(list(managed().get("standard_managed_users", [])), roles, host_vars, False)
    group_names = _resolved(list(managed().get("standard_managed_groups", [])), roles, host_vars, False)
    return users, group_names
