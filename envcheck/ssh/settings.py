"""How a command reaches its hosts: the inventory selection and the SSH settings, built once
from the command line (envcheck.commands.options) and handed to every layer below it.

Host keys are decided here and nowhere else (`SshSettings.host_keys`): which known_hosts file
applies to a host (--known-hosts, else the inventory's UserKnownHostsFile in
ansible_ssh_common_args, else the ssh_config's (--ssh-config, or ~/.ssh/config), else
~/.ssh/known_hosts), always checked strictly, and --accept-new-host-keys trusting a key never
seen before, never a changed one. OpenSSH's options, the paramiko clients (envcheck.ssh.client:
the paramiko transport, fabric) and verify's ssh_config all take them from here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from envcheck.errors import BadInput
from envcheck.ssh.command import CONNECT_TIMEOUT, jump_command

if TYPE_CHECKING:
    from envcheck.ssh.session import Target

DEFAULT_FORKS = 20  # deploy, fix, exec, verify: ansible-playbook forks (AWX sizes ~4 a CPU)
# check: a host's session is one ssh client that mostly waits (on the handshake, on the host's
# probes); its controller CPU is the handshake and parsing (~80 ms a host, bench/README.md,
# "check at scale"), so 25 sessions a core keep the cores busy without queueing the rest.
CHECK_FORKS_PER_CORE = 25


def check_forks(cores: int | None = None) -> int:
    """`envcheck check`'s default --forks: 25 a core of the controller, at least 20."""
    return max(DEFAULT_FORKS, CHECK_FORKS_PER_CORE * (cores or os.cpu_count() or 1))
DEFAULT_TIMEOUT = 60.0
DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"


@dataclass(frozen=True)
class HostKeys:
    """The known_hosts files a host's key is checked against, and how strictly."""

    files: tuple[str, ...]  # expanded paths; a new key (accept-new) is written to the first
    accept_new: bool = False  # trust a key never seen before; a changed key is always refused
    chosen: bool = True  # False: no option or ssh_config names one (ssh's own choice is the same)

    @property
    def strict(self) -> str:
        """OpenSSH's StrictHostKeyChecking: never "no", whatever the inventory says."""
        return "accept-new" if self.accept_new else "yes"

    def ssh_options(self) -> dict[str, str]:
        """As OpenSSH options (-o Key=Value, or ssh_config lines)."""
        options = {"UserKnownHostsFile": " ".join(self.files)} if self.chosen else {}
        return options | {"StrictHostKeyChecking": self.strict}


@dataclass(frozen=True)
class SshSettings:
    """The SSH options of a run, the same for every host (the host's own come from the inventory)."""

    ssh_config: str | None = None  # ssh -F
    known_hosts: str | None = None  # checked strictly; the inventory's UserKnownHostsFile otherwise
    accept_new_host_keys: bool = False  # trust a key never seen before, never a changed one
    connect_timeout: int = CONNECT_TIMEOUT

    def host_keys(self, ssh_args: Sequence[str] = (), config_value: str | None = None) -> HostKeys:
        """The host-key policy of one host: its inventory ssh arguments (ansible_ssh_common_args)
        and, for the paramiko clients that read ssh_config themselves, its UserKnownHostsFile
        for the host (OpenSSH reads its own: no option is given to it then)."""
        named = self.known_hosts or ssh_option(ssh_args, "UserKnownHostsFile") or config_value
        files = tuple(os.path.expanduser(f) for f in (named or DEFAULT_KNOWN_HOSTS).split())
        return HostKeys(files, self.accept_new_host_keys, chosen=bool(named))

    def openssh_options(self, target: Target, jump_control: str | None = None) -> dict[str, str]:
        """The host's OpenSSH options that come from the run's policy, to put before its own
        (ssh takes the first value it reads): the host keys, and the inventory's ProxyJump as
        the ProxyCommand that carries them to every jump host (through the run's shared
        connection to the last one when `jump_control` names its folder)."""
        options = self.host_keys(target.ssh_args).ssh_options()
        hops = [(h.host, h.user, h.port) for h in jump_hops(target.ssh_args)]
        if hops:
            options["ProxyCommand"] = jump_command(self.ssh_config, self.connect_timeout, options, hops,
                                                   target.key_file, target.address, target.port, jump_control)
        return options


