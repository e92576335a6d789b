"""`envcheck report` on run directories laid out as check, verify and deploy write them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from tests.clirunner import crash


def _write(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _result(host: str, check: str, status: str, found: Any, expected: Any, message: str = "",
            severity: str = "critical") -> dict[str, Any]:
    return {"host": host, "check": check, "title": "t", "status": status, "severity": severity,
            "expected": expected, "found": found, "message": message, "fix": "run-lang fix"}


CHECKED = ["time.timezone", "locale.system_lang", "postgresql.server_encoding", "mysql.character_set_server",
           "fleet.timezone"]
INVENTORY = "inventories/site/hosts.yml"


def make_check(base: Path, stamp: str, timezone_db1: str = "Etc/UTC", inventory: str = INVENTORY,
               site: dict[str, str] | None = None) -> Path:
    path = base / f"{stamp}-check"
    hosts = [{"name": "web1", "reachable": True, "error": None, "clock_offset_ms": 0.4},
             {"name": "db1", "reachable": True, "error": None, "clock_offset_ms": -12.25}]
    scope = {"inventory": [inventory], "inventory_paths": [str(Path(inventory).resolve())], "limit": None,
             "selection": [], "checks_run": CHECKED, "checks_required": CHECKED, "declared": False,
             "site": {"timezone": "Asia/Shanghai", "max_clock_offset_ms": "500.0", **(site or {})}, "waivers": []}
    _write(path / "run.json", {"kind": "check", "complete": True, "started": "2026-11-27T10:00:00+00:00",
                               "inventory": [inventory], "inventory_paths": scope["inventory_paths"],
                               "hosts": [h["name"] for h in hosts], "scope": scope})
    results = [
        _result("web1", "time.timezone", "pass", "Asia/Shanghai", "Asia/Shanghai"),
        _result("db1", "time.timezone", "fail", timezone_db1, "Asia/Shanghai",
                f"timezone is {timezone_db1}, expected Asia/Shanghai"),
        _result("web1", "locale.system_lang", "pass", "zh_CN.UTF-8", "zh_CN.UTF-8"),
        _result("db1", "locale.system_lang", "pass", "zh_CN.UTF-8", "zh_CN.UTF-8"),
        _result("db1", "postgresql.server_encoding", "pass", "UTF8", "UTF8"),
        _result("db1", "mysql.character_set_server", "fail", "latin1", "utf8mb4", "server charset is latin1"),
        _result("web1", "postgresql.server_encoding", "skip", None, "UTF8"),
        _result(None, "fleet.timezone", "fail", {"Asia/Shanghai": ["web1"], timezone_db1: ["db1"]},
                "one zone", "hosts disagree"),
    ]
    _write(path / "result.json", {"tool": "envcheck", "schema": 1, "complete": True, "lang": "en",
                                  "hosts": hosts, "results": results, "pending": [], "scope": scope})
    for h in hosts:
        _write(path / "hosts" / f"{h['name']}.json", h | {"probes": {}})
    return path


def make_verify(base: Path, stamp: str) -> Path:
    path = base / f"{stamp}-verify"
    tests = [{"host": "web1", "role": "nginx", "test": "test_site_settings[web1]", "outcome": "passed",
              "message": "", "seconds": 0.1},
             {"host": "db1", "role": "postgresql", "test": "test_installed_and_running[db1]", "outcome": "failed",
              "message": "db1: service postgresql running: found False, the standard says True", "seconds": 0.2}]
    _write(path / "run.json", {"kind": "verify", "complete": True, "started": "2026-11-27T10:05:00+00:00",
                               "inventory": [INVENTORY], "inventory_paths": [str(Path(INVENTORY).resolve())],
                               "hosts": [{"name": "web1", "suites": ["baseline", "nginx"], "reachable": True,
                                          "error": None, "passed": 1, "failed": 0, "skipped": 0},
                                         {"name": "db1", "suites": ["baseline", "postgresql"], "reachable": True,
                                          "error": None, "passed": 0, "failed": 1, "skipped": 0}],
                               "tests": tests})
    return path


def make_deploy(base: Path, stamp: str, playbook: str = "site") -> Path:
    path = base / f"{stamp}-deploy"
    _write(path / "run.json", {"kind": "deploy", "playbook": playbook, "tags": ["timezone"], "check_mode": False,
                               "inventory": [INVENTORY], "inventory_paths": [str(Path(INVENTORY).resolve())],
                               "started": f"2026-11-27T{stamp[9:11]}:00:00+00:00", "status": "successful",
                               "complete": True, "operator": "wang",
                               "hosts": [{"name": "db1", "ok": 30, "changed": 7, "failed": 0, "unreachable": 0,
                                          "skipped": 2, "failed_tasks": []}]})
    return path


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    base = tmp_path / "runs"
    make_check(base, "20261127-090000", timezone_db1="America/New_York")  # older: must not be used
    make_check(base, "20261127-100000")
    make_verify(base, "20261127-100500")
    make_deploy(base, "20261127-080000", "server")
    make_deploy(base, "20261127-090000", "site")
    return base


def report(*args: str) -> tuple[int, str]:
    """Exit code and output of `envcheck report`, which never raises but its exit."""
    result = CliRunner().invoke(cli, ["report", *args])
    assert crash(result) is None, crash(result)
    return result.exit_code, result.output


def test_html_holds_findings_with_fixes_the_matrix_history_and_sign_off(runs: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, text = report("--runs-dir", str(runs), "-o", str(out), "--lang", "en")
    assert code == 1, text  # not Ready: the exit says so, for CI
    assert "Verdict: Not ready: 3 failed; 1 open items of verify or deploy" in text
    html = out.read_text(encoding="utf-8")
    assert html.count('<tr class="failure">') == 4  # 3 checks (fail) + 1 verify test, one row each
    assert '<span class="who">db1</span>: service postgresql running: found False' in html
    assert "envcheck deploy database --limit db1" in html  # the verify failure's fix hint
    assert "<code>timedatectl set-timezone &lt;zone&gt;</code>" in html  # the catalogue's hint, as code
    assert "`" not in html.split("<body>")[1]  # no backtick shown literally
    # The fleet matrix comes from the latest check only.
    assert "America/New_York" not in html
    assert re.search(r'<td><strong>db1</strong></td><td><code class="id">Etc/UTC</code></td>'
                     r'<td><code class="id">zh_CN.UTF-8</code></td><td><code class="id">UTF8</code></td>'
                     r'<td><code class="id">latin1</code></td>', html)
    assert "-12.2 ms" in html and "+0.4 ms" in html
    assert html.index(">server<") < html.index(">site<")  # deployment history, oldest first
    assert "Sign-off" in html and "Customer representative" in html
    assert "@media print" in html
    # The coverage on the first screen, before every finding; times in the site's zone.
    assert html.index('id="coverage"') < html.index('id="failures"')
    assert "hosts: 2 of 2 answered" in html and "checks: 5 of 5 run (the whole catalogue)" in html
    assert "inventory: inventories/site/hosts.yml" in html and "20261127-100000-check" in html
    assert "2026-11-27 18:00 +08:00" in html and "Times in Asia/Shanghai" in html
    assert '<svg id="clock-svg"' in html and html.count('class="offset"') == 2
    # Self-contained: no external stylesheet, script, image or font.
    assert not re.search(r"<(link|script|img)\b|url\(|https?://(?!www\.w3\.org/2000/svg)", html)


def test_chinese_report_uses_the_catalogue_in_chinese(runs: Path) -> None:
    code, html = report("--runs-dir", str(runs), "--lang", "zh")
    assert code == 1
    assert '<html lang="zh-CN">' in html and "上线前环境验收报告" in html and "签字确认" in html
    assert "全局对比" in html and "修复建议" in html and "覆盖范围" in html and "已接受的风险" in html
    assert "未通过：3 项未通过" in html  # on standard error, after the document
    assert "run-lang fix" not in html  # fix hints in the report's language, not the run's


def test_markdown_for_a_ticket(runs: Path) -> None:
    code, md = report("--runs-dir", str(runs), "--format", "markdown")
    assert code == 1
    assert md.startswith("# Pre-go-live environment report")
    assert "| db1 | Etc/UTC | zh_CN.UTF-8 | UTF8 | latin1 |" in md
    assert "| `postgresql` failed (verify) test_installed_and_running | critical | db1 |" in md
    assert "<" not in md.replace("<zone>", "").replace("<locale>", "").replace("<br>", "")


def test_named_run_directories_only(runs: Path) -> None:
    code, html = report(str(runs / "20261127-090000-check"), "--lang", "en")
    assert code == 1
    assert "America/New_York" in html
    assert "No deployment recorded." in html and "service postgresql" not in html


def test_a_clean_fleet_is_ready_and_warnings_are_listed(tmp_path: Path) -> None:
    base = tmp_path / "runs"
    path = make_check(base, "20261127-100000")
    doc = json.loads((path / "result.json").read_text())
    doc["results"] = [r | {"status": "pass"} for r in doc["results"]]
    doc["results"].append(_result("db1", "resources.swap", "warn", "none", None, "no swap configured", "info"))
    (path / "result.json").write_text(json.dumps(doc))
    code, html = report("--runs-dir", str(base), "--lang", "en")
    assert code == 0 and "Ready: the run is complete, every host answered, every check ran, nothing failed" in html
    assert html.count('<tr class="failure warning">') == 1 and "no swap configured" in html
    doc["results"][0]["status"] = "fail"
    (path / "result.json").write_text(json.dumps(doc))
    code, html = report("--runs-dir", str(base), "--lang", "en")
    assert code == 1 and "Not ready: 1 failed" in html


@pytest.mark.parametrize("damage", ["missing", "no_run_json", "corrupt_run_json", "no_result",
                                    "corrupt_result", "unknown_kind", "unfinished_verify"])
def test_a_missing_or_corrupt_run_directory_is_exit_2(runs: Path, damage: str) -> None:
    check = runs / "20261127-100000-check"
    verify = runs / "20261127-100500-verify"
    target = check
    if damage == "missing":
        target = runs / "20261127-999999-check"
    elif damage == "no_run_json":
        (check / "run.json").unlink()
    elif damage == "corrupt_run_json":
        (check / "run.json").write_text('{"kind": "check", "compl')
    elif damage == "no_result":
        (check / "result.json").unlink()
    elif damage == "corrupt_result":
        (check / "result.json").write_bytes(b"\xff\xfe garbage")
    elif damage == "unknown_kind":
        (check / "run.json").write_text('{"kind": "backup"}')
    elif damage == "unfinished_verify":
        (verify / "run.json").write_text(json.dumps({"kind": "verify", "complete": False, "inventory": [INVENTORY]}))
        target = verify
    code, text = report(str(target))
    assert code == 2, text
    assert str(target) in text  # and report() saw no exception but the exit
    code, text = report("--runs-dir", str(runs))  # the same run found as the latest
    assert code == (2 if damage != "missing" else 1), text


def test_no_runs_at_all_is_exit_2(tmp_path: Path) -> None:
    code, text = report("--runs-dir", str(tmp_path / "nothing"))
    assert code == 2 and "nothing" in text
    (tmp_path / "empty").mkdir()
    code, text = report("--runs-dir", str(tmp_path / "empty"))
    assert code == 2 and "no check, verify or deploy run" in text


def test_two_check_runs_named_is_exit_2(runs: Path) -> None:
    code, text = report(str(runs / "20261127-090000-check"), str(runs / "20261127-100000-check"))
    assert code == 2 and "at most one check run" in text


def test_an_unreachable_host_and_a_failed_deployment_are_open_items(runs: Path) -> None:
    verify = runs / "20261127-100500-verify" / "run.json"
    doc = json.loads(verify.read_text())
    doc["hosts"].append({"name": "app1", "suites": ["baseline", "tomcat"], "reachable": False,
                         "error": "ssh: connect to host 127.0.0.12 port 22: Connection refused"})
    verify.write_text(json.dumps(doc))
    deploy = make_deploy(runs, "20261127-110000", "middleware") / "run.json"
    doc = json.loads(deploy.read_text())
    doc["hosts"][0] |= {"failed": 1, "failed_tasks": ["Install Nginx: No package matching 'nginx'"]}
    deploy.write_text(json.dumps(doc))
    code, md = report("--runs-dir", str(runs), "--format", "markdown", "--lang", "en")
    assert code == 1
    assert ("| `ssh` unreachable (verify) | critical | app1 | app1: ssh: connect to host 127.0.0.12 port 22: "
            "Connection refused |") in md
    assert "Make the host reachable over SSH" in md
    assert ("| `deploy middleware` failed (deploy) | critical | db1 | db1: Install Nginx: No package matching "
            "'nginx' |") in md
    assert "| app1 | no (ssh: connect" in md
    # app1 unreachable in verify, db1's failed test, db1's failed task
    assert "Not ready: 3 failed; 3 open items of verify or deploy" in md


def test_dry_run_deploys_are_shown_as_such_and_are_no_open_items(runs: Path) -> None:
    dry = make_deploy(runs, "20261127-110000", "middleware") / "run.json"
    doc = json.loads(dry.read_text())
    doc["check_mode"] = True
    doc["hosts"][0] |= {"failed": 1, "failed_tasks": ["Install Nginx: would fail"]}
    dry.write_text(json.dumps(doc))
    code, html = report("--runs-dir", str(runs), "--lang", "en")
    assert code == 1 and '<tr class="dry-run">' in html and "dry run: nothing was changed" in html
    assert "Install Nginx: would fail" not in html.split('id="deploys"')[0]  # not a finding
    assert "open items of verify or deploy" in html and "1 open items" in html  # the verify test only


def test_report_by_site_name_and_never_another_inventory(tmp_path: Path) -> None:
    base = tmp_path / "runs"
    make_check(base, "20261127-100000", inventory="inventories/east/hosts.yml", site={"site": "east"})
    west = make_check(base, "20261127-110000", timezone_db1="America/New_York", inventory="inventories/west/hosts.yml",
                      site={"site": "west"})
    make_verify(base, "20261127-120000")  # the newest verify run: of a third inventory
    code, html = report("--runs-dir", str(base), "--site", "east", "--lang", "en")
    assert "inventories/east/hosts.yml" in html and "America/New_York" not in html and "west" not in html
    code, html = report("--runs-dir", str(base), "--lang", "en")  # the newest check's inventory
    assert str(west.name) in html and "inventories/east" not in html
    assert "service postgresql" not in html and "-verify" not in html  # that verify run is not west's
    code, html = report("--runs-dir", str(base), "-i", "inventories/east/hosts.yml", "--lang", "en")
    assert "inventories/east/hosts.yml" in html and "America/New_York" not in html
    code, text = report("--runs-dir", str(base), "--site", "north")
    assert code == 2 and "no check run of site 'north'" in text and "east, west" in text


def test_metadata_from_options_and_a_missing_output_folder(runs: Path, tmp_path: Path) -> None:
    code, html = report("--runs-dir", str(runs), "--customer", "华东医院", "--environment", "PROD", "--lang", "zh")
    assert '<table class="meta-table" id="meta">' in html and "华东医院" in html and "PROD" in html
    code, text = report("--runs-dir", str(tmp_path / "nothing"), "-o", str(tmp_path / "no" / "r.html"))
    assert code == 2 and "-o" in text and "does not exist" in text  # checked first, before the runs
