"""The SSH sessions of a repeated `envcheck check`, started before the rest of envcheck loads.

On a second run with an unchanged inventory the hosts are known before anything is parsed
(envcheck.prefetch keeps them). Importing click, the check catalogue and the evaluation code
takes ~60 ms; the SSH handshakes need none of it. So the console entry point (envcheck.entry)
reads the connection options of a `check` command line first, with this module's own small
reader, and starts those sessions (each runs only the fixed bootstrap, which waits for a
script). The check command then parses its command line with click as always and takes these
sessions only when its settings are exactly the ones read here; otherwise they are closed
unused. Any option this reader does not know, and it starts nothing.
"""

from __future__ import annotations

import atexit
import os
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

DEFAULT_FORKS = 20
DEFAULT_TIMEOUT = 60.0

# The options of `envcheck check` (envcheck.commands.options and .check), by what they take.
_SETTINGS = {"-i": "inventories", "--inventory": "inventories", "-l": "limit", "--limit": "limit",
             "-f": "forks", "--forks": "forks", "--timeout": "timeout", "--ssh-config": "ssh_config",
             "--known-hosts": "known_hosts", "--transport": "transport"}
_OTHER_VALUES = {"--vault-password-file", "-c", "--only", "--format", "-o", "--output", "--runs-dir", "--lang"}
_SHORT_WITH_VALUE = {"-i", "-l", "-f", "-c", "-o"}
# Not -K / --ask-become-pass: the prompt may outlast the sessions' deadline; those runs start
# their sessions after it, as before.
_FLAGS = {"--accept-new-host-keys", "--show-passed", "--show-skipped"}


class Settings(NamedTuple):
    """What decides which sessions a check run opens, and how."""

    inventories: tuple[str, ...]
    limit: str | None
    forks: int
    timeout: float
    ssh_config: str | None
    known_hosts: str | None
    accept_new_host_keys: bool
    key: str | None  # envcheck.prefetch.inventory_key of the inventory files as read

    @classmethod
    def of(cls, connection: Any, key: str | None) -> Settings:
        """The settings of a check command's Connection (envcheck.commands.options), as click read them."""
        return cls(**{name: getattr(connection, name) for name in cls._fields if name != "key"}, key=key)


_started: tuple[Settings, Any] | None = None


def read_settings(argv: Sequence[str]) -> tuple[Settings, str] | None:
    """The connection settings and transport of `check ...`, as click reads them; None for
    any other command line or any option not known here (key left None)."""
    if not argv or argv[0] != "check":
        return None
    values: dict[str, Any] = {"inventories": [], "limit": None, "forks": DEFAULT_FORKS,
                              "timeout": DEFAULT_TIMEOUT, "ssh_config": None, "known_hosts": None,
                              "transport": "openssh", "accept_new_host_keys": False}
    args = list(argv[1:])
    while args:
        arg = args.pop(0)
        name, value = _split(arg)
        if name in _FLAGS and value is None:
            values["accept_new_host_keys"] |= name == "--accept-new-host-keys"
            continue
        if name not in _SETTINGS and name not in _OTHER_VALUES:
            return None  # --help, a positional argument, an option added later: click decides
        if value is None:
            if not args:
                return None
            value = args.pop(0)
        setting = _SETTINGS.get(name)
        try:
            if setting == "inventories":
                values["inventories"].append(value)
            elif setting == "forks":
                values["forks"] = int(value)
            elif setting == "timeout":
                values["timeout"] = float(value)
            elif setting is not None:
                values[setting] = value
        except ValueError:
            return None
    transport = values.pop("transport")
    return Settings(**{**values, "inventories": tuple(values["inventories"]), "key": None}), transport


def _split(arg: str) -> tuple[str, str | None]:
    """--name=value, -xVALUE (a short option with its value attached), or the option alone."""
    if arg.startswith("--"):
        name, eq, value = arg.partition("=")
        return name, value if eq else None
    if arg[:2] in _SHORT_WITH_VALUE and len(arg) > 2:
        return arg[:2], arg[2:]
    return arg, None


def start(argv: Sequence[str]) -> None:
    """Start the remembered sessions of this check command line, if it is one and the
    inventory's files are those of an earlier run (envcheck.prefetch)."""
    global _started
    if os.environ.get("ENVCHECK_NO_PREFETCH") or _started is not None:
        return
    read = read_settings(argv)
    if read is None or read[1] != "openssh" or not read[0].inventories:
        return
    from envcheck.prefetch import inventory_key, remembered_items  # noqa: PLC0415
    from envcheck.sshcommand import CONNECT_TIMEOUT, REMOTE_COMMAND, spawn, ssh_argv, ssh_options  # noqa: PLC0415

    settings = read[0]._replace(key=inventory_key(read[0].inventories, read[0].limit))
    items = [i for i in remembered_items(settings.key) if not i.get("local")][: settings.forks]
    # The ssh processes first, from the kept values: the transport's classes (dataclasses,
    # threading) load while the handshakes run (as OpenSSHTransport would start them).
    options = ssh_options(settings.ssh_config, settings.known_hosts, settings.accept_new_host_keys,
                          CONNECT_TIMEOUT, None)
    spawned = []
    for item in items:
        try:
            argv = ssh_argv(options, item["address"], item["port"], item["user"], item["key_file"],
                            item["ssh_args"], REMOTE_COMMAND)
            spawned.append((item, argv, spawn(argv), time.monotonic()))
        except (KeyError, TypeError, OSError):
            break  # a damaged record or no ssh: the check command starts them, and says why
    if not spawned:
        return
    from envcheck.prefetch import target_of  # noqa: PLC0415
    from envcheck.transport.process import OpenSSHTransport, ProcessChannel  # noqa: PLC0415

    transport = OpenSSHTransport(settings.ssh_config, settings.known_hosts, settings.accept_new_host_keys)
    _started = (settings, transport)
    atexit.register(_close_untaken)
    for item, argv, proc, started in spawned:
        channel = ProcessChannel(argv, proc)
        try:
            target = target_of(item)
            # Only the very session the transport would have started is taken.
            taken = transport.argv(target, REMOTE_COMMAND) == argv
        except (KeyError, TypeError):
            taken = False
        if taken:
            transport.adopt(target, channel, started)
        else:
            channel.close()


def take(settings: Settings) -> Any:
    """The transport started for exactly these settings (its sessions under way), or None;
    sessions started for other settings are closed here."""
    global _started
    if _started is None:
        return None
    early, transport = _started
    _started = None
    if early == settings:
        return transport
    transport.close_prepared()
    return None


def _close_untaken() -> None:
    """A run that ended before the check command took its sessions (bad input, Ctrl+C)."""
    global _started
    if _started is not None:
        _started[1].close_prepared()
        _started = None
