"""Fixtures shared by the unit tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A port that stands for a host: any connection to it would be accepted here (the test
    asserts that nobody came)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0)
    yield sock
    with pytest.raises(BlockingIOError):
        sock.accept()  # nobody came
    sock.close()
