"""A local port forwarded over an SSH transport (as `ssh -L`), for `data compare --via`.

Why not fabric's forward_local: its tunnel threads wait on each paramiko channel with
select(), which makes the channel create a pipe (Channel.fileno). When a tunnelled connection
ends, the tunnel thread closes that pipe while paramiko's transport thread may still be
writing to it: the transport thread then meets "Bad file descriptor", or writes into whatever
file now holds that number, and the whole SSH connection dies (paramiko issues #1700, #2271,
open). A test's tunnel died with that error once in CI (the cause inferred from it).

Here no channel is ever asked for a file descriptor: each forwarded connection is two blocking
copy loops, socket -> channel and channel -> socket, each in its own thread. A connection ends
when either side ends: the copy loop that sees the end shuts the socket down (which wakes the
other loop's recv) and closes the channel (which wakes the other loop's channel.recv); the
socket is closed only after both loops have returned, so no thread ever holds a closed
descriptor's number (the loop from the channel closes it after joining the other).
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from paramiko import SSHException

CHUNK = 64 * 1024
ACCEPT_POLL_SECONDS = 0.2  # how soon the accepting thread sees close(); it owns the listener
OPEN_CHANNEL_SECONDS = 15.0


@dataclass
class _Pair:
    client: socket.socket
    channel: Any  # paramiko.Channel
    done: threading.Lock = field(default_factory=threading.Lock)
    ended: bool = False

    def end(self) -> None:
        """Wake both copy loops; idempotent, safe from any thread."""
        with self.done:
            if self.ended:
                return
            self.ended = True
        try:
            self.client.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already disconnected
        self.channel.close()


class LocalForward:
    """127.0.0.1:`port` forwarded through `transport` to remote_host:remote_port as the SSH
    server resolves them. The port listens as soon as the object exists; close() ends every
    forwarded connection and waits for its threads."""

    def __init__(self, transport: Any, remote_host: str, remote_port: int) -> None:
        self._transport = transport
        self._remote = (remote_host, remote_port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(ACCEPT_POLL_SECONDS)
        self.port = int(self._listener.getsockname()[1])
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._pairs: list[_Pair] = []
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, name=f"envcheck-forward-{self.port}", daemon=True)
        self._acceptor.start()

    def _accept(self) -> None:
        try:
            while not self._closing.is_set():
                try:
                    client, origin = self._listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return  # out of descriptors or the like: new connections are refused from now on
                self._forward(client, origin)
        finally:
            self._listener.close()

    def _forward(self, client: socket.socket, origin: tuple[str, int]) -> None:
        client.settimeout(None)
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            channel = self._transport.open_channel("direct-tcpip", self._remote, origin, timeout=OPEN_CHANNEL_SECONDS)
        except (SSHException, OSError, EOFError):  # refused by the server, or the transport gone:
            # the client sees its connection end
            client.close()
            return
        pair = _Pair(client, channel)
        up = threading.Thread(target=self._copy_up, args=(pair,), daemon=True)
        down = threading.Thread(target=self._copy_down, args=(pair, up), daemon=True)
        with self._lock:
            self._pairs.append(pair)
            self._threads += [up, down]
        up.start()
        down.start()

    @staticmethod
    def _copy_up(pair: _Pair) -> None:
        """The client's bytes to the channel; the client's end of sending is passed on as EOF."""
        try:
            while data := pair.client.recv(CHUNK):
                pair.channel.sendall(data)
            pair.channel.shutdown_write()
        except (OSError, EOFError):
            pair.end()

    @staticmethod
    def _copy_down(pair: _Pair, up: threading.Thread) -> None:
        """The channel's bytes to the client; when the far side ends, the connection ends, and
        once the other copy loop has returned too, its socket is closed."""
        try:
            while data := pair.channel.recv(CHUNK):
                pair.client.sendall(data)
        except (OSError, EOFError):
            pass
        finally:
            pair.end()
            up.join()
            pair.client.close()

    def close(self) -> None:
        self._closing.set()
        self._acceptor.join()
        with self._lock:
            pairs, threads = list(self._pairs), list(self._threads)
        for pair in pairs:
            pair.end()
        for thread in threads:
            thread.join()


__all__ = ["LocalForward"]
