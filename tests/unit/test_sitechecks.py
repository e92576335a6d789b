"""Site checks (envcheck.sitechecks): a malformed spec refused naming file, entry and field,
before any host is contacted; a hostile value cannot change the probe script (property test,
the commands run by a real sh); the parsers and evaluations on real output of a Debian host."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envcheck.audit.probe import build_script, split_output
from envcheck.cli import cli
from envcheck.errors import BadInput
from envcheck.model import ProbeOutput, Status
from envcheck.output.values import human
from envcheck.sitechecks import SiteChecks, for_host
from envcheck.sitechecks.spec import MAX_TOLD, parse_host
from envcheck.sitechecks.versions import compare, satisfies
from tests.clirunner import crash

TITLE = {"en": "t", "zh": "检查"}


def _entry(**fields: Any) -> dict[str, Any]:
    return {"id": "x", "title": TITLE, **fields}


def _parse(*entries: dict[str, Any]) -> SiteChecks:
    return SiteChecks(parse_host({"site_checks": list(entries)}, lambda v: f"group_vars/{v}.yml"))


@pytest.mark.parametrize("entry,field,words", [
    (_entry(type="file", path="etc/hosts"), "path", "not an absolute path"),
    (_entry(type="file", path="/etc/hosts", mode=416), "mode", "octal mode in quotes"),
    (_entry(type="port", port=70000), "port", "whole number from 1 to 65535"),
    (_entry(type="package"), "name", "missing"),
    (_entry(type="service", name="ssh", colour="red"), "colour", "unknown field"),
    (_entry(type="disk", path="/"), "type", "is not one of"),
    (_entry(type="file", path="/x", contains="(["), "contains", "not a regular expression"),
    ({"id": "x", "type": "file", "path": "/x", "title": "only English"}, "title", "en and zh"),
    (_entry(type="mount", path="/data", min_size="lots"), "min_size", "size such as 500G"),
    (_entry(id="Bad Name", type="file", path="/x"), "id", "not a name"),
])
def test_a_malformed_entry_names_file_entry_and_field(entry: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_host({"site_checks_db": [_entry(type="file", path="/ok", id="fine"), entry]},
                   lambda v: f"inv/group_vars/{v}.yml")
    text = caught.value.text
    assert text.en.startswith("inv/group_vars/site_checks_db.yml: site_checks_db[2]"), text.en
    assert f"field {field}:" in text.en and words in text.en, text.en
    assert f"字段 {field}" in text.zh


def test_lists_of_every_suffix_are_merged_and_a_name_taken_twice_is_refused() -> None:
    merged = parse_host({"site_checks": [_entry(id="a", type="file", path="/a")],
                         "site_checks_web": [_entry(id="b", type="file", path="/b")], "other": 1}, str)
    assert [e.id for e in merged] == ["site.a", "site.b"]
    with pytest.raises(BadInput, match="already taken by site_checks"):
        parse_host({"site_checks": [_entry(id="a", type="file", path="/a")],
                    "site_checks_web": [_entry(id="a", type="file", path="/b")]}, str)



def test_every_malformed_entry_is_told_in_one_go() -> None:
    """A checklist typed in by hand: its faults in one message, one a line, not one run each."""
    spec = {"site_checks": [_entry(id="a", type="file", path="rel"), _entry(id="ok", type="file", path="/ok"),
                            _entry(id="b", type="port", port=0), _entry(id="a", type="file", path="/a")],
            "site_checks_web": "not a list"}
    with pytest.raises(BadInput) as caught:
        parse_host(spec, lambda v: f"gv/{v}.yml")
    en, zh = caught.value.text.en.splitlines(), caught.value.text.zh.splitlines()
    assert en[0] == "4 site_checks entries are malformed (nothing was run):" and zh[0].startswith("4 个"), en
    assert en[1:] == ["  gv/site_checks.yml: site_checks[1] (a), field path: 'rel' is not an absolute path",
                      "  gv/site_checks.yml: site_checks[3] (b), field port: expected a whole number from 1 to "
                      "65535, found 0",
                      "  gv/site_checks.yml: site_checks[4]: the name a is already taken by site_checks[1]",
                      "  gv/site_checks_web.yml: site_checks_web must be a list of checks, not a str"], en
    many = {"site_checks": [_entry(id=f"e{i}", type="port", port=0) for i in range(MAX_TOLD + 5)]}
    with pytest.raises(BadInput) as caught:
        parse_host(many, str)
    lines = caught.value.text.en.splitlines()
    assert lines[0].startswith(f"{MAX_TOLD + 5} site_checks") and len(lines) == MAX_TOLD + 2, lines
    assert lines[-1] == "  ... and 5 more" and caught.value.text.zh.splitlines()[-1] == "  ……另有 5 项"


def test_check_refuses_a_malformed_spec_before_any_host_is_contacted(tmp_path: Path,
                                                                       listener: socket.socket) -> None:
    (tmp_path / "group_vars").mkdir()
    bad = [_entry(id="data_disk", type="mount", path="/data", min_size="big")]
    (tmp_path / "group_vars" / "db.yml").write_text(yaml.safe_dump({"site_checks_db": bad}))
    inv = tmp_path / "hosts.ini"
    inv.write_text(f"[db]\ndb1 ansible_host=127.0.0.1 ansible_port={listener.getsockname()[1]} ansible_user=nobody\n")
    result = CliRunner().invoke(cli, ["check", "-i", str(inv), "--timeout", "5", "--runs-dir", str(tmp_path / "r")])
    assert crash(result) is None and result.exit_code == 2, result.output
    assert f"{tmp_path}/group_vars/db.yml: site_checks_db[1] (data_disk), field min_size" in result.stderr
    assert not (tmp_path / "r").exists()


# Values as hostile as a field allows (one line, no NUL): quotes, $(...), backquotes, ;, globs.
HOSTILE = st.text(st.characters(blacklist_characters="\n\0", blacklist_categories=("Cs",)), min_size=1,
                  max_size=40) | st.sampled_from(["'; touch /tmp/pwned #", "$(id)", "`id`", "a'b\"c", "*", "-rf"])
ARGV_PROBE = """#!/bin/sh
for a; do printf '%s\\0' "$a"; done >>"$ECARGS"
"""


def _fake_tools(tmp: Path) -> Path:
    """stat, grep, getent, systemctl, df, ss, id and curl that only write down their arguments."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in ("stat", "grep", "getent", "systemctl", "df", "ss", "id", "curl", "dpkg-query", "readlink"):
        (bin_dir / tool).write_text(ARGV_PROBE)
        (bin_dir / tool).chmod(0o755)
    return bin_dir


