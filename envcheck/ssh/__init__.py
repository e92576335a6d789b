"""The SSH layer: how every command reaches a host.

- command.py: the ssh command line and the fixed bootstrap every audit session runs;
- settings.py: the settings of a run (inventory selection, known_hosts, host-key policy);
- reasons.py: every failure to reach a host as one reason text (en + zh), from whichever stack;
- client.py: paramiko clients (the paramiko transport, fabric) with the same host keys and keys;
- session.py: the one-exec exchange (clock line, sudo password, probe script) over a channel;
- openssh.py / paramiko_session.py: channels over OpenSSH's client or paramiko;
- group.py: fabric connections for `exec` and `collect`.

`transport_for` picks the transport by name (OpenSSH by default: docs/design.md says why).
"""

from __future__ import annotations

from envcheck.ssh.openssh import LocalTransport, OpenSSHTransport
from envcheck.ssh.session import SessionOutput, Target, Transport, TransportError
from envcheck.ssh.settings import Connection, SshSettings

TRANSPORTS = ("openssh", "paramiko")


def transport_for(name: str, ssh: SshSettings, targets: list[Target]) -> Transport:
    """The transport that reaches these targets: this machine's shell when they are all
    local, else the named SSH implementation."""
    if targets and all(t.local for t in targets):
        return LocalTransport()
    if name == "paramiko":
        from envcheck.ssh.paramiko_session import ParamikoTransport  # noqa: PLC0415 (paramiko: ~0.1 s, not for --help)

        return ParamikoTransport(ssh)
    return OpenSSHTransport(ssh)


__all__ = ["TRANSPORTS", "Connection", "LocalTransport", "OpenSSHTransport", "SessionOutput", "SshSettings",
           "Target", "Transport", "TransportError", "transport_for"]
