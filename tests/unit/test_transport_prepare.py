"""Sessions started before the probe scripts exist (transport.prepare): run() takes the one
started for its target, close_prepared() ends the others. Real `sh` sessions, no mocks."""

from __future__ import annotations

import time

from envcheck.ssh import LocalTransport, Target


def test_run_takes_the_prepared_session_and_the_rest_are_closed() -> None:
    transport = LocalTransport()
    a = Target(name="a", address="localhost", local=True)
    b = Target(name="b", address="localhost", local=True)
    transport.prepare([a, b], timeout=30)
    prepared = transport._prepared
    channel_a, channel_b = prepared[a][0], prepared[b][0]
    time.sleep(0.3)  # the session's age counts from prepare(), where the handshake began
    out = transport.run(a, "echo ECOUT\n", timeout=30)
    assert out.error is None, out.error
    assert b"ECOUT" in out.stdout
    assert channel_a.proc.poll() is not None  # run() used the prepared session and ended it
    assert out.seconds >= 0.3
    assert a not in prepared and b in prepared
    transport.close_prepared()
    assert not prepared
    assert channel_b.proc.poll() is not None  # ended, by its PID


def test_a_session_prepared_without_the_password_serves_the_target_with_it() -> None:
    transport = LocalTransport()
    transport.prepare([Target(name="a", address="localhost", local=True)], timeout=30)
    with_password = Target(name="a", address="localhost", local=True, become_password="pw")
    out = transport.run(with_password, "echo ECOUT\n", timeout=30)
    assert out.error is None and b"ECOUT" in out.stdout and not transport._prepared


def test_run_without_prepare_opens_its_own_session() -> None:
    out = LocalTransport().run(Target(name="c", address="localhost", local=True), "echo fine\n", timeout=30)
    assert out.error is None and b"fine" in out.stdout
