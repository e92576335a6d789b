"""Transports by name. OpenSSH is the default: see README, "Choosing the transport"."""

from __future__ import annotations

from envcheck.transport.base import SessionOutput, Target, Transport, TransportError
from envcheck.transport.process import LocalTransport, OpenSSHTransport

TRANSPORTS: dict[str, type[Transport]] = {
    "openssh": OpenSSHTransport,
    "local": LocalTransport,
}

__all__ = ["TRANSPORTS", "LocalTransport", "OpenSSHTransport", "SessionOutput", "Target",
           "Transport", "TransportError"]
