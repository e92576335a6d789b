"""Commands on many hosts at once through fabric's ThreadingGroup: a host that fails is a value
(its exception), never the end of the run for the others (GUIDE: "A partial failure is data").

Connections use the inventory's settings (ansible_host, _port, _user, the key) and check host
keys strictly against the inventory's UserKnownHostsFile (or --known-hosts, or ~/.ssh/known_hosts):
fabric's own default (trust any new key) is replaced by paramiko's RejectPolicy.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from envcheck.inventory import InventoryHost
from envcheck.ssh.session import ssh_option


@dataclass(frozen=True)
class HostRun:
    """One host's outcome: the command's output and exit code, or why it could not run."""

    host: str
    address: str
    stdout: str = ""
    stderr: str = ""
    exit_code: int | None = None
    error: str | None = None  # unreachable, authentication, host key, timeout

    @property
    def ok(self) -> bool:
        return self.error is None and self.exit_code == 0


@dataclass(frozen=True)
class RemoteSettings:
    known_hosts: str | None = None
    accept_new_host_keys: bool = False
    become_password: str | None = None
    connect_timeout: int = 10
    timeout: float = 60


def for_command(conn: Any, command: str) -> tuple[Any, RemoteSettings]:
    """The inventory (required) and the connection settings of exec and collect."""
    from envcheck.errors import BadInput  # noqa: PLC0415

    if not conn.inventories:
        raise BadInput(f"{command} needs -i INVENTORY / 需要指定清单 -i")
    settings = RemoteSettings(conn.ssh.known_hosts, conn.ssh.accept_new_host_keys, conn.become_password,
                              timeout=conn.timeout)
    return conn.load_inventory(), settings


def connection(host: InventoryHost, settings: RemoteSettings) -> Any:
    import paramiko  # noqa: PLC0415
    from fabric import Config, Connection  # noqa: PLC0415

    t = host.target
    password = settings.become_password or t.become_password
    config = Config(overrides={"sudo": {"password": password}, "run": {"in_stream": False}},
                    lazy=True)
    conn = Connection(
        host=t.address, port=t.port, user=t.user, config=config,  # no user: the local one, as ssh
        connect_timeout=settings.connect_timeout,
        connect_kwargs={"key_filename": t.key_file, "allow_agent": t.key_file is None,
                        "look_for_keys": t.key_file is None,
                        "banner_timeout": settings.connect_timeout,
                        "auth_timeout": settings.connect_timeout},
    )
    known = (settings.known_hosts or ssh_option(t.ssh_args, "userknownhostsfile")
             or "~/.ssh/known_hosts")
    known = os.path.expanduser(known)
    if os.path.exists(known):
        conn.client.load_host_keys(known)
    conn.client.set_missing_host_key_policy(
        paramiko.AutoAddPolicy() if settings.accept_new_host_keys else paramiko.RejectPolicy())
    return conn


def run_on_hosts(hosts: Sequence[InventoryHost], command: str, settings: RemoteSettings,
                 sudo: bool = False, forks: int = 20) -> list[HostRun]:
    """`command` (the user's, passed as one sh -c argument) on every host, `forks` at a time;
    results in inventory order."""
    from fabric import ThreadingGroup  # noqa: PLC0415
    from fabric.exceptions import GroupException  # noqa: PLC0415

    wrapped = "sh -c " + shlex.quote(command)
    out: dict[str, HostRun] = {}
    for start in range(0, len(hosts), max(1, forks)):
        batch = hosts[start:start + max(1, forks)]
        conns = {id(c): (h, c) for h in batch for c in [connection(h, settings)]}
        group = ThreadingGroup.from_connections([c for _, c in conns.values()])
        kwargs: dict[str, Any] = {"hide": True, "warn": True, "timeout": settings.timeout}
        try:
            results = group.sudo(wrapped, **kwargs) if sudo else group.run(wrapped, **kwargs)
        except GroupException as exc:
            results = exc.result
        for conn, value in results.items():
            host, _ = conns[id(conn)]
            out[host.name] = _host_run(host, value)
        group.close()
    return [out[h.name] for h in hosts]


def _host_run(host: InventoryHost, value: Any) -> HostRun:
    address = f"{host.target.address}:{host.target.port}"
    if isinstance(value, BaseException):
        return HostRun(host.name, address, error=explain(value))
    return HostRun(host.name, address, value.stdout, value.stderr, value.exited)


def explain(exc: BaseException) -> str:
    """A reason a person can act on, in English and Chinese."""
    import socket  # noqa: PLC0415

    import paramiko  # noqa: PLC0415
    from invoke.exceptions import CommandTimedOut  # noqa: PLC0415

    if isinstance(exc, paramiko.BadHostKeyException):
        return "host key does not match known_hosts / 主机密钥不匹配"
    if isinstance(exc, paramiko.SSHException) and "not found in known_hosts" in str(exc):
        return "host key unknown (not in known_hosts) / 主机密钥未知"
    if isinstance(exc, paramiko.AuthenticationException):
        return "authentication failed (key or user) / 认证失败"
    if isinstance(exc, CommandTimedOut):
        return f"command timed out after {exc.timeout} s / 命令超时"
    if isinstance(exc, paramiko.ssh_exception.NoValidConnectionsError):
        causes = list(exc.errors.values())
        if causes and all(isinstance(c, ConnectionRefusedError) for c in causes):
            return "connection refused: is sshd running? / 连接被拒绝"
        return f"cannot connect: {exc} / 无法连接"
    if isinstance(exc, ConnectionRefusedError) or "Connection refused" in str(exc):
        return "connection refused: is sshd running? / 连接被拒绝"
    if isinstance(exc, TimeoutError | socket.timeout) or "timed out" in str(exc):
        return "timed out / 连接超时"
    if "banner" in str(exc) or isinstance(exc, EOFError):
        return "no SSH answer: the host is down or this is not sshd / 主机无 SSH 响应"
    name = type(exc).__name__
    if name == "AuthFailure":
        return "sudo failed: wrong or missing password / sudo 失败"
    return f"{name}: {str(exc).strip()[:300]}"
