"""Commands on many hosts at once through fabric's ThreadingGroup: a host that fails is a value
(its exception), never the end of the run for the others (GUIDE: "A partial failure is data").

Connections are configured as every other command's (envcheck.ssh.settings, envcheck.ssh.client):
the inventory's address, port and user; host keys checked strictly against the same known_hosts
(fabric's own default, trusting any new key, is replaced); keys only, never a password prompt
(the inventory's key file, else the ssh agent and ~/.ssh/id_*); the inventory's ProxyJump
(a chain of gateway connections built the same way) or ProxyCommand; --ssh-config (else
~/.ssh/config) read as ssh reads it. Failures read as in every command (envcheck.ssh.reasons).
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from envcheck.errors import BadInput
from envcheck.inventory import InventoryHost
from envcheck.ssh import reasons
from envcheck.ssh.session import Target
from envcheck.ssh.settings import SshSettings, hops_of, proxy_of


@dataclass(frozen=True)
class HostRun:
    """One host's outcome: the command's output and exit code, or why it could not run."""

    host: str
    address: str
    stdout: str = ""
    stderr: str = ""
    exit_code: int | None = None
    error: str | None = None  # the reason (envcheck.ssh.reasons) and the address

    @property
    def ok(self) -> bool:
        return self.error is None and self.exit_code == 0


@dataclass(frozen=True)
class RemoteSettings:
    ssh: SshSettings = field(default_factory=SshSettings)
    become_password: str | None = field(default=None, repr=False)  # never printed
    timeout: float = 60


def for_command(conn: Any, command: str) -> tuple[Any, RemoteSettings]:
    """The inventory (required) and the connection settings of exec and collect."""
    if not conn.inventories:
        raise BadInput.of("error.needs_inventory", command=command)
    return conn.load_inventory(), RemoteSettings(conn.ssh, conn.become_password, conn.timeout)


def read_ssh_config(ssh: SshSettings) -> Any:
    """The ssh_config fabric looks hosts up in: --ssh-config, else the user's ~/.ssh/config
    (ssh -F reads only the file it is given)."""
    import paramiko  # noqa: PLC0415 (paramiko: ~0.1 s, not for --help)


    path = ssh.ssh_config or os.path.expanduser("~/.ssh/config")
    if not ssh.ssh_config and not os.path.isfile(path):
        return paramiko.SSHConfig()
    try:
        return paramiko.SSHConfig.from_path(path)
    except (OSError, paramiko.SSHException) as exc:
        raise BadInput.of("error.ssh_config", path=path, error=exc) from exc


def connection(host: InventoryHost, settings: RemoteSettings, ssh_config: Any) -> Any:
    """fabric's Connection to one host, with its gateway (ProxyJump / ProxyCommand) if any."""
    t = host.target
    password = settings.become_password or t.become_password
    return _connection(t.address, t, settings, ssh_config, _gateway(t, settings, ssh_config),
                       key_file=t.key_file, only_key=True, port=t.port, user=t.user, sudo_password=password)


def _connection(address: str, t: Target, settings: RemoteSettings, ssh_config: Any, gateway: Any,
                key_file: str | None, only_key: bool, port: int | None = None, user: str | None = None,
                sudo_password: str | None = None) -> Any:
    from fabric import Config, Connection  # noqa: PLC0415 (fabric: ~0.1 s, not for --help)

    from envcheck.ssh.client import KeysOnly, apply_host_keys  # noqa: PLC0415 (paramiko: ~0.1 s, not for --help)

    ssh = settings.ssh
    config = Config(ssh_config=ssh_config, lazy=True, overrides={
        "sudo": {"password": sudo_password}, "run": {"in_stream": False},
        "authentication": {"strategy_class": partial(KeysOnly, key_file=key_file, only_key=only_key)},
    })
    conn = Connection(host=address, port=port, user=user, config=config,  # no user: ssh_config's or the local one
                      gateway=gateway, connect_timeout=ssh.connect_timeout,
                      connect_kwargs={"banner_timeout": ssh.connect_timeout, "auth_timeout": ssh.connect_timeout})
    known = ssh_config.lookup(address).get("userknownhostsfile")
    apply_host_keys(conn.client, ssh.host_keys(t.ssh_args, known))
    return conn


def _gateway(t: Target, settings: RemoteSettings, ssh_config: Any) -> Any:
    """What the host is reached through, as ssh decides it: the inventory's ProxyJump or
    ProxyCommand (the first given), else ssh_config's; False for a direct connection."""
    looked_up = ssh_config.lookup(t.address)
    kind, value = proxy_of(t.ssh_args) or next(
        ((k, looked_up[k]) for k in ("proxyjump", "proxycommand") if k in looked_up), ("", ""))
    if not value or value.lower() == "none":
        return False
    if kind == "proxycommand":
        return value  # fabric runs it (paramiko's ProxyCommand), %h and %p expanded
    gateway: Any = False
    for hop in hops_of(value):  # the first hop first, each reached through the one before
        # A jump host is offered the host's key file first, then the agent's and ~/.ssh's keys
        # (as OpenSSH's jumps are: command.jump_command); its key is checked as the host's.
        gateway = _connection(hop.host, t, settings, ssh_config, gateway, t.key_file, only_key=False,
                              port=hop.port, user=hop.user)
    return gateway


def _close(conn: Any) -> None:
    while conn:
        conn.close()
        conn = conn.gateway if not isinstance(conn.gateway, str) else None


def run_on_hosts(hosts: Sequence[InventoryHost], command: str, settings: RemoteSettings,
                 sudo: bool = False, forks: int = 20) -> list[HostRun]:
    """`command` (the user's, passed as one sh -c argument) on every host, `forks` at a time;
    results in inventory order."""
    from fabric import ThreadingGroup  # noqa: PLC0415 (fabric: ~0.1 s, not for --help)
    from fabric.exceptions import GroupException  # noqa: PLC0415 (fabric: ~0.1 s, not for --help)

    wrapped = "sh -c " + shlex.quote(command)
    ssh_config = read_ssh_config(settings.ssh)
    out: dict[str, HostRun] = {}
    for start in range(0, len(hosts), max(1, forks)):
        batch = hosts[start:start + max(1, forks)]
        conns = {id(c): (h, c) for h in batch for c in [connection(h, settings, ssh_config)]}
        group = ThreadingGroup.from_connections([c for _, c in conns.values()])
        kwargs: dict[str, Any] = {"hide": True, "warn": True, "timeout": settings.timeout}
        try:
            results = group.sudo(wrapped, **kwargs) if sudo else group.run(wrapped, **kwargs)
        except GroupException as exc:
            results = exc.result
        for conn, value in results.items():
            host, _ = conns[id(conn)]
            out[host.name] = _host_run(host, value)
        for _, conn in conns.values():
            _close(conn)
    return [out[h.name] for h in hosts]


def _host_run(host: InventoryHost, value: Any) -> HostRun:
    address = f"{host.target.address}:{host.target.port}"
    if isinstance(value, BaseException):
        return HostRun(host.name, address, error=explain(value, address))
    return HostRun(host.name, address, value.stdout, value.stderr, value.exited)


def explain(exc: BaseException, where: str | None = None) -> str:
    """The reason every command gives for this failure (envcheck.ssh.reasons)."""
    reason = reasons.from_exception(exc)
    detail = reasons.detail_of(exc, reason)
    if reason is reasons.TIMED_OUT and getattr(exc, "timeout", None):  # invoke's CommandTimedOut
        detail = f"the command ran past {exc.timeout:g} s"  # type: ignore[attr-defined]
    return reason.say(where, detail)
