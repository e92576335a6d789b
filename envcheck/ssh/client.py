"""paramiko clients as OpenSSH would be set up for the same run: the paramiko transport and
fabric's connections (exec, collect) both take their host keys and their keys from here.

- Host keys: `SshSettings.host_keys` decides the known_hosts files and the policy; a key never
  seen is refused (or, with --accept-new-host-keys, recorded in the first file, hashed, as
  OpenSSH does); a changed key is refused by paramiko before any policy is asked.
- Authentication: keys only, never a password and never a prompt (OpenSSH's BatchMode). The
  inventory's key file alone when it names one (IdentitiesOnly); else the ssh_config's
  IdentityFile, the ssh agent's keys and ~/.ssh/id_*. When none is accepted, the methods the
  server offered tell "authentication failed" from "the host wants a password".
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import paramiko
from paramiko.auth_strategy import AuthFailure, AuthSource, AuthStrategy, InMemoryPrivateKey, NoneAuth, PrivateKey

from envcheck.ssh import reasons
from envcheck.ssh.reasons import Reason
from envcheck.ssh.settings import HostKeys

DEFAULT_KEYS = ("id_rsa", "id_ecdsa", "id_ed25519")
# paramiko logs a failed handshake with its traceback from its own thread; each failure is
# reported once, as a reason, by the command: its log has no reader (no last-resort printing).
logging.getLogger("paramiko").addHandler(logging.NullHandler())
_RECORDING = threading.Lock()  # hosts are reached in threads; one known_hosts writer at a time


class KnownHostsError(paramiko.SSHException):
    """A host key refused by our policy, with the reason every command gives."""

    def __init__(self, reason: Reason, host: str) -> None:
        super().__init__(f"{host}: {reason.text.en}")
        self.ssh_reason = reason


class RefuseNew(paramiko.MissingHostKeyPolicy):
    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        raise KnownHostsError(reasons.HOST_KEY_UNKNOWN, hostname)


class RecordNew(paramiko.MissingHostKeyPolicy):
    """--accept-new-host-keys: trust a key never seen and record it, as OpenSSH's accept-new."""

    def __init__(self, path: str) -> None:
        self.path = path

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        client.get_host_keys().add(hostname, key.get_name(), key)
        line = f"{paramiko.HostKeys.hash_host(hostname)} {key.get_name()} {key.get_base64()}\n"
        with _RECORDING:
            os.makedirs(os.path.dirname(self.path) or ".", mode=0o700, exist_ok=True)
            with open(self.path, "a", encoding="ascii") as known:
                known.write(line)


def apply_host_keys(client: paramiko.SSHClient, host_keys: HostKeys) -> None:
    for path in host_keys.files:
        if os.path.isfile(path):
            client.load_host_keys(path)
    client.set_missing_host_key_policy(RecordNew(host_keys.files[0]) if host_keys.accept_new else RefuseNew())


class KeysRefused(paramiko.AuthenticationException):
    """No key was accepted; `ssh_reason` tells whether the server wanted a password instead."""

    def __init__(self, methods: tuple[str, ...], tried: int) -> None:
        super().__init__(f"no key accepted ({tried} tried); the server offers {', '.join(methods) or '-'}")
        self.ssh_reason = reasons.for_methods(methods)


class KeyFile(PrivateKey):
    """A private key on disk, opened when it is tried: an encrypted one fails (no passphrase is
    ever asked for; an agent holding it is the way)."""

    def __init__(self, username: str, path: str) -> None:
        super().__init__(username=username)
        self.path = path

    def __repr__(self) -> str:
        return f"KeyFile(path={self.path!r})"

    def authenticate(self, transport: paramiko.Transport) -> list[str]:
        self.pkey = paramiko.PKey.from_path(self.path)
        return super().authenticate(transport)


class KeysOnly(AuthStrategy):
    """paramiko's (and fabric's) authentication, limited to keys: see the module docstring.
    Fabric calls it with its own keyword arguments (fabric_config), which are not needed."""

    def __init__(self, ssh_config: Mapping[str, Any] | None = None, username: str | None = None,
                 key_file: str | None = None, only_key: bool = True, **_: Any) -> None:
        super().__init__(ssh_config=paramiko.SSHConfig())
        self.host_config = ssh_config or {}  # the host's ssh_config lookup (IdentityFile)
        self.username = username or ""
        self.key_file = key_file
        self.only_key = only_key  # with a key file: that key alone (ssh -i ... IdentitiesOnly=yes)
        self.agent: paramiko.Agent | None = None

    def get_sources(self) -> Iterator[AuthSource]:
        yield NoneAuth(self.username)  # its refusal lists the methods the server offers
        if self.key_file:
            yield KeyFile(self.username, os.path.expanduser(self.key_file))
            if self.only_key:
                return
        named = [os.path.expanduser(p) for p in self.host_config.get("identityfile", [])]
        yield from (KeyFile(self.username, p) for p in named if os.path.isfile(p))
        try:
            self.agent = paramiko.Agent()
            agent_keys: tuple[Any, ...] = self.agent.get_keys()
        except paramiko.SSHException:
            agent_keys = ()
        yield from (InMemoryPrivateKey(self.username, key) for key in agent_keys)
        for name in DEFAULT_KEYS:
            path = os.path.expanduser(f"~/.ssh/{name}")
            if os.path.isfile(path) and path not in named:
                yield KeyFile(self.username, path)

    def authenticate(self, transport: paramiko.Transport) -> list[Any]:
        try:
            result: list[Any] = super().authenticate(transport)
        except AuthFailure as exc:
            offered: tuple[str, ...] = ()
            for source, outcome in exc.result:
                if isinstance(source, NoneAuth) and isinstance(outcome, paramiko.BadAuthenticationType):
                    offered = tuple(outcome.allowed_types)
            raise KeysRefused(offered, len(exc.result) - 1) from exc
        finally:
            if self.agent is not None:
                self.agent.close()
        if not transport.is_authenticated():  # a key was accepted, and a second factor is asked
            remaining = result[-1].result if result else []
            raise KeysRefused(tuple(remaining or ("keyboard-interactive",)), len(result) - 1)
        return result
