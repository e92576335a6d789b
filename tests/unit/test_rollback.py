"""envcheck rollback's pure parts: the deploy's evidence (secrets masked), the hosts' answers read
into what was put back and what was not, the refusal's exit code, bad run directories."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.deploy import rollback_record, undo
from envcheck.errors import Refused
from envcheck.exitcodes import HELP, HELP_ZH, ExitCode, worst
from envcheck.runs import write_record
from tests.clirunner import crash


def _b64(text: bytes) -> str:
    return base64.b64encode(text).decode("ascii")


AFTER = {"action": "after", "role": "baseline", "packages": ["chrony"], "users": ["appuser"],
         "services": [], "locales": [], "groups": [], "sysctl": {},
         "files": [{"path": "/etc/app/db.conf", "before": {"type": "file"}, "after": {"type": "file"},
                    "content_b64": _b64(b"host = db1\npassword = s3cr3t-pw\n")},
                   {"path": "/etc/app/blob.bin", "before": {"type": "file"}, "after": {"type": "file"},
                    "content_b64": _b64(b"\xff\xfe\x00binary")},
                   {"path": "/etc/app/new.conf", "before": {"type": "absent"}, "after": {"type": "file"}}]}


def test_the_deploy_keeps_each_previous_file_masked_and_the_events_keep_none(tmp_path: Path) -> None:
    events = [{"event": "runner_on_ok", "host": "web1", rollback_record.RESULT_KEY: {"action": "before",
                                                                                     "role": "baseline"}},
              {"event": "runner_on_ok", "host": "web1", "task": "x"},
              {"event": "runner_on_ok", "host": "web1", rollback_record.RESULT_KEY: AFTER}]
    taken = rollback_record.take(events)
    assert [e for e in events if rollback_record.RESULT_KEY in e] == []  # out of events.jsonl
    rollback_record.write(tmp_path, taken)
    doc = json.loads((tmp_path / "rollback" / "web1.json").read_text())
    files = {f["path"]: f for f in doc["roles"][0]["files"]}
    kept = tmp_path / files["/etc/app/db.conf"]["evidence"]
    assert kept == tmp_path / "rollback" / "web1" / "files" / "etc" / "app" / "db.conf"
    assert "s3cr3t-pw" not in kept.read_text() and "host = db1" in kept.read_text()
    assert files["/etc/app/db.conf"]["secrets_masked"] == 1
    assert files["/etc/app/blob.bin"]["evidence"] is None  # binary: on the host only
    assert "evidence" not in files["/etc/app/new.conf"]  # nothing was there before
    assert "s3cr3t" not in (tmp_path / "rollback" / "web1.json").read_text()
    assert doc["unfinished"] == [] and doc["roles"][0]["packages"] == ["chrony"]


def test_a_dry_run_deploy_records_nothing(tmp_path: Path) -> None:
    rollback_record.write(tmp_path, rollback_record.take([{"event": "runner_on_ok", "host": "web1"}]))
    assert not (tmp_path / "rollback").exists()


def _deploy_run(tmp_path: Path, roles: tuple[str, ...] = ("baseline", "postgresql")) -> Path:
    run = tmp_path / "20261203-010000.000000-deploy"
    run.mkdir()
    write_record(run, "deploy", {"playbook": "site", "inventory": ["inv.yml"], "status": "successful"})
    (run / "events.jsonl").write_text("".join(
        json.dumps({"event": "runner_on_ok", "host": "db1", "role": r}) + "\n" for r in (*roles, "standard")))
    rollback_record.write(run, {"db1": (AFTER,)})
    return run


def test_what_was_put_back_and_what_was_not_undone_per_host(tmp_path: Path) -> None:
    run = undo.load_deploy(_deploy_run(tmp_path))
    assert undo.limit_for(run, None) == "db1" and undo.limit_for(run, "db") == "db1:&db"
    restore = {"action": "restore", "files": [{"path": "/etc/hosts", "action": "restored", "role": "baseline"}],
               "services": [{"name": "chrony", "action": "disable", "role": "baseline"}], "packages": [],
               "not_undone": [{"area": "packages", "key": "chrony", "value": "installed"},
                              {"area": "users", "key": "appuser", "value": "created"}]}
    [host] = undo.results(run, {"db1": ({"action": "verify", "hand_edited": []}, restore)})
    assert host.restored and host.files[0]["path"] == "/etc/hosts"
    record = undo.as_record([host])
    assert record["not_undone"] == [
        {"area": "packages", "key": "chrony", "value": "installed", "host": "db1"},
        {"area": "users", "key": "appuser", "value": "created", "host": "db1"},
        {"host": "db1", "area": "role", "key": "postgresql", "value": "not recorded"}]  # records nothing
    words = [undo.describe(x, lang) for x in record["not_undone"] for lang in ("en", "zh")]
    assert words[0] == "package chrony installed by the deploy (--packages removes it)"
    assert words[1].startswith("部署安装的软件包 chrony")
    assert "postgresql" in words[4] and "数据库" in words[5]


def test_a_hand_edit_is_a_refusal_exit_4_ranked_below_bad_input() -> None:
    assert Refused.of("error.rollback_refused", files="web1: /etc/hosts").exit_code == ExitCode.REFUSED == 4
    assert "4 refused" in HELP and "4 已拒绝" in HELP_ZH
    assert worst([ExitCode.REFUSED, ExitCode.UNREACHABLE]) == ExitCode.REFUSED
    assert worst([ExitCode.REFUSED, ExitCode.BAD_INPUT]) == ExitCode.BAD_INPUT


def test_a_run_that_is_not_a_recorded_deploy_is_bad_input(tmp_path: Path) -> None:
    check = tmp_path / "20261203-010000.000000-check"
    check.mkdir()
    write_record(check, "check", {})
    (check / "result.json").write_text('{"results": [], "hosts": []}')
    bare = tmp_path / "20261203-020000.000000-deploy"
    bare.mkdir()
    write_record(bare, "deploy", {"check_mode": True})
    for run, words in ((check, "is not one of deploy"), (bare, "recorded nothing to roll back"),
                       (tmp_path / "nowhere", "no such run directory")):
        result = CliRunner().invoke(cli, ["rollback", str(run), "--lang", "en"])
        assert result.exit_code == ExitCode.BAD_INPUT and crash(result) is None, result.output
        assert words in result.output and str(run) in result.output
