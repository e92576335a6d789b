"""Issue 5's "Done when" on the deployed 3-host site: `envcheck verify` passes on every host;
PostgreSQL stopped and Tomcat's URIEncoding removed fail the matching tests with messages
naming the host and the setting (put back afterwards); an unreachable host is exit 3; the
report is built from these real runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from defusedxml import ElementTree

from envcheck.cli import cli
from tests.lab import faults
from tests.lab.site import Site

pytestmark = [pytest.mark.lab, pytest.mark.slow]
SERVER_XML = "/etc/tomcat10/server.xml"
BACKUP = "/root/server.xml.envcheck-test"


# systemctl returns before Tomcat listens: wait for it (up to 90 s) before going on.
RESTART_TOMCAT = ("systemctl restart tomcat10 && for i in $(seq 180); do "
                  "curl -s -o /dev/null http://127.0.0.1:8080/ && exit 0; sleep 0.5; done; exit 1")


def envcheck(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def last_run(runs: Path, kind: str) -> tuple[Path, dict[str, Any]]:
    path = max(runs.glob(f"*-{kind}"))
    return path, json.loads((path / "run.json").read_text())


def test_verify_passes_on_every_host(site: Site, tmp_path: Path) -> None:
    code, out = envcheck("verify", "-i", str(site.inventory), "--runs-dir", str(tmp_path))
    path, run = last_run(tmp_path, "verify")
    failed = [(t["host"], t["test"], t["message"]) for t in run["tests"] if t["outcome"] != "passed"]
    assert code == 0 and failed == [], (out, failed)
    suites = {h["name"]: h["suites"] for h in run["hosts"]}
    assert suites == {site.host("web"): ["baseline", "nginx"], site.host("app"): ["baseline", "tomcat"],
                      site.host("db"): ["baseline", "postgresql", "mysql"]}
    assert all(h["passed"] >= 10 and h["failed"] == 0 for h in run["hosts"]), run["hosts"]
    junit = ElementTree.parse(path / "junit.xml").getroot()
    suite = junit if junit.tag == "testsuite" else junit.find("testsuite")
    assert suite is not None and int(suite.get("failures")) == 0 and int(suite.get("errors")) == 0
    assert int(suite.get("tests")) == len(run["tests"]) > 50


def test_faults_fail_the_matching_tests_naming_host_and_setting(site: Site, tmp_path: Path) -> None:
    lab, app, db = site.lab, site.host("app"), site.host("db")
    faults.run(lab, app, f"cp -p {SERVER_XML} {BACKUP} && sed -i 's/ URIEncoding=\"[^\"]*\"//' {SERVER_XML} "
                         f"&& {RESTART_TOMCAT}")
    faults.stop_service(lab, db, "postgresql")
    try:
        code, out = envcheck("verify", "-i", str(site.inventory), "--limit", f"{app}:{db}",
                             "--role", "postgresql", "--role", "tomcat", "--runs-dir", str(tmp_path))
        checked, _ = envcheck("check", "-i", str(site.inventory), "--limit", f"{app}:{db}",
                              "--format", "json", "--runs-dir", str(tmp_path))
    finally:
        faults.run(lab, app, f"mv {BACKUP} {SERVER_XML} && {RESTART_TOMCAT}")
        faults.start_service(lab, db, "postgresql")
    assert code == 1 and checked == 1, out
    _, run = last_run(tmp_path, "verify")
    failed = {(t["host"], t["test"].split("[")[0]): t["message"] for t in run["tests"] if t["outcome"] == "failed"}
    uri = failed.pop((app, "test_connectors_uri_encoding"))
    assert uri == (f"{app}: {SERVER_XML} Connector port 8080 URIEncoding (standard_tomcat_uri_encoding): "
                   "found None, the standard says 'UTF-8'")
    stopped = failed.pop((db, "test_installed_and_running"))
    assert stopped == f"{db}: service postgresql running: found False, the standard says True"
    # The SQL probes cannot run on a stopped server: they fail too, naming the host.
    assert failed and all(host == db and msg.startswith(f"{db}: ") for (host, _), msg in failed.items()), failed
    assert {t["test"].split("[")[0] for t in run["tests"] if t["host"] == app and t["outcome"] == "passed"} >= {
        "test_jvm_settings_of_the_running_service", "test_chinese_file_name_and_content"}

    # The report from these real runs: every failure with its fix hint, the fleet matrix.
    report = tmp_path / "report.html"
    code, out = envcheck("report", "--runs-dir", str(tmp_path), "-o", str(report), "--lang", "en")
    html = report.read_text(encoding="utf-8")
    assert code == 1 and "Not ready" in out, out  # failures (and no check run): the exit says so
    assert "URIEncoding (standard_tomcat_uri_encoding)" in html and "service postgresql running" in html
    assert f"envcheck deploy middleware --limit {app}" in html
    assert "tomcat.uri_encoding" in html and "Asia/Shanghai" in html


def test_an_unreachable_host_is_exit_3_and_the_others_are_verified(site: Site, tmp_path: Path) -> None:
    inventory = yaml.safe_load(site.inventory.read_text())
    web = site.host("web")
    ghost = dict(inventory["all"]["children"]["web"]["hosts"][web], ansible_host="127.0.51.99")
    inventory["all"]["children"]["web"]["hosts"]["ghost1"] = ghost
    copy = site.inventory.parent / "hosts-with-ghost.yml"  # beside group_vars/, which it needs
    copy.write_text(yaml.safe_dump(inventory))
    try:
        code, out = envcheck("verify", "-i", str(copy), "--limit", f"{web}:ghost1", "--role", "baseline",
                             "--runs-dir", str(tmp_path))
    finally:
        copy.unlink()
    assert code == 3, out
    _, run = last_run(tmp_path, "verify")
    hosts = {h["name"]: h for h in run["hosts"]}
    assert not hosts["ghost1"]["reachable"] and hosts["ghost1"]["error"]
    assert hosts[web]["reachable"] and hosts[web]["passed"] >= 10 and hosts[web]["failed"] == 0
    assert "ghost1: UNREACHABLE" in out


def test_a_latin1_uri_encoding_loses_the_chinese_file(site: Site, tmp_path: Path) -> None:
    # The functional probe itself, not only the file check: Tomcat decoding paths as
    # ISO-8859-1 cannot find a file named in Chinese.
    lab, app = site.lab, site.host("app")
    faults.run(lab, app, f"cp -p {SERVER_XML} {BACKUP} && sed -i 's/URIEncoding=\"UTF-8\"/URIEncoding=\"ISO-8859-1\"/' "
                         f"{SERVER_XML} && {RESTART_TOMCAT}")
    try:
        code, out = envcheck("verify", "-i", str(site.inventory), "--limit", app, "--role", "tomcat",
                             "--runs-dir", str(tmp_path))
    finally:
        faults.run(lab, app, f"mv {BACKUP} {SERVER_XML} && {RESTART_TOMCAT}")
    _, run = last_run(tmp_path, "verify")
    failed = {t["test"].split("[")[0]: t["message"] for t in run["tests"] if t["outcome"] == "failed"}
    assert code == 1 and set(failed) == {"test_connectors_uri_encoding", "test_chinese_file_name_and_content"}, out
    assert failed["test_chinese_file_name_and_content"].startswith(
        f"{app}: HTTP status of a file named 张磊的病历 (URIEncoding, standard_tomcat_uri_encoding): found '404'")
