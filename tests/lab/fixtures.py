"""pytest fixtures: `lab`, a running lab for the whole session.

It attaches to a lab already up (`make lab-up`) and leaves it up; otherwise it brings up
the default lab and takes it down at the end. Where the machine cannot run a lab the lab
tests are skipped with the reason, except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.lab.base import why_unavailable
from tests.lab.config import LabConfig
from tests.lab.lab import Lab
from tests.lab.site import Site, bring_up


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"the lab could not start in CI: {reason}", pytrace=False)
    pytest.skip(f"no lab on this machine: {reason}")


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    reason = why_unavailable()
    if reason:
        _unavailable(reason)
    cfg = LabConfig.from_env()
    if (cfg.state_dir / "lab.json").exists():
        existing = Lab.from_state(cfg.state_dir)
        if existing.answering():
            yield existing
            return
        existing.down()
    try:
        started = Lab.up(cfg)
    except Exception as exc:
        _unavailable(f"{type(exc).__name__}: {exc}")
        raise
    try:
        yield started
    finally:
        started.down()


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    """Three hosts with the whole standard deployed (see tests/lab/site.py). Kept up when it
    was already up (`python -m tests.lab site-up`), else taken down at the end."""
    reason = why_unavailable()
    if reason:
        _unavailable(reason)
    try:
        deployed, started = bring_up()
    except Exception as exc:
        _unavailable(f"{type(exc).__name__}: {exc}")
        raise
    try:
        yield deployed
    finally:
        if started and os.environ.get("ENVCHECK_KEEP_SITE") != "1":
            deployed.lab.down()
