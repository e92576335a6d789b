"""What `envcheck verify` runs where: the suites of each host (from its inventory groups),
the variables they read, and the ssh_config every connection goes through.

Pure functions over the loaded inventory; the plan is written as JSON for the pytest
workers (it holds no secret: only standard_* and role variables, never *_users or passwords).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from envcheck.errors import BadInput
from envcheck.ssh.settings import SshSettings, ssh_option_pairs

ROLES = ("baseline", "postgresql", "mysql", "nginx", "apache", "tomcat")
SUITE_DIR = Path(__file__).resolve().parent / "suites"
_ENGINE_SERVICES = {"postgresql": ("postgresql",), "mysql": ("mysql", "mariadb")}


@dataclass(frozen=True)
class HostPlan:
    name: str
    suites: tuple[str, ...]
    local: bool = False
    become: bool = False
    variables: Mapping[str, Any] = field(default_factory=dict)  # standard_* and role vars
    address: str = ""  # address:port, for the messages


@dataclass(frozen=True)
class Plan:
    ssh_config: str | None
    timeout: float
    hosts: tuple[HostPlan, ...]

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Plan:
        data = json.loads(path.read_text(encoding="utf-8"))
        hosts = tuple(HostPlan(h["name"], tuple(h["suites"]), h["local"], h["become"], h["variables"],
                               h.get("address", "")) for h in data["hosts"])
        return cls(data["ssh_config"], float(data["timeout"]), hosts)

    def host(self, name: str) -> HostPlan:
        return next(h for h in self.hosts if h.name == name)


def suites_for(groups: Iterable[str], variables: Mapping[str, Any]) -> tuple[str, ...]:
    """The suites a host gets, as the playbooks decide what to install on it."""
    groups = set(groups)
    suites = ["baseline"]
    if "db" in groups:
        services = {str(s) for s in variables.get("standard_services") or ()}
        engine = str(variables.get("db_engine") or "postgresql")
        for name, aliases in _ENGINE_SERVICES.items():
            if engine == name or services & set(aliases):
                suites.append(name)
    if "app" in groups:
        suites.append("tomcat")
    if "web" in groups:
        suites.append("apache" if variables.get("web_server") == "apache" else "nginx")
    return tuple(suites)


def select(suites: Sequence[str], only: Sequence[str]) -> tuple[str, ...]:
    """--role: keep only these suites (unknown names are bad input)."""
    unknown = sorted(set(only) - set(ROLES))
    if unknown:
        raise BadInput.of("error.unknown_role", roles=", ".join(unknown), known=", ".join(ROLES))
    return tuple(s for s in suites if not only or s in only)


def build_plan(inventory: Any, roles: Sequence[str], ssh_config: str | None, timeout: float) -> Plan:
    hosts = []
    for h in inventory.hosts:
        suites = select(suites_for(h.groups, h.variables), roles)
        variables = {k: v for k, v in h.variables.items()
                     if not k.startswith("ansible_") and k != "lan_address"}
        hosts.append(HostPlan(h.name, suites, h.target.local, h.become, variables,
                              f"{h.target.address}:{h.target.port}"))
    return Plan(ssh_config, timeout, tuple(hosts))


def ssh_config_text(inventory: Any, control_dir: str, ssh: SshSettings) -> str:
    """One Host block per inventory host: address, port, user, key, the inventory's own -o
    options, the run's host-key policy (SshSettings.host_keys, as every command's) and a shared
    master connection (testinfra runs one ssh per command; the master makes each of them cheap)."""
    blocks = []
    for h in inventory.hosts:
        t = h.target
        options: dict[str, str] = {"HostName": t.address, "Port": str(t.port)}
        if t.user:
            options["User"] = t.user
        if t.key_file:
            options |= {"IdentityFile": t.key_file, "IdentitiesOnly": "yes"}
        options |= dict(ssh_option_pairs(t.ssh_args))  # a later one wins, as before
        policy = ssh.openssh_options(t)
        if "ProxyCommand" in policy:  # ProxyJump spelled out: in one Host block, the first one wins
            options = {k: v for k, v in options.items() if k.lower() != "proxyjump"}
        options |= policy
        options |= {"BatchMode": "yes", "ConnectTimeout": str(ssh.connect_timeout),
                    "ControlMaster": "auto", "ControlPersist": "120s",
                    "ControlPath": f"{control_dir}/%C", "SendEnv": "-*"}
        lines = [f"Host {_config_word(h.name)}"]
        lines += [f"    {k} {_config_word(v, raw=k.lower() == 'proxycommand')}" for k, v in options.items()]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _config_word(value: str, raw: bool = False) -> str:
    """A value as ssh_config reads it; `raw` for ProxyCommand, which takes the rest of the line."""
    if any(c in value for c in "\n\r"):
        raise BadInput.of("error.ssh_option_newline", value=repr(value))
    return f'"{value}"' if not raw and (any(c.isspace() for c in value) or not value) else value

