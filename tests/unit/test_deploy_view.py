"""The deploy's live lines (not a terminal): the argument-spec check Ansible adds to each role
is left out while it passes and shown when it fails (its message names the variable)."""

from __future__ import annotations

import pytest

from envcheck.deploy.runner import TaskEvent
from envcheck.deploy.view import DeployView

SPEC = "Validating arguments against arg spec 'main' - The site standard (timezone, hosts)"


def test_a_passing_spec_check_is_not_a_live_line(capsys: pytest.CaptureFixture[str]) -> None:
    view = DeployView("en")
    view.tty = False
    view.on_event(TaskEvent("runner_on_ok", "web1", SPEC, False, None))
    view.on_event(TaskEvent("runner_on_ok", "web1", "Set the timezone", True, None))
    view.on_event(TaskEvent("runner_on_failed", "db1", SPEC, False, "db_engine: value of db_engine must be one of"))
    out = capsys.readouterr().out.splitlines()
    assert out == ["[web1] Set the timezone: changed",
                   f"[db1] {SPEC}: failed: db_engine: value of db_engine must be one of"]
