"""pytest fixtures: `lab`, a running lab for the whole session, and `site`, the deployed one.

`lab` attaches to the checkout's lab already up (`make lab-up`) and leaves it up; otherwise it
brings it up and takes it down at the end. A machine that cannot run a lab, a lab that does not
start and a deploy that fails are failures of every test that needs them, never skips.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab import zone
from tests.lab.base import why_unavailable
from tests.lab.config import LabConfig
from tests.lab.lab import Lab
from tests.lab.site import Site, bring_up, take_down
from tests.lab.twin import bring_up as twin_up


def _require_lab_machine() -> None:
    reason = why_unavailable()
    if reason:
        pytest.fail(f"the lab cannot run on this machine: {reason}", pytrace=False)


@pytest.fixture
def own_tmp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private, short folder as this process's temporary folder for one test (tempfile.tempdir):
    what an in-process run leaves there (the jump hosts' control folders, ecj-*) is the test's
    own to look at, whatever else shares /tmp. Short: a control socket's path holds 108 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="ect-", dir="/tmp"))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    _require_lab_machine()
    cfg = LabConfig.from_env()
    if (cfg.state_dir / "lab.json").exists():
        existing = Lab.from_state(cfg.state_dir)
        if existing.answering():
            yield existing
            return
        existing.down()
    started = Lab.up(cfg)  # raises (the tests fail) when it does not come up
    try:
        yield started
    finally:
        started.down()


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    """Three hosts with the whole standard deployed (see tests/lab/site.py). Kept up when it
    was already up (`python -m tests.lab site-up`), else taken down at the end."""
    _require_lab_machine()
    deployed, started = bring_up()  # raises (the tests fail) when the lab or a deploy fails
    try:
        yield deployed
    finally:
        if started and os.environ.get("ENVCHECK_KEEP_SITE") != "1":
            take_down(deployed.lab)


@pytest.fixture(scope="session")
def site_twin(site: Site) -> Iterator[tuple[Lab, object]]:
    """A copy of the deployed site on three more hosts (tests/lab/twin.py) and its inventory;
    taken down at the end."""
    twin, inventory = twin_up(site)
    try:
        yield twin, inventory
    finally:
        twin.down()


@pytest.fixture(scope="session")
def zones() -> Iterator[Lab]:
    """The zone lab (tests/lab/zone.py): kept up when it was already up, else taken down at the end."""
    _require_lab_machine()
    existing = zone.attach()
    if existing is not None:
        yield existing
        return
    started = zone.up()
    try:
        yield started
    finally:
        zone.down()