@dataclass(frozen=True)
class Connection:
    """The hosts a command works on, and how it reaches them."""

    inventories: tuple[str, ...] = ()
    limit: str | None = None
    forks: int = DEFAULT_FORKS
    timeout: float = DEFAULT_TIMEOUT
    ssh: SshSettings = field(default_factory=SshSettings)
    vault_password_file: str | None = None
    become_password: str | None = field(default=None, repr=False)  # never printed

    def load_inventory(self, limit: str | None = None) -> Any:
        """The selected hosts (this machine when no inventory is given); `limit` narrows further."""
        from envcheck.inventory import local_inventory  # noqa: PLC0415 (import cycle: envcheck.inventory imports envcheck.ssh)
        from envcheck.inventory.record import load  # noqa: PLC0415 (import cycle: envcheck.inventory imports envcheck.ssh)

        if not self.inventories:
            if self.limit:
                raise BadInput.of("error.limit_needs_inventory")
            return local_inventory()
        return load(self.inventories, limit or self.limit, self.vault_password_file, self.become_password)


def ssh_option_pairs(args: Sequence[str]) -> list[tuple[str, str]]:
    """The `-o Key=Value` / `-oKey=Value` / `-o "Key Value"` options of ssh arguments from the
    inventory (ansible_ssh_common_args), in their order."""
    pairs = []
    items = list(args)
    for i, arg in enumerate(items):
        text = items[i + 1] if arg == "-o" and i + 1 < len(items) else arg[2:] if arg.startswith("-o") else ""
        text = text.strip()
        if "=" in text:
            key, _, value = text.partition("=")
        elif " " in text:
            key, _, value = text.partition(" ")
        else:
            continue
        pairs.append((key.strip(), value.strip()))
    return pairs


def ssh_option(args: Sequence[str], name: str) -> str | None:
    """The value ssh takes for option `name` (case-insensitive): the first one given."""
    return next((v for k, v in ssh_option_pairs(args) if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class Hop:
    """One jump host of a ProxyJump: [user@]host[:port]."""

    host: str
    user: str | None = None
    port: int | None = None


def proxy_of(ssh_args: Sequence[str]) -> tuple[str, str] | None:
    """The inventory's ProxyJump or ProxyCommand, whichever comes first (ssh takes that one), as
    ("proxyjump" | "proxycommand", value)."""
    return next(((k.lower(), v) for k, v in ssh_option_pairs(ssh_args)
                 if k.lower() in ("proxyjump", "proxycommand")), None)


def hops_of(proxy_jump: str) -> tuple[Hop, ...]:
    """A ProxyJump value's jump hosts, the first hop first (none for "none")."""
    if proxy_jump.strip().lower() == "none":
        return ()
    return tuple(_hop(spec.strip().removeprefix("ssh://")) for spec in proxy_jump.split(",") if spec.strip())


def jump_hops(ssh_args: Sequence[str]) -> tuple[Hop, ...]:
    """The jump hosts of the inventory's ProxyJump; none when it gives a ProxyCommand first."""
    proxy = proxy_of(ssh_args)
    return hops_of(proxy[1]) if proxy is not None and proxy[0] == "proxyjump" else ()


def _hop(spec: str) -> Hop:
    user, _, rest = spec.rpartition("@")
    host, port = rest, None
    if rest.startswith("[") and "]" in rest:  # [address]:port
        host, _, tail = rest[1:].partition("]")
        port = tail.removeprefix(":") or None
    elif rest.count(":") == 1:
        host, _, port = rest.partition(":")
    return Hop(host, user or None, int(port) if port and port.isdigit() else None)
