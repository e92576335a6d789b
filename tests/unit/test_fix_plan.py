"""`envcheck fix` plans: failures grouped by playbook, tags and hosts; manual ones apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envcheck.checks import CHECKS, FLEET_CHECKS, load_catalogue
from envcheck.checks.registry import MANUAL
from envcheck.errors import RunDirError
from envcheck.fix import Failure, find_check_run, plan, read_failures

load_catalogue()
REMEDIATIONS = {c.id: c.remediation for c in [*CHECKS.values(), *FLEET_CHECKS.values()]}


def _f(host: str | None, check: str) -> Failure:
    return Failure(host, check, "fail", "x", "y", "hint")


def test_grouped_by_playbook_then_hosts() -> None:
    manual = next(c for c, r in REMEDIATIONS.items() if r == MANUAL)
    plans = plan([_f("db1", "time.timezone"), _f("db1", "locale.system_lang"), _f("web1", "time.timezone"),
                  _f("db1", manual)], ["web1", "db1"], REMEDIATIONS)
    assert [(p.playbook, p.tags, p.hosts) for p in plans.plans] == [
        ("server", ("locale",), ("db1",)), ("server", ("timezone",), ("web1", "db1"))]
    assert [f.check for f in plans.manual] == [manual]


def test_same_hosts_merge_tags_and_fleet_failures_cover_every_host() -> None:
    plans = plan([_f("db1", "time.timezone"), _f("db1", "locale.system_lang"), _f("app1", "time.timezone"),
                  _f(None, "fleet.locale")], ["app1", "db1"], REMEDIATIONS)
    assert [(p.tags, p.hosts, p.checks) for p in plans.plans] == [
        (("locale", "timezone"), ("app1", "db1"), ("fleet.locale", "locale.system_lang", "time.timezone"))]


def test_latest_finished_run_is_read(tmp_path: Path) -> None:
    with pytest.raises(RunDirError):
        find_check_run(tmp_path, None)
    for name, complete in (("20260101-000000-check", True), ("20260102-000000-check", True),
                           ("20260103-000000-check", False)):
        (tmp_path / name).mkdir()
        if complete:
            doc = {"hosts": [{"name": "db1", "reachable": True}],
                   "results": [{"host": "db1", "check": "time.timezone", "status": "fail", "found": name},
                               {"host": "db1", "check": "locale.system_lang", "status": "pass"}]}
            (tmp_path / name / "result.json").write_text(json.dumps(doc))
    run = find_check_run(tmp_path, None)
    assert run.name == "20260102-000000-check"
    failures, hosts = read_failures(run)
    assert hosts == ["db1"] and [(f.check, f.found) for f in failures] == [("time.timezone", run.name)]


def test_fix_lists_manual_failures_with_their_hints(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from envcheck.cli import cli

    manual = next(c for c in CHECKS.values() if c.remediation == MANUAL)
    run = tmp_path / "20260101-000000-check"
    run.mkdir()
    doc = {"hosts": [{"name": "db1", "reachable": True}],
           "results": [{"host": "db1", "check": manual.id, "status": "fail", "fix": manual.fix.en}]}
    (run / "result.json").write_text(json.dumps(doc))
    (tmp_path / "hosts.yml").write_text("all:\n  hosts:\n    db1: {ansible_host: 127.0.0.99}\n")
    result = CliRunner().invoke(cli, ["fix", "-i", str(tmp_path / "hosts.yml"), "--runs-dir", str(tmp_path),
                                      "--lang", "en"])
    assert result.exit_code == 1, result.output  # still failing: a person has to act
    assert "nothing to fix with a playbook" in result.output
    assert f"db1  {manual.id}: {manual.fix.en}" in result.output
