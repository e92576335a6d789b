"""Sessions started before the probe scripts exist (transport.prepare): run() takes the one
started for its target, close_prepared() ends the others. Real `sh` sessions, no mocks."""

from __future__ import annotations

import time

from envcheck.transport import LocalTransport, Target


def test_run_takes_the_prepared_session_and_the_rest_are_closed() -> None:
    transport = LocalTransport()
    a = Target(name="a", address="localhost", local=True)
    b = Target(name="b", address="localhost", local=True)
    transport.prepare([a, b], timeout=30)
    early = transport.__dict__["_early"]
    channel_a, channel_b = early[a][0], early[b][0]
    time.sleep(0.3)  # the session's age counts from prepare(), where the handshake began
    out = transport.run(a, "echo ECOUT\n", timeout=30)
    assert out.error is None, out.error
    assert b"ECOUT" in out.stdout
    assert channel_a.proc.poll() is not None  # run() used the prepared session and ended it
    assert out.seconds >= 0.3
    assert a not in early and b in early
    transport.close_prepared()
    assert not early
    assert channel_b.proc.poll() is not None  # ended, by its PID


def test_run_without_prepare_opens_its_own_session() -> None:
    out = LocalTransport().run(Target(name="c", address="localhost", local=True), "echo fine\n", timeout=30)
    assert out.error is None and b"fine" in out.stdout


def test_sessions_started_before_the_inventory_are_kept_only_for_its_targets() -> None:
    transport = LocalTransport()
    kept = Target(name="a", address="localhost", local=True)
    gone = Target(name="old", address="localhost", port=2222, local=True)
    transport.prepare([kept, gone], timeout=30)  # what the previous run resolved
    early = transport.__dict__["_early"]
    channel_gone = early[gone][0]
    # The inventory, loaded meanwhile, yields `a` (now with a sudo password) and not `old`.
    with_password = Target(name="a", address="localhost", local=True, become_password="pw")
    transport.keep_prepared([with_password])
    assert gone not in early and channel_gone.proc.poll() is not None
    transport.prepare([with_password], timeout=30)  # the session already started is kept
    assert list(early) == [kept]
    out = transport.run(with_password, "echo ECOUT\n", timeout=30)
    assert out.error is None and b"ECOUT" in out.stdout and not early
