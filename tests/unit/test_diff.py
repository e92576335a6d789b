"""envcheck diff on run directories written as a snapshot run writes them: pairing, the
rules of expected differences, the outputs and exit codes (the lab tests read real hosts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.runs import new_run_dir, write_json, write_record
from tests.clirunner import crash

SHA = "a" * 64


def probes(**changes: str) -> dict[str, dict[str, Any]]:
    """Raw probe outputs of one host, in the probes' own formats."""
    out = {
        "snapshot.packages": "nginx\t1.22.1-9\ntzdata\t2026b-0+deb12u1\n",
        "snapshot.services": "== enabled ==\nnginx.service\nssh.service\n== installable ==\nnginx.service\n"
                             "ssh.service\n== units ==\nnginx.service loaded active running nginx\n"
                             "ssh.service loaded active running OpenBSD Secure Shell server\n",
        "snapshot.sysctl": "./vm/swappiness:10\n./kernel/hostname:web1\n./fs/file-nr:1\t0\t9\n",
        "snapshot.files": f"A /etc/yum.conf\nS 120 /etc/nginx/nginx.conf\nS 5 /etc/hostname\n"
                          f"{SHA}  /etc/nginx/nginx.conf\n{SHA}  /etc/hostname\n",
        "snapshot.jvm": "== tomcat10.service ==\n/usr/bin/java\n-Xmx512m\n-Dfile.encoding=UTF-8\n"
                        "-XX:+UseG1GC\norg.apache.catalina.startup.Bootstrap\nstart\n",
        "snapshot.ports": 'LISTEN 0 511 0.0.0.0:80 0.0.0.0:* users:(("nginx",pid=10,fd=6))\n',
    }
    out.update(changes)
    return {k: {"rc": 0, "stdout": v, "stderr": ""} for k, v in out.items()}


def run_dir(base: Path, hosts: list[tuple[str, str, dict[str, Any]]], kind: str = "snapshot") -> Path:
    path = new_run_dir(kind, base)
    (path / "hosts").mkdir()
    write_record(path, kind, {"hosts": [h[0] for h in hosts], "complete": True})
    for name, group, raw in hosts:
        write_json(path / "hosts" / f"{name}.json", {"name": name, "address": "127.0.0.1", "groups": [group],
                                                      "reachable": True, "error": None, "probes": raw})
    return path


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(cli, ["diff", *args, "--lang", "en"])
    assert crash(result) is None, crash(result)
    return result


