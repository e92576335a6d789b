"""How a command reaches its hosts: the inventory selection and the SSH settings, built once
from the command line (envcheck.commands.options) and handed to every layer below it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from envcheck.ssh.command import CONNECT_TIMEOUT

DEFAULT_FORKS = 20
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class SshSettings:
    """The SSH options of a run, the same for every host (the host's own come from the inventory)."""

    ssh_config: str | None = None  # ssh -F
    known_hosts: str | None = None  # checked strictly; the inventory's UserKnownHostsFile otherwise
    accept_new_host_keys: bool = False  # trust a key never seen before, never a changed one
    connect_timeout: int = CONNECT_TIMEOUT


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
        from envcheck.inventory import local_inventory  # noqa: PLC0415
        from envcheck.inventory.record import load  # noqa: PLC0415

        if not self.inventories:
            if self.limit:
                from envcheck.errors import BadInput  # noqa: PLC0415

                raise BadInput("--limit needs an inventory (-i) / --limit 需要指定清单 -i")
            return local_inventory()
        return load(self.inventories, limit or self.limit, self.vault_password_file, self.become_password)
