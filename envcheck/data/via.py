"""--via HOST: reach a database through an inventory host, as it is usually reachable only from
inside the site. A local port on 127.0.0.1 is forwarded over one SSH connection to the host
(envcheck/ssh/forward.py over fabric's connection, configured as exec and collect connect: the
inventory's address, user and key, its ProxyJump, known_hosts checked strictly), and the host
connects on to the database's HOST:PORT as the URL names them (127.0.0.1 there is the database
on that host)."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, replace

from envcheck.data.connect import DbUrl
from envcheck.errors import BadInput, ViaUnreachable
from envcheck.ssh import reasons
from envcheck.ssh.forward import LocalForward
from envcheck.ssh.group import RemoteSettings, connection, read_ssh_config
from envcheck.ssh.settings import Connection


@dataclass(frozen=True)
class Via:
    host: str  # inventory host name
    conn: Connection  # the inventory and the SSH settings


def open_tunnel(url: DbUrl, via: Via, stack: ExitStack) -> DbUrl:
    """The URL to connect to: 127.0.0.1 and a local port forwarded to the database through
    via.host, kept open until `stack` closes. A host SSH does not reach is exit 3, said in the
    words every command gives it."""
    inventory = via.conn.load_inventory(via.host)
    host = next((h for h in inventory.hosts if h.name == via.host), None)
    if host is None:
        raise BadInput.of("error.via_no_host", host=via.host)
    settings = RemoteSettings(via.conn.ssh, None, via.conn.timeout)
    fab = connection(host, settings, read_ssh_config(via.conn.ssh))
    stack.callback(fab.close)
    try:
        fab.open()
    except Exception as exc:  # paramiko's, socket's and invoke's errors: classified below
        reason = reasons.from_exception(exc)
        raise ViaUnreachable.of("error.via_ssh", host=via.host,
                                reason=reason.say(host.target.address, reasons.detail_of(exc, reason))) from exc
    forward = LocalForward(fab.client.get_transport(), url.host, url.port)
    stack.callback(forward.close)
    return replace(url, host="127.0.0.1", port=forward.port)
