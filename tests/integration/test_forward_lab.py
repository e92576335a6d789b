"""`data compare --via`'s port forward (envcheck/ssh/forward.py) over a real SSH connection to a
lab host: it outlives hundreds of short connections that end while the far side still speaks
(the pattern that killed fabric's forward_local: paramiko's channel pipes closed under its
transport thread), and keeps no descriptor or thread after close."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager

import pytest

from envcheck.data.connect import parse_url
from envcheck.data.via import Via, open_tunnel
from envcheck.ssh.settings import Connection
from tests.lab.lab import Lab

pytestmark = pytest.mark.lab
SHORT_CONNECTIONS = 400


def _banner(port: int) -> bytes:
    """One connection through the tunnel to the host's own sshd: its first line, then the
    client leaves at once (the server is still sending its key exchange)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        return s.recv(256)


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


@contextmanager
def _tunnel(lab: Lab) -> Iterator[int]:
    via = Via(lab.hosts[0].name, Connection(inventories=(str(lab.inventory_path),)))
    with ExitStack() as stack:
        yield open_tunnel(parse_url("postgresql://nobody@127.0.0.1:22/none"), via, stack).port


def test_the_forward_outlives_many_short_connections_and_leaves_nothing(lab: Lab) -> None:
    before = _open_fds()
    with _tunnel(lab) as port:
        kept = socket.create_connection(("127.0.0.1", port), timeout=20)  # open throughout
        assert kept.recv(256).startswith(b"SSH-2.0-")
        with ThreadPoolExecutor(8) as pool:
            banners = list(pool.map(lambda _: _banner(port), range(SHORT_CONNECTIONS)))
        # sshd answers each one (with its version, or turns it away: MaxStartups): none is cut
        assert all(b.startswith((b"SSH-2.0-", b"Exceeded MaxStartups")) for b in banners), {b[:40] for b in banners}
        kept.sendall(b"SSH-2.0-envcheck_test\r\n")  # the kept connection still carries both ways
        assert kept.recv(4096), "the long-lived connection was cut"
        kept.close()
        assert _banner(port).startswith(b"SSH-2.0-")  # and the tunnel still takes new ones
    assert _open_fds() <= before
    assert not [t.name for t in threading.enumerate() if t.name == f"envcheck-forward-{port}"]
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()  # closed means closed
