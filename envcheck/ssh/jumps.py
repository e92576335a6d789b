"""The run's connections to its jump hosts: one per jump host (the last hop of a target's
ProxyJump), opened once before the first target behind it and shared by every target's
`ssh -W` through OpenSSH's connection multiplexing, instead of one handshake per target.

The control sockets live in a private folder of the run (0700); close() ends each connection
(`ssh -O exit`) and removes the folder. A connection that cannot be opened is not an error
here: each target's own ssh then reaches the jump host by itself and says why it cannot."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading

from envcheck.ssh.command import jump_argv, jump_exit, jump_master
from envcheck.ssh.session import Target
from envcheck.ssh.settings import SshSettings, jump_hops

PERSIST = 30  # seconds a shared connection outlives its last session (if close() never runs)
_Hops = tuple[tuple[str, str | None, int | None], ...]


class JumpConnections:
    def __init__(self, settings: SshSettings) -> None:
        self.settings = settings
        self._folder: str | None = None
        self._lock = threading.Lock()
        self._locks: dict[tuple[_Hops, str | None, tuple[tuple[str, str], ...]], threading.Lock] = {}
        self._opened: dict[tuple[_Hops, str | None, tuple[tuple[str, str], ...]], list[str]] = {}

    def open(self, target: Target) -> str | None:
        """The control folder for this target's jump, its connection opened; None: no jump."""
        hops: _Hops = tuple((h.host, h.user, h.port) for h in jump_hops(target.ssh_args))
        if not hops:
            return None
        keys = self.settings.host_keys(target.ssh_args).ssh_options()
        key = (hops, target.key_file, tuple(sorted(keys.items())))
        with self._lock:
            if self._folder is None:
                self._folder = tempfile.mkdtemp(prefix="ecj-")  # short: a socket path holds 108 bytes
            folder = self._folder
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._opened:
                ssh = self.settings
                argv = jump_argv(ssh.ssh_config, ssh.connect_timeout, keys, hops, target.key_file, folder)
                try:
                    subprocess.run(jump_master(argv, hops[-1][0], PERSIST), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   timeout=ssh.connect_timeout * (len(hops) + 1))
                except (OSError, subprocess.TimeoutExpired):
                    pass
                self._opened[key] = argv
        return folder

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, {}
            folder, self._folder = self._folder, None
        for (hops, _key_file, _keys), argv in opened.items():
            try:
                subprocess.run(jump_exit(argv, hops[-1][0]), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
