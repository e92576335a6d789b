"""Which OS packages each role installs, read from the roles themselves (vars/<family>.yml), so
the bundle follows the playbooks. apt resolves their dependencies (envcheck.bundle.apt)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import yaml

from envcheck.paths import PLAYBOOK_DIR

# Packages a role's tasks name outright rather than in vars/ (baseline: apt's Python bindings
# first, nftables for baseline_firewall; postgresql-common before the clusters; nginx).
TASK_PACKAGES: Mapping[str, tuple[str, ...]] = {
    "baseline": ("python3-apt", "nftables"), "postgresql": ("postgresql-common",), "nginx": ("nginx",),
}
# The tiers of the inventory and the roles their hosts may get: every host gets the baseline;
# a group gets every engine it may be deployed with (db_engine, web_server may change per run).
GROUP_ROLES: Mapping[str, tuple[str, ...]] = {
    "db": ("postgresql", "mysql"), "app": ("tomcat",), "web": ("nginx", "apache"),
}
ROLES = ("baseline", "postgresql", "mysql", "tomcat", "nginx", "apache")
EXTRA = "extra"  # the packages of `envcheck bundle build --packages`: shipped to every host


def role_packages(family: str = "Debian") -> dict[str, tuple[str, ...]]:
    """role -> the packages it installs on `family`, in the roles' own order."""
    out: dict[str, tuple[str, ...]] = {}
    for role in ROLES:
        data = yaml.safe_load((PLAYBOOK_DIR / "roles" / role / "vars" / f"{family}.yml").read_text()) or {}
        names: list[str] = list(TASK_PACKAGES.get(role, ()))
        for key, value in data.items():
            if key.endswith(("_packages", "_package")) and "java" not in key:
                names += [value] if isinstance(value, str) else list(value)
        out[role] = tuple(dict.fromkeys(names))
    return out


def roles_of(groups: Iterable[str]) -> tuple[str, ...]:
    """The roles a host of these groups may get (the baseline always, the extra packages too)."""
    roles = ["baseline"] + [r for g in groups for r in GROUP_ROLES.get(g, ())] + [EXTRA]
    return tuple(dict.fromkeys(roles))
