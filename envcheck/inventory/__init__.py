"""Ansible inventories, loaded by ansible-core's own inventory and variable code.

Imported lazily (ansible-core takes a few hundred milliseconds to import).
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from envcheck.errors import InventoryError, words
from envcheck.inventory.files import check_sources
from envcheck.ssh import Target
from envcheck.standard import Standard, host_source

# Vars read from the inventory (templated), besides the standard_* ones.
_CONNECTION_VARS = (
    "ansible_host", "ansible_port", "ansible_user", "ansible_ssh_private_key_file",
    "ansible_ssh_common_args", "ansible_ssh_extra_args", "ansible_connection",
    "ansible_become", "ansible_become_user", "ansible_become_password",
    "ansible_become_pass", "lan_address",
    # Read by the deploy preflight (envcheck.deploy.preflight): the Python Ansible will use.
    "ansible_python_interpreter", "ansible_interpreter_python_fallback",
)
# What `envcheck verify` reads besides those: the choice of engines and the roles' own
# variables (ports, databases). Never the *_users lists: they hold passwords.
_ROLE_VARS = ("web_server", "db_engine")
_ROLE_PREFIXES = ("baseline_", "postgresql_", "mysql_", "nginx_", "apache_", "tomcat_",
                  "envcheck_")  # envcheck_*: waivers, report metadata, the site's checks (envcheck.audit.run)


@dataclass(frozen=True)
class InventoryHost:
    name: str
    groups: tuple[str, ...]
    target: Target
    standard: Standard
    lan_address: str | None
    become: bool = False
    variables: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Inventory:
    sources: tuple[str, ...]
    hosts: tuple[InventoryHost, ...]
    groups: Mapping[str, tuple[str, ...]]  # group -> host names (selected hosts only)
    # group -> ((name, LAN address), ...) over the WHOLE inventory, --limit or not: a web
    # host audited alone still tests that it reaches the app tier.
    peers: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def host(self, name: str) -> InventoryHost:
        return self._by_name[name]

    @cached_property
    def _by_name(self) -> dict[str, InventoryHost]:
        """Hosts by name: every host of 10,000 looked up in turn is not 10,000 scans."""
        return {h.name: h for h in self.hosts}


def local_inventory() -> Inventory:
    """No inventory given: this machine, through the local transport."""
    name = os.uname().nodename  # gethostname(), without importing socket
    host = InventoryHost(
        name=name,
        groups=(),
        target=Target(name=name, address="localhost", local=True),
        standard=Standard.from_vars({}, words("error.source_defaults")),
        lan_address=None,
    )
    return Inventory(sources=(), hosts=(host,), groups={})


def load_inventory(
    sources: Sequence[str],
    limit: str | None = None,
    vault_password_file: str | None = None,
    become_password: str | None = None,
) -> Inventory:
    for source in sources:
        if "," not in source and not Path(source).exists():
            raise InventoryError.of("error.inventory_missing", path=source)
    check_sources(sources)
    # Unparsable sources are errors, not warnings followed by an empty inventory.
    os.environ.setdefault("ANSIBLE_INVENTORY_UNPARSED_FAILED", "True")
    os.environ.setdefault("ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED", "True")
    os.environ.setdefault("ANSIBLE_HOST_PATTERN_MISMATCH", "ignore")
    # A plain YAML inventory parsed once: the yaml plugin before auto (which parses a file only
    # to look for a `plugin:` key, and hands such files on; yaml refuses them, so they still
    # reach auto). 10,000 hosts: 2 parses of ~4 s each otherwise (bench/README.md).
    os.environ.setdefault("ANSIBLE_INVENTORY_ENABLED", "host_list,script,yaml,auto,ini,toml")

    from ansible.errors import AnsibleError  # noqa: PLC0415 (ansible-core: ~170 ms, not for --help)
    from ansible.inventory.manager import InventoryManager  # noqa: PLC0415 (ansible-core: ~170 ms, not for --help)
    from ansible.parsing.dataloader import DataLoader  # noqa: PLC0415 (ansible-core: ~170 ms, not for --help)
    from ansible.vars.manager import VariableManager  # noqa: PLC0415 (ansible-core: ~170 ms, not for --help)

    _forget_vars_files()
    loader = _loader_class(DataLoader)()
    if vault_password_file:
        _set_vault(loader, vault_password_file)
    try:
        manager = InventoryManager(loader=loader, sources=list(sources))
        variables = VariableManager(loader=loader, inventory=manager)
        all_vars = {h.name: variables.get_vars(host=h, include_hostvars=False) for h in manager.get_hosts("all")}
        peers = _peers(loader, manager, all_vars)
    except AnsibleError as exc:
        raise InventoryError.of("error.inventory_parse", error=_first_lines(exc)) from exc
    try:
        if limit:
            manager.subset(limit)
        selected = manager.get_hosts("all")
    except Exception as exc:  # ansible-core raises IndexError on "&" or "!" alone
        raise InventoryError.of("error.bad_limit", limit=repr(limit),
                                error=f"{type(exc).__name__}: {_first_lines(exc, 2)}") from exc
    if not selected:
        if limit:
            raise InventoryError.of("error.limit_no_match", limit=repr(limit))
        raise InventoryError.of("error.inventory_empty")

    hosts = []
    for ahost in selected:
        try:
            hvars = all_vars.get(ahost.name) or variables.get_vars(host=ahost, include_hostvars=False)
            templated = _template(loader, hvars)
        except AnsibleError as exc:
            raise InventoryError.of("error.inventory_host", host=ahost.name, error=_first_lines(exc)) from exc
        groups = tuple(sorted(g.name for g in ahost.get_groups() if g.name not in ("all", "ungrouped")))
        standard = Standard.from_vars(templated, host_source(ahost.name))
        hosts.append(host_from_vars(ahost.name, groups, templated, standard, become_password))

    group_map: dict[str, list[str]] = {}
    for h in hosts:
        for g in h.groups:
            group_map.setdefault(g, []).append(h.name)
    return Inventory(tuple(sources), tuple(hosts), {g: tuple(v) for g, v in group_map.items()}, peers)


def _forget_vars_files() -> None:
    """Forget which group_vars and host_vars files ansible-core's host_group_vars plugin found:
    it keeps them for the life of the process (module-level FOUND and NAK), as ansible-playbook
    reads an inventory once. A process that reads it again (`serve`, before each audit) then
    failed on a file deleted since ("Unable to retrieve file contents") and never read one made
    since, nor a group_vars folder created since."""
    from ansible.plugins.vars import host_group_vars  # noqa: PLC0415 (ansible-core: ~170 ms, not for --help)

    for name in ("FOUND", "NAK"):
        cache = getattr(host_group_vars, name, None)
        if isinstance(cache, dict | set):
            cache.clear()


def _loader_class(base: type) -> type:
    """ansible-core's DataLoader, without the deep copy of files it does not cache (cache='none':
    inventory files, parsed once): nothing else holds them, and the copy of a 10,000-host file
    takes longer than its parse."""

    class Loader(base):
        def load_from_file(self, file_name: str, cache: str = "all", unsafe: bool = False,
                           **kw: Any) -> Any:
            return super().load_from_file(file_name, cache=cache, unsafe=unsafe or cache == "none", **kw)

    return Loader


def _peers(loader: Any, manager: Any, all_vars: Mapping[str, Any]) -> dict[str, tuple[tuple[str, str], ...]]:
    from ansible.template import Templar  # noqa: PLC0415 (ansible-core: ~170 ms, not for --help)

    out: dict[str, list[tuple[str, str]]] = {}
    for ahost in manager.get_hosts("all"):
        hvars = all_vars[ahost.name]
        templar = Templar(loader=loader, variables=dict(hvars))
        address = str(templar.template(hvars.get("lan_address") or hvars.get("ansible_host") or ahost.name))
        for g in ahost.get_groups():
            if g.name not in ("all", "ungrouped"):
                out.setdefault(g.name, []).append((ahost.name, address))
    return {g: tuple(v) for g, v in out.items()}


def host_from_vars(name: str, groups: tuple[str, ...], v: Mapping[str, Any], standard: Standard,
          become_password: str | None) -> InventoryHost:
    ssh_args: list[str] = []
    for key in ("ansible_ssh_common_args", "ansible_ssh_extra_args"):
        if v.get(key):
            ssh_args += shlex.split(str(v[key]))
    local = v.get("ansible_connection") == "local"
    password = become_password or v.get("ansible_become_password") or v.get("ansible_become_pass")
    port: Any = v.get("ansible_port")
    try:
        port_number = int(port) if port not in (None, "") else 22
    except (TypeError, ValueError) as exc:
        raise InventoryError.of("error.bad_port", host=name, value=repr(port)) from exc
    target = Target(
        name=name,
        address=str(v.get("ansible_host") or name),
        port=port_number,
        user=str(v["ansible_user"]) if v.get("ansible_user") else None,
        key_file=os.path.expanduser(str(v["ansible_ssh_private_key_file"]))
        if v.get("ansible_ssh_private_key_file") else None,
        ssh_args=tuple(ssh_args),
        local=local,
        become_password=str(password) if password else None,
    )
    lan = v.get("lan_address")
    return InventoryHost(name, groups, target, standard, str(lan) if lan else None,
                         bool(v.get("ansible_become")), v)


def _template(loader: Any, hvars: Mapping[str, Any]) -> dict[str, Any]:
    """Resolve Jinja2 in the variables envcheck reads (a standard may say "{{ site_tz }}")."""
    from ansible.template import Templar  # noqa: PLC0415 (ansible-core: ~170 ms, not for --help)

    templar = Templar(loader=loader, variables=dict(hvars))
    wanted = {k: v for k, v in hvars.items() if k.startswith("standard_") or k in _CONNECTION_VARS
              or k in _ROLE_VARS or (k.startswith(_ROLE_PREFIXES) and not k.endswith("_users"))
              or k == "site_checks" or k.startswith("site_checks_")}
    return {k: _plain(templar.template(v)) for k, v in wanted.items()}


def _plain(value: Any) -> Any:
    """Ansible's tagged/vaulted values as plain Python values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)


def _set_vault(loader: Any, password_file: str) -> None:
    from ansible.parsing.vault import VaultSecret  # noqa: PLC0415 (ansible-core: ~170 ms, not for --help)

    try:
        secret = Path(password_file).read_bytes().strip()
    except OSError as exc:
        raise InventoryError.of("error.vault_file", path=password_file, error=exc) from exc
    secrets = [("default", VaultSecret(secret))]
    loader.set_vault_secrets(secrets)
    try:  # ansible-core 2.19+ decrypts only inside a process-wide secrets context
        from ansible.parsing.vault import VaultSecretsContext  # noqa: PLC0415 (ansible-core: ~170 ms, not for --help)
    except ImportError:
        return
    current = VaultSecretsContext.current(optional=True)
    if current is None:
        VaultSecretsContext.initialize(VaultSecretsContext(secrets))
    else:
        current.secrets[:0] = secrets


def _first_lines(exc: Exception, n: int = 6) -> str:
    return "\n".join(str(exc).strip().splitlines()[:n])