def _specs(value: str) -> list[dict[str, Any]]:
    path = "/" + value
    word = "a" + "".join(c for c in value if c.isalnum() or c in "._-")[:20]
    return [
        _entry(id="f", type="file", path=path, contains=f"x{value}".replace("(", "").replace("[", "")
               .replace("\\", "").replace("*", "").replace("+", "").replace("?", "").replace("{", ""),
               utf8=True, filetype="symlink"),
        _entry(id="m", type="mount", path=path), _entry(id="u", type="user", name=word, groups=[word]),
        _entry(id="s", type="service", name=word), _entry(id="p", type="package", name=word),
        _entry(id="j", type="java", java_home=path, version="17"),
        _entry(id="h", type="http", url=f"http://h/{value.replace(' ', '%20')}", ca_file=path),
    ]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=HOSTILE)
def test_a_hostile_value_reaches_its_program_as_one_argument_and_changes_nothing_else(
        value: str, tmp_path: Path) -> None:
    try:
        site = _parse(*_specs(value))
    except BadInput:
        return  # refused: it never reaches a script
    plain = _parse(*_specs("plain"))
    for fact, same in zip(site.facts, plain.facts, strict=True):
        # The value appears only quoted: quoted back to a placeholder, the script is the plain one.
        assert fact.command.replace(shlex.quote("/" + value), shlex.quote("/plain")) \
            .count("\n") == same.command.count("\n")
    bin_dir, args = _fake_tools(tmp_path), tmp_path / "args"
    args.unlink(missing_ok=True)
    script = build_script(site.facts).text
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "ECARGS": str(args), "HOME": str(tmp_path)}
    run = subprocess.run(["sh", "-c", script.replace("export LC_ALL=C.UTF-8 LANG=C.UTF-8 PATH=",
                                                      f"export LC_ALL=C.UTF-8 LANG=C.UTF-8 PATH={bin_dir}:")],
                         env=env, capture_output=True, cwd=tmp_path, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    received = args.read_bytes().split(b"\0") if args.exists() else []
    path = site.entries[0].get("path")  # "/" + value, without a trailing slash (/data/ is /data)
    assert path.encode() in received  # stat and the others got it whole, as one argument
    assert sorted(os.listdir(tmp_path)) == sorted(["args", "bin"])  # nothing else was written


def test_parsers_and_evaluations_on_a_debian_hosts_output() -> None:
    site = _parse(
        _entry(id="hosts", type="file", path="/etc/hosts", mode="0644", owner="root", contains="localhost",
               utf8=True),
        _entry(id="shadow", type="file", path="/etc/shadow", mode="0640"),
        _entry(id="fwd", type="kernel_param", name="net.ipv4.ip_forward", value="1"),
        _entry(id="range", type="kernel_param", name="net.ipv4.ip_local_port_range", value="32768 60999"),
        _entry(id="ssh", type="service", name="ssh"), _entry(id="cron", type="service", name="cron"),
    )
    by_id = {f.id: f for f in site.facts}
    assert sorted(by_id) == ["site:paths-root", "site:system"]  # one probe for the paths, one for the tables
    out = {
        "site:paths-root": "--@file\n--S\nS|regular file|644|root|root|221|/etc/hosts\nS|regular file|640|root|"
                           "shadow|501|/etc/shadow\n--U\n/etc/hosts:0\n--@file\n--G\nG|0|contains|0|0\n",
        "site:system": "--@kernel\n/proc/sys/net/ipv4/ip_forward:0\n"
                       "/proc/sys/net/ipv4/ip_local_port_range:32768\t60999\n"
                       "--@service\n--files\nF|ssh.service|/lib/systemd/system/ssh.service|-\n"
                       "--links\n/etc/systemd/system/multi-user.target.wants/ssh.service\n--install\n"
                       "/lib/systemd/system/ssh.service:WantedBy=multi-user.target\n--units\n"
                       "ssh.service loaded active running OpenBSD Secure Shell server\n",
    }
    values = {k: by_id[k].parse(ProbeOutput(v, 0)) for k, v in out.items()}
    got = {c.id: c.evaluate(values, None) for c in site.checks}  # type: ignore[arg-type]
    assert {k: o.status for k, o in got.items()} == {
        "site.hosts": Status.PASS, "site.shadow": Status.PASS, "site.fwd": Status.FAIL, "site.range": Status.PASS,
        "site.ssh": Status.PASS, "site.cron": Status.FAIL}
    assert got["site.fwd"].found == "0" and got["site.fwd"].expected == "1"
    assert got["site.cron"].message is not None and "没有服务单元" in got["site.cron"].message.zh


def test_found_and_expected_values_read_in_the_reports_language() -> None:
    """A Chinese report says the site checks' own words in Chinese (they came out in English),
    each mismatch of an entry on its own."""
    site = _parse(
        _entry(id="licence", type="file", path="/opt/app/licence.lic", contains="^KEY=", utf8=True),
        _entry(id="gone", type="file", path="/opt/app/gone"),
        _entry(id="data", type="mount", path="/data"),
        _entry(id="sshd", type="process", name="sshd", min_count=3),
    )
    by_id = {f.id: f for f in site.facts}
    out = {"site:paths-root": "--@file\n--S\nS|regular file|600|app|app|40|/opt/app/licence.lic\n"
                              "--U\n/opt/app/licence.lic:2\n--@file\n--G\nG|0|contains|0|1\n",
           "site:paths": "--@mount\n--M\n/dev/sda1 / ext4 rw 0 0\n",
           "site:system": "--@process\n--C\n/proc/1/comm:systemd\n/proc/9/comm:sshd\n"}
    values = {k: by_id[k].parse(ProbeOutput(v, 0)) for k, v in out.items()}
    got = {c.id: c.evaluate(values, None) for c in site.checks}  # type: ignore[arg-type]
    assert got["site.licence"].found == ["no line matches", "2 non-UTF-8 lines"]  # two mismatches: a list
    shown = {k: (human(o.found, "zh"), human(o.expected, "zh")) for k, o in got.items()}
    assert shown == {"site.licence": ("没有匹配的行, 2 行不是 UTF-8", "包含 /^KEY=/, 有效的 UTF-8"),
                     "site.gone": ("缺失", "存在"), "site.data": ("缺失", "/data 上的文件系统"),
                     "site.sshd": ("1", "3..∞")}, shown
    assert human(got["site.data"].expected, "en") == "a filesystem on /data"
    assert got["site.gone"].message is not None and got["site.gone"].message.zh == "/opt/app/gone 不存在"


def test_one_probe_per_type_however_many_entries() -> None:
    def declared(n: int) -> SiteChecks:
        return _parse(*[_entry(id=f"f{i}", type="file", path=f"/etc/f{i}") for i in range(n)],
                      *[_entry(id=f"k{i}", type="kernel_param", name=f"vm.p{i}", value="1") for i in range(n)])
    one, fifty = declared(1), declared(50)
    assert [f.id for f in fifty.facts] == ["site:paths-root", "site:system"] and len(fifty.checks) == 100
    # one stat, one awk: the same lines for 50 entries as for one, not a line per entry
    assert [f.command.count("\n") for f in fifty.facts] == [f.command.count("\n") for f in one.facts]


def test_a_root_login_takes_two_probes_not_four() -> None:
    declared = [_entry(id="f", type="file", path="/etc/hosts"), _entry(id="m", type="mount", path="/"),
                _entry(id="c", type="cron", match="x"),
                _entry(id="k", type="kernel_param", name="vm.swappiness", value="10")]
    entries = parse_host({"site_checks": declared}, lambda v: "group_vars/all.yml")
    by_sudo = SiteChecks(entries)  # a login that may not have sudo: what needs root apart
    assert {f.id: f.sudo for f in by_sudo.facts} == {
        "site:paths-root": True, "site:paths": False, "site:system-root": True, "site:system": False}
    as_root = SiteChecks(entries, as_root=True)
    assert {f.id: f.sudo for f in as_root.facts} == {"site:paths-root": True, "site:system-root": True}
    assert [f.command.count("function read(") for f in as_root.facts] == [1, 1]  # one awk each
    assert [c.id for c in as_root.checks] == [c.id for c in by_sudo.checks] == ["site.f", "site.m", "site.c", "site.k"]
    assert for_host({"site_checks": declared}, (), as_root=True) is not for_host({"site_checks": declared}, ())


def test_hosts_with_the_same_lists_share_one_compiled_set() -> None:
    declared = {"site_checks": [_entry(type="file", path="/a")]}
    assert for_host(declared, ()) is for_host(dict(declared), ())


@pytest.mark.parametrize("version,constraint,ok", [
    ("17.0.9", (">=", "17"), True), ("11.0.21", (">=", "17"), False), ("17.0.9+9", ("", "17"), True),
    ("1.20", ("", "1.2"), False), ("1:2.3-1", (">", "2.4"), True), ("7.88.1-10+deb12u5", ("<", "7.88.1-10+deb12u6"),
                                                                      True),
    ("1.0~rc1", ("<", "1.0"), True),
])
def test_version_constraints(version: str, constraint: tuple[str, str], ok: bool) -> None:
    assert satisfies(version, constraint) is ok
    assert compare(version, version) == 0


SUGGEST_OUT = """--ports
0      4096        0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=61,fd=3))
0      100         0.0.0.0:8080      0.0.0.0:*    users:(("java",pid=90,fd=41))
0      50          127.0.0.1:9200    0.0.0.0:*    users:(("java",pid=95,fd=12))
--units
ssh.service enabled enabled
tomcat10.service enabled enabled
elasticsearch.service enabled enabled
cron.service enabled enabled
--running
ssh.service loaded active running OpenBSD Secure Shell server
tomcat10.service loaded active running Apache Tomcat 10
elasticsearch.service loaded active running Elasticsearch
--mounts
/dev/sda1 / ext4 rw,relatime 0 0
proc /proc proc rw 0 0
/dev/sdb1 /data\\040disk xfs rw,noatime 0 0
--df
Filesystem 1-blocks Used Available Capacity Mounted on
/dev/sdb1 536870912000 1000 536870911000 1% /data disk
--jdks
H|/usr/lib/jvm/java-17-openjdk-amd64
JAVA_VERSION="17.0.9"
--big
1200\t/opt/his
12\t/opt/tiny
"""


def test_suggest_drafts_what_the_standard_and_the_declared_checks_leave_out() -> None:
    from envcheck.sitechecks.suggest import draft
    from envcheck.standard import Standard

    std = Standard.from_vars({"standard_services": ["tomcat10"], "standard_ports": [8080]})
    declared = parse_host({"site_checks": [_entry(id="es", type="port", port=9300)]}, str)
    entries = draft(ProbeOutput(SUGGEST_OUT, 0), declared, std)
    assert [(e["type"], e["id"]) for e in entries] == [
        ("port", "port_9200"), ("service", "service_elasticsearch"), ("mount", "mount_data_disk"),
        ("java", "jdk_java-17-openjdk-amd64"), ("file", "dir_opt_his")]
    assert entries[2]["path"] == "/data disk" and entries[2]["min_size"] == "450G"
    assert entries[0]["process"] == "java" and entries[3]["version"] == ">= 17.0.9"
    # The draft is a valid spec as it stands, in both languages.
    assert len(parse_host({"site_checks_suggested": entries}, str)) == 5


def test_suggest_needs_one_host_and_never_overwrites(tmp_path: Path) -> None:
    inv = tmp_path / "hosts.ini"
    inv.write_text("[app]\napp1 ansible_host=127.0.0.1 ansible_port=1\napp2 ansible_host=127.0.0.1 ansible_port=1\n")
    for args, words in ((["-i", str(inv)], "--limit HOST"), (["-i", str(inv), "--limit", "app"], "selects 2 hosts"),
                        (["-i", str(inv), "--limit", "app1", "-o", str(inv)], "never overwrites")):
        result = CliRunner().invoke(cli, ["spec", "suggest", *args, "--lang", "en"])
        assert crash(result) is None and result.exit_code == 2 and words in result.stderr, result.output


def test_the_parts_of_one_probe_run_in_a_real_sh_each_reading_its_own(tmp_path: Path) -> None:
    """The system probe's parts share one subshell: what one part sets (the service part turns
    globbing off for the aliases' names) must not change the next. Run by this machine's sh,
    against its own /proc and accounts."""
    comm = Path("/proc/self/comm").read_text().strip()  # this very Python's name, as the probe reads it
    site = _parse(_entry(id="svc", type="service", name="envcheck-no-such-unit"),
                  _entry(id="me", type="process", name=comm, min_count=1),
                  _entry(id="root", type="user", name="root"),
                  _entry(id="max", type="kernel_param", name="kernel.pid_max",
                         value=Path("/proc/sys/kernel/pid_max").read_text().strip()))
    (fact,) = site.facts
    script = build_script([fact])
    run = subprocess.run(["sh", "-c", script.text], capture_output=True, cwd=tmp_path, timeout=60, check=False)
    values = {fact.id: fact.parse(split_output(script.marker, run.stdout)[fact.id])}
    got = {c.id: c.evaluate(values, None).status for c in site.checks}  # type: ignore[arg-type]
    assert got == {"site.svc": Status.FAIL, "site.me": Status.PASS, "site.root": Status.PASS, "site.max": Status.PASS}


def test_a_host_without_awk_makes_the_parts_that_need_it_errors_not_failures(tmp_path: Path) -> None:
    """A stripped image with no awk: the kernel parameters and the mount table cannot be read,
    and their entries say so (ERROR), instead of failing as if the parameter or mount were not
    there; the accounts, read by getent where awk is missing, still pass. A real sh, with every
    program of this machine but awk."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for folder in ("/usr/bin", "/bin", "/usr/sbin", "/sbin"):
        for program in Path(folder).iterdir() if Path(folder).is_dir() else ():
            if "awk" not in program.name and not (bin_dir / program.name).exists():
                (bin_dir / program.name).symlink_to(program)
    site = _parse(_entry(id="max", type="kernel_param", name="kernel.pid_max", value="1"),
                  _entry(id="root", type="user", name="root"),
                  _entry(id="slash", type="mount", path="/"))
    script = build_script(site.facts)
    text = re.sub(r"PATH=\S+", f"PATH={bin_dir}", script.text, count=1)
    run = subprocess.run(["sh", "-c", text], capture_output=True, cwd=tmp_path, timeout=60, check=False)
    raw = split_output(script.marker, run.stdout)
    values = {f.id: f.parse(raw[f.id]) for f in site.facts}
    got = {c.id: c.evaluate(values, None) for c in site.checks}  # type: ignore[arg-type]
    assert {k: o.status for k, o in got.items()} == {
        "site.max": Status.ERROR, "site.root": Status.PASS, "site.slash": Status.ERROR}
    assert got["site.max"].message is not None and "awk is not installed" in got["site.max"].message.en
