"""--via HOST: reach a database through an inventory host, as it is usually reachable only from
inside the site. A local port on 127.0.0.1 is forwarded over one SSH connection to the host
(fabric's forward_local, configured as exec and collect connect: the inventory's address, user
and key, its ProxyJump, known_hosts checked strictly), and the host connects on to the
database's HOST:PORT as the URL names them (127.0.0.1 there is the database on that host)."""

from __future__ import annotations

import socket
import time
from contextlib import ExitStack
from dataclasses import dataclass, replace

from envcheck.data.connect import DbUrl
from envcheck.errors import BadInput
from envcheck.ssh.group import RemoteSettings, connection, read_ssh_config
from envcheck.ssh.settings import Connection


@dataclass(frozen=True)
class Via:
    host: str  # inventory host name
    conn: Connection  # the inventory and the SSH settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def open_tunnel(url: DbUrl, via: Via, stack: ExitStack) -> DbUrl:
    """The URL to connect to: 127.0.0.1 and a local port forwarded to the database through
    via.host, kept open until `stack` closes."""
    inventory = via.conn.load_inventory(via.host)
    host = next((h for h in inventory.hosts if h.name == via.host), None)
    if host is None:
        raise BadInput.of("error.via_no_host", host=via.host)
    settings = RemoteSettings(via.conn.ssh, None, via.conn.timeout)
    fab = connection(host, settings, read_ssh_config(via.conn.ssh))
    stack.callback(fab.close)
    port = _free_port()
    stack.enter_context(fab.forward_local(local_port=port, remote_port=url.port, remote_host=url.host,
                                          local_host="127.0.0.1"))
    _wait_listening(port, via.host)
    return replace(url, host="127.0.0.1", port=port)


def _wait_listening(port: int, host: str, seconds: float = 10) -> None:
    """fabric binds the forwarded port in its own thread, after forward_local has returned."""
    deadline = time.monotonic() + seconds
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        if time.monotonic() > deadline:
            raise BadInput.of("error.via_no_tunnel", host=host)
        time.sleep(0.05)
