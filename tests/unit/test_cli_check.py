"""`envcheck check` through click's CliRunner: exit codes, formats, bad input."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from tests.clirunner import crash


def _run(args: list[str], tmp_path: Path) -> tuple[int, str, str]:
    """Exit code, stdout, stderr of a run that raised nothing but its exit (no traceback)."""
    result = CliRunner().invoke(cli, [*args, "--runs-dir", str(tmp_path / "runs")])
    assert crash(result) is None, crash(result)
    return result.exit_code, result.stdout, result.stderr


def test_local_check_writes_the_json_schema_and_evidence(tmp_path: Path) -> None:
    code, out, err = _run(["check", "-c", "time", "--format", "json", "--lang", "zh"], tmp_path)
    assert code in (0, 1), out + err
    doc = json.loads(out)
    assert doc["tool"] == "envcheck" and doc["complete"] is True
    assert set(doc) >= {"tool", "version", "started", "finished", "hosts", "results"}
    assert doc["hosts"][0]["reachable"] is True
    assert {r["check"] for r in doc["results"]} >= {"time.timezone", "time.ntp_synchronized"}
    for r in doc["results"]:
        assert set(r) >= {"host", "check", "status", "severity", "expected", "found", "message", "fix"}
        assert r["status"] in ("pass", "fail", "warn", "skip", "error")
    failing = [r for r in doc["results"] if r["status"] == "fail"]
    assert code == (1 if failing else 0)
    run = next((tmp_path / "runs").iterdir())
    assert json.loads((run / "run.json").read_text())["complete"] is True
    assert json.loads((run / "result.json").read_text())["results"] == doc["results"]
    host_file = next((run / "hosts").iterdir())
    assert "time.zone" in json.loads(host_file.read_text())["probes"]


def test_junit_and_markdown_formats(tmp_path: Path) -> None:
    _, out, _ = _run(["check", "-c", "time.timezone", "--format", "junit"], tmp_path)
    assert out.startswith("<?xml") and "time.timezone" in out
    out_file = tmp_path / "r.md"
    _run(["check", "-c", "time", "--format", "markdown", "-o", str(out_file)], tmp_path)
    md = out_file.read_text()
    assert md.startswith("# envcheck") and "| Status | Host | Check |" in md
    assert any(line.startswith("| ") and "| time.timezone |" in line for line in md.splitlines())


def test_unknown_check_is_bad_input(tmp_path: Path) -> None:
    code, _, err = _run(["check", "-c", "no.such_check"], tmp_path)
    assert code == 2 and "no.such_check" in err


@pytest.mark.parametrize("content,fname", [
    ("all:\n  hosts:\n    web1: {ansible_host: 127.0.0.1\n", "bad.yml"),
    ("[web\nweb1 ansible_host=127.0.0.1\n", "bad.ini"),
])
def test_malformed_inventory_names_the_file(tmp_path: Path, content: str, fname: str) -> None:
    inv = tmp_path / fname
    inv.write_text(content)
    code, _, err = _run(["check", "-i", str(inv)], tmp_path)
    assert code == 2, err
    assert fname in err  # and _run saw no exception but the exit


def test_missing_inventory_and_empty_limit(tmp_path: Path) -> None:
    code, _, err = _run(["check", "-i", str(tmp_path / "nope.yml")], tmp_path)
    assert code == 2 and "nope.yml" in err
    inv = tmp_path / "hosts.yml"
    inv.write_text("all:\n  children:\n    web:\n      hosts:\n        web1: {ansible_host: 127.0.0.1}\n")
    code, _, err = _run(["check", "-i", str(inv), "--limit", "db"], tmp_path)
    assert code == 2 and "matches no host" in err


def test_invalid_standard_value_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text("standard_timezone: Asia/Beijing\n")
    inv = tmp_path / "hosts.yml"
    inv.write_text("all:\n  hosts:\n    web1: {ansible_host: 127.0.0.1}\n")
    code, _, err = _run(["check", "-i", str(inv)], tmp_path)
    assert code == 2 and "Asia/Beijing" in err


def test_unreachable_host_is_reported_and_exits_3(tmp_path: Path) -> None:
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    inv = tmp_path / "hosts.ini"
    inv.write_text("[db]\ndb1 ansible_host=127.0.0.1 ansible_port=1 ansible_user=nobody\n")
    code, out, err = _run(["check", "-i", str(inv), "--format", "json", "--timeout", "10"], tmp_path)
    assert code == 3, out + err
    host = json.loads(out)["hosts"][0]
    assert host["reachable"] is False and "refused" in host["error"]



def test_output_into_a_missing_folder_is_bad_input_before_any_host_is_contacted(
        tmp_path: Path, listener: socket.socket) -> None:
    inv = tmp_path / "hosts.ini"
    inv.write_text(f"[db]\ndb1 ansible_host=127.0.0.1 ansible_port={listener.getsockname()[1]} ansible_user=nobody\n")
    for spec in (str(tmp_path / "no" / "such" / "r.json"), f"junit:{tmp_path / 'missing' / 'r.xml'}"):
        code, _, err = _run(["check", "-i", str(inv), "--timeout", "5", "-o", str(tmp_path / "ok.json"),
                             "-o", spec], tmp_path)
        assert code == 2 and "does not exist" in err and "mkdir -p" in err, err
    assert not (tmp_path / "runs").exists() and not (tmp_path / "ok.json").exists()


def test_several_outputs_in_one_run_and_the_summary_still_printed(tmp_path: Path) -> None:
    xml, doc, md = tmp_path / "c.xml", tmp_path / "c.json", tmp_path / "c.md"
    code, out, err = _run(["check", "-c", "time.timezone", "--lang", "en", "-o", f"junit:{xml}", "-o", f"json:{doc}",
                           "-o", f"markdown:{md}"], tmp_path)
    assert xml.read_text().startswith("<?xml") and json.loads(doc.read_text())["verdict"]["ready"] is False
    assert md.read_text().startswith("# envcheck") and "**Verdict: Not ready:" in md.read_text()
    flat = " ".join(out.split())
    assert "Verdict: Not ready: 1 of" in flat and "checks run" in flat  # the terminal got the summary
    assert f"Written: {xml}" in err and f"Written: {doc}" in err
    code, out, err = _run(["check", "-c", "time.timezone", "--format", "junit", "-o", str(xml)], tmp_path)
    assert "Verdict" in out and "<?xml" not in out and xml.read_text().startswith("<?xml")
    code, out, err = _run(["check", "-c", "time.timezone", "--format", "json", "--lang", "zh"], tmp_path)
    assert code in (0, 1) and json.loads(out)["verdict"]["ready"] is False and "结论：未通过" in err  # stdout: JSON


@pytest.mark.parametrize("group_vars,words", [
    ("envcheck_waivers:\n  - {check: time.timezone, reason: r, expires: 2027-01-01}\n", "approver missing"),
    ("envcheck_checks: [time, no.such_check]\n", "no.such_check"),
])
def test_bad_waivers_or_declared_checks_in_the_inventory_before_any_host(
        tmp_path: Path, listener: socket.socket, group_vars: str, words: str) -> None:
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text(group_vars)
    inv = tmp_path / "hosts.yml"
    inv.write_text(f"all:\n  hosts:\n    db1: {{ansible_host: 127.0.0.1, ansible_port: {listener.getsockname()[1]}}}\n")
    code, _, err = _run(["check", "-i", str(inv), "--timeout", "5"], tmp_path)
    assert code == 2 and words in err, err


def test_a_probe_out_of_its_time_is_told_what_lengthens_it(tmp_path: Path) -> None:
    """A site command over its entry's `timeout` (a real probe on this machine): the hint says to
    raise that `timeout`, not --timeout (the host's session), which never lengthened a probe."""
    inv = tmp_path / "hosts.yml"
    inv.write_text("all:\n  hosts:\n    localhost: {ansible_connection: local}\n  vars:\n    site_checks:\n"
                   "      - {id: slow, type: command, command: 'sleep 20', timeout: 1, title: {en: Slow, zh: 慢}}\n")
    for lang, words in (("en", "a larger `timeout` in its site_checks entry"), ("zh", "加大该项的 `timeout`")):
        code, out, err = _run(["check", "-i", str(inv), "-c", "site", "--lang", lang], tmp_path)
        flat = " ".join(out.split())
        assert code == 1 and words in flat and "site.slow" in flat, out + err
        assert "larger --timeout" not in flat and "加大 --timeout" not in flat