def test_the_same_host_twice_differs_in_nothing(tmp_path: Path) -> None:
    a = run_dir(tmp_path, [("web1", "web", probes())])
    b = run_dir(tmp_path, [("web1", "web", probes(**{"snapshot.sysctl": "./vm/swappiness:10\n"
                                                        "./kernel/hostname:web1\n./fs/file-nr:7\t0\t9\n"}))])
    result = invoke(str(a), str(b), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["pairs"][0]["differences"] == [] and data["pairs"][0]["ignored"] == 1


def test_differences_name_area_item_and_both_values(tmp_path: Path) -> None:
    a = run_dir(tmp_path, [("web1", "web", probes())])
    edited = probes(**{
        "snapshot.files": f"S 121 /etc/nginx/nginx.conf\nS 5 /etc/hostname\n{'b' * 64}  /etc/nginx/nginx.conf\n"
                          f"{SHA}  /etc/hostname\n",
        "snapshot.services": "== enabled ==\nssh.service\n== installable ==\nnginx.service\nssh.service\n"
                             "== units ==\nnginx.service loaded inactive dead nginx\n"
                             "ssh.service loaded active running OpenBSD Secure Shell server\n",
        "snapshot.ports": "",
    })
    b = run_dir(tmp_path, [("web1", "web", edited)])
    result = invoke(str(a), str(b), "--format", "json")
    assert result.exit_code == 1
    diffs = json.loads(result.output)["pairs"][0]["differences"]
    assert diffs == [
        {"area": "files", "item": "files/etc/nginx/nginx.conf", "a": f"sha256:{SHA} 120 bytes",
         "b": f"sha256:{'b' * 64} 121 bytes"},
        {"area": "services", "item": "services/nginx", "a": "enabled active/running", "b": "disabled inactive/dead"},
        {"area": "ports", "item": "ports/tcp/80", "a": "nginx *", "b": None},
    ]
    table = invoke(str(a), str(b)).output
    assert "[files]" in table and "sha256:aaaaaaaaaaaa…" in table and "(not there)" in table


def test_inventories_pair_by_group_and_order_and_name_hosts_on_one_side(tmp_path: Path) -> None:
    a = run_dir(tmp_path, [("web1", "web", probes()), ("db1", "db", probes()), ("web2", "web", probes())])
    b = run_dir(tmp_path, [("p-db1", "db", probes()),
                           ("p-web1", "web", probes(**{"snapshot.sysctl": "./vm/swappiness:30\n"}))])
    data = json.loads(invoke(str(a), str(b), "--format", "json").output)
    pairs = {(p["a"], p["b"]): p["differences"] for p in data["pairs"]}
    assert set(pairs) == {("web1", "p-web1"), ("db1", "p-db1")}
    assert [d["item"] for d in pairs[("web1", "p-web1")]] == ["sysctl/vm.swappiness"]
    assert data["only_a"] == ["web2"] and data["only_b"] == [] and data["unreachable"] == []


def test_a_map_pairs_by_name_and_user_rules_add_to_the_shipped(tmp_path: Path) -> None:
    a = run_dir(tmp_path, [("web1", "web", probes()), ("web2", "web", probes(**{"snapshot.sysctl": "./x:2\n"}))])
    b = run_dir(tmp_path, [("w-a", "web", probes()), ("w-b", "web", probes(**{"snapshot.sysctl": "./x:1\n"}))])
    (tmp_path / "map.yml").write_text("web1: w-b\nweb2: w-a\n")
    (tmp_path / "rules.yml").write_text("ignore:\n  - {item: 'sysctl/x', why: tuning of the test}\n")
    mapped = json.loads(invoke(str(a), str(b), "--map", str(tmp_path / "map.yml"), "--format", "json").output)
    assert [(p["a"], p["b"]) for p in mapped["pairs"]] == [("web1", "w-b"), ("web2", "w-a")]
    assert all(p["differences"] for p in mapped["pairs"])
    result = invoke(str(a), str(b), "--ignore", str(tmp_path / "rules.yml"))
    assert result.exit_code == 0, result.output


def test_markdown_html_and_chinese(tmp_path: Path) -> None:
    a = run_dir(tmp_path, [("web1", "web", probes())])
    b = run_dir(tmp_path, [("web1", "web", probes(**{"snapshot.packages": "nginx\t1.22.1-9+deb12u1\n"
                                                        "tzdata\t2026b-0+deb12u1\n"}))], kind="check")
    md = invoke(str(a), str(b), "--format", "markdown").output
    assert "| packages | packages/nginx | 1.22.1-9 | 1.22.1-9+deb12u1 |" in md
    html = invoke(str(a), str(b), "--format", "html", "-o", str(tmp_path / "diff.html")).stdout
    assert '<section id="diff">' in html and (tmp_path / "diff.html").read_text() == html
    zh = CliRunner().invoke(cli, ["diff", str(a), str(b), "--lang", "zh"])
    assert "处差异" in zh.output and zh.exit_code == 1


@pytest.mark.parametrize("args, words", [
    (["nosuchhost", "web2"], "not a run directory"),
    (["RUN", "RUN", "--ignore", "NOFILE"], "does not exist"),
    (["RUN", "RUN", "--map", "BADMAP"], "expected a mapping"),
    (["RUN", "DEPLOY"], "kind"),
])
def test_bad_input_is_exit_2_naming_what(tmp_path: Path, args: list[str], words: str) -> None:
    run = run_dir(tmp_path, [("web1", "web", probes())])
    deploy = new_run_dir("deploy", tmp_path)
    write_record(deploy, "deploy", {})
    (tmp_path / "bad.yml").write_text("- just a list\n")
    names = {"RUN": str(run), "DEPLOY": str(deploy), "NOFILE": str(tmp_path / "none.yml"),
             "BADMAP": str(tmp_path / "bad.yml")}
    result = invoke(*[names.get(a, a) for a in args])
    assert result.exit_code == 2 and words in result.output


def test_an_unreachable_host_is_listed_and_exit_3(tmp_path: Path) -> None:
    a = run_dir(tmp_path, [("web1", "web", probes()), ("db1", "db", probes())])
    b = run_dir(tmp_path, [("web1", "web", probes()), ("db1", "db", probes())])
    record = json.loads((b / "hosts" / "db1.json").read_text())
    (b / "hosts" / "db1.json").write_text(json.dumps({**record, "reachable": False, "error": "timed out",
                                                      "probes": {}}))
    result = invoke(str(a), str(b), "--format", "json")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["unreachable"] == ["B:db1"] and [p["a"] for p in data["pairs"]] == ["web1"]
    assert data["only_a"] == [] and data["only_b"] == []  # db1's pair is not compared: B's is unreachable


def test_the_report_includes_a_diff_section_of_its_own_format_only(tmp_path: Path) -> None:
    a = run_dir(tmp_path / "a", [("web1", "web", probes())])
    b = run_dir(tmp_path / "b", [("web1", "web", probes(**{"snapshot.packages": "nginx\t1.22.1-10\n"}))])
    check = tmp_path / "20261203-100000.000000-check"
    (check / "hosts").mkdir(parents=True)
    write_record(check, "check", {"complete": True, "started": "2026-12-03T10:00:00"})
    write_json(check / "result.json", {"tool": "envcheck", "schema": 1, "complete": True, "lang": "en",
                                       "hosts": [{"name": "web1", "reachable": True, "error": None}], "results": []})
    for fmt, lang, words in (("html", "zh", "差异"), ("markdown", "en", "## Differences")):
        section = tmp_path / f"diff-{lang}.{fmt}"
        written = CliRunner().invoke(cli, ["diff", str(a), str(b), "--format", fmt, "-o", str(section), "--lang", lang])
        assert written.exit_code == 1, written.output
        result = CliRunner().invoke(cli, ["report", str(check), "--format", fmt, "--diff", str(section),
                                          "--lang", lang])
        assert crash(result) is None, crash(result)
        assert words in result.output and "1.22.1-10" in result.output, result.output
    wrong = CliRunner().invoke(cli, ["report", str(check), "--format", "markdown",
                                     "--diff", str(tmp_path / "diff-zh.html"), "--lang", "en"])
    assert wrong.exit_code == 2 and "diff-zh.html" in wrong.output and "--format markdown" in wrong.output


def test_site_checks_of_two_check_runs_are_compared(tmp_path: Path) -> None:
    """Two real check runs of this machine (no SSH) with a site check whose file appears between
    them: its status and what it found differ; `site/*/found` ignored keeps the status alone."""
    flag = tmp_path / "flag"
    inv = tmp_path / "hosts.yml"
    inv.write_text("all:\n  hosts:\n    localhost: {ansible_connection: local}\n  vars:\n    site_checks:\n"
                   f"      - {{id: flag, type: file, path: {flag}, title: {{en: Flag, zh: 标志}}}}\n")
    runs = []
    for _ in range(2):
        result = CliRunner().invoke(cli, ["check", "-i", str(inv), "-c", "site", "--runs-dir", str(tmp_path / "r")])
        assert crash(result) is None and result.exit_code in (0, 1), result.output
        runs.append(str(next(p for p in sorted((tmp_path / "r").iterdir()) if str(p) not in runs)))
        flag.write_text("on\n")
    result = invoke(*runs, "--format", "json")
    assert result.exit_code == 1, result.output
    pair = json.loads(result.output)["pairs"][0]
    assert pair["differences"] == [
        {"area": "site", "item": "site/flag/found", "a": "missing", "b": pair["differences"][0]["b"]},
        {"area": "site", "item": "site/flag/status", "a": "fail", "b": "pass"}], pair
    assert pair["differences"][0]["b"].startswith("file 6") and pair["differences"][0]["b"].endswith(" 3 B")
    rules = tmp_path / "ignore.yml"
    rules.write_text("ignore:\n  - {item: 'site/*/found', why: details}\n")
    pair = json.loads(invoke(*runs, "--format", "json", "--ignore", str(rules)).output)["pairs"][0]
    assert [d["item"] for d in pair["differences"]] == ["site/flag/status"] and pair["ignored"] == 1
