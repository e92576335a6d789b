"""Site checks (`site_checks` in the inventory) on the deployed site's app host: every resource
type passes on the host as deployed and fails on a fault injected for it. The faults are put in
at once and read by one check run (few runs: a run costs a session, the faults seconds).

What the test sets up is its own (a uuid4 name): a directory, a tmpfs, a user and group, a
service with its port and process, a cron file, a JDK link. /proc/sys is read-only in the lab's
containers, so the kernel parameter's fault is a file bind-mounted over it (the probe reads
what any program on the host would read)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.model import ProbeOutput
from envcheck.sitechecks import parse_probe, probe_text
from envcheck.sitechecks.spec import parse_host
from tests.clirunner import crash
from tests.lab import faults
from tests.lab.site import Site

pytestmark = [pytest.mark.lab, pytest.mark.slow]
JDK = "/usr/lib/jvm/java-17-openjdk-amd64"
PACKAGE = "less"  # a leaf package of the deployed host, put back from the site's apt proxy
SYSCTL = "/proc/sys/net/ipv4/ip_forward"


class Fixture:
    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.dir = f"/srv/envcheck-site-{tag}"
        self.user, self.group, self.unit = f"ecu{tag[:8]}", f"ecg{tag[:8]}", f"ecs-{tag}"
        self.exe = f"ecpy{tag[:8]}"  # the process's name (comm), a link to python3
        self.port = 20000 + int(tag[:4], 16) % 20000


def _setup(f: Fixture) -> str:
    d = shlex.quote(f.dir)
    unit = (f"[Service]\nUser={f.user}\nExecStart={f.dir}/{f.exe} -m http.server {f.port} --bind 127.0.0.1 "
            f"--directory {f.dir}/www\n[Install]\nWantedBy=multi-user.target\n")
    return " && ".join([
        f"mkdir -p {d}/www {d}/data", f"printf 'licence=ok\\n' > {d}/app.conf", f"chmod 0640 {d}/app.conf",
        f"printf '1.0\\n' > {d}/version", f"printf 'envcheck {f.tag}\\n' > {d}/www/index.html",
        f"ln -s /usr/bin/python3 {d}/{f.exe}", f"ln -s {JDK} {d}/jdk",
        f"mount -t tmpfs -o size=8m,noexec ecs{f.tag[:8]} {d}/data",
        f"groupadd {f.group}", f"useradd -M -g {f.group} -s /usr/sbin/nologin {f.user}",
        f"printf '*/5 * * * * root /bin/true # envcheck-{f.tag}\\n' > /etc/cron.d/envcheck-{f.tag}",
        f"printf %s {shlex.quote(unit)} > /etc/systemd/system/{f.unit}.service",
        "systemctl daemon-reload", f"systemctl enable --now {f.unit}",
        f"for i in $(seq 50); do ss -Htln | grep -q ':{f.port} ' && break; sleep 0.2; done",
        f"ss -Htln | grep -q ':{f.port} '"])


def _faults(f: Fixture) -> str:
    d = shlex.quote(f.dir)
    return " && ".join([
        f"printf 'EVIL \\377\\n' >> {d}/app.conf", f"chmod 0666 {d}/app.conf",  # file
        f"umount {d}/data",  # mount
        f"dpkg -r {PACKAGE} >/dev/null",  # package
        f"systemctl disable --now {f.unit}",  # service, port, process, http
        f"printf '2.0\\n' > {d}/version",  # command
        f"printf '1\\n' > {d}/ip_forward", f"mount --bind {d}/ip_forward {SYSCTL}",  # kernel_param
        f"usermod -s /bin/bash {f.user}", f"groupmod -g $(( $(getent group {f.group} | cut -d: -f3) + 7 )) {f.group}",
        f"rm /etc/cron.d/envcheck-{f.tag}",  # cron
        f"ln -sfn {d}/nojdk {d}/jdk"])  # java


def _cleanup(f: Fixture) -> str:
    d = shlex.quote(f.dir)
    return "; ".join([
        f"systemctl disable --now {f.unit}", f"rm -f /etc/systemd/system/{f.unit}.service", "systemctl daemon-reload",
        f"umount {SYSCTL} 2>/dev/null", f"umount {d}/data 2>/dev/null", f"userdel {f.user}", f"groupdel {f.group}",
        f"rm -f /etc/cron.d/envcheck-{f.tag}", f"rm -rf {d}",
        f"dpkg -s {PACKAGE} >/dev/null 2>&1 || apt-get install -y -q --no-install-recommends {PACKAGE} >/dev/null",
        "true"])


def _spec(f: Fixture, gid: str) -> list[dict[str, Any]]:
    def entry(ident: str, kind: str, **fields: Any) -> dict[str, Any]:
        return {"id": ident, "type": kind, "severity": "critical",
                "title": {"en": f"site check {ident}", "zh": f"站点检查 {ident}"}, **fields}

    url = f"http://127.0.0.1:{f.port}/"
    return [
        entry("licence", "file", path=f"{f.dir}/app.conf", filetype="file", mode="0640", owner="root",
              contains="^licence=ok$", not_contains="EVIL", utf8=True, min_size="5"),
        entry("data_disk", "mount", path=f"{f.dir}/data", fstype="tmpfs", options=["noexec"], min_size="4M"),
        entry("pager", "package", name=PACKAGE, version=">= 500"),
        entry("app_service", "service", name=f.unit),
        entry("app_port", "port", port=f.port, process=f.exe),
        entry("app_process", "process", name=f.exe, user=f.user, min_count=1),
        entry("app_version", "command", command=f"cat {shlex.quote(f.dir)}/version", stdout=r"^1\.0$"),
        entry("no_forwarding", "kernel_param", name="net.ipv4.ip_forward", value="0"),
        entry("app_user", "user", name=f.user, group=f.group, shell="/usr/sbin/nologin"),  # noqa: S604 (a field)
        entry("app_group", "group", name=f.group, gid=gid),
        entry("app_cron", "cron", match=f"envcheck-{f.tag}", user="root"),
        entry("jdk", "java", java_home=f"{f.dir}/jdk", version=">= 17", vendor="Debian"),
        entry("app_http", "http", url=url, body=f"envcheck {f.tag}", headers={"Server": "SimpleHTTP"}),
    ]


@pytest.fixture
def prepared(site: Site, tmp_path: Path) -> Iterator[tuple[Site, Path, Fixture]]:
    f = Fixture(uuid.uuid4().hex)
    app = site.host("app")
    try:
        faults.run(site.lab, app, _setup(f))
        gid = faults.run(site.lab, app, f"getent group {f.group} | cut -d: -f3").strip()
        shutil.copy(site.inventory, tmp_path / "hosts.yml")
        shutil.copytree(site.inventory.parent / "group_vars", tmp_path / "group_vars", dirs_exist_ok=True)
        vars_file = tmp_path / "group_vars" / "app.yml"
        current = yaml.safe_load(vars_file.read_text()) if vars_file.exists() else {}
        vars_file.write_text(yaml.safe_dump({**(current or {}), "site_checks_lab": _spec(f, gid)},
                                            allow_unicode=True))
        yield site, tmp_path / "hosts.yml", f
    finally:
        site.lab.ssh(app, _cleanup(f), timeout=180)


def _check(inventory: Path, host: str, lang: str, runs: Path) -> dict[str, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["check", "-i", str(inventory), "--limit", host, "--only", "site",
                                      "--format", "json", "--lang", lang, "--runs-dir", str(runs)])
    assert crash(result) is None, crash(result)
    assert result.exit_code in (0, 1), result.output
    return {r["check"]: r for r in json.loads(result.stdout)["results"]}


def test_every_site_check_type_passes_as_deployed_and_fails_on_its_fault(
        prepared: tuple[Site, Path, Fixture], tmp_path: Path) -> None:
    site, inventory, f = prepared
    app = site.host("app")
    ids = {f"site.{e['id']}" for e in _spec(f, "0")}
    clean = _check(inventory, app, "en", tmp_path / "runs")
    assert set(clean) == ids
    assert {k: r["status"] for k, r in clean.items() if r["status"] != "pass"} == {}, clean
    # spec suggest on the same host: with the site's inventory (no site_checks) the test's service
    # and port are proposed; with the one declaring them, they are not (covered already).
    proposed = []
    for n, inv in enumerate((site.inventory, inventory)):
        draft = tmp_path / f"draft{n}.yml"
        result = CliRunner().invoke(cli, ["spec", "suggest", "-i", str(inv), "--limit", app, "-o", str(draft)])
        assert crash(result) is None and result.exit_code == 0, result.output
        proposed.append({e["id"]: e for e in yaml.safe_load(draft.read_text())["site_checks_suggested"]})
    assert proposed[0][f"service_ecs-{f.tag}"]["name"] == f.unit and proposed[0][f"port_{f.port}"]["process"] == f.exe
    assert f"service_ecs-{f.tag}" not in proposed[1] and f"port_{f.port}" not in proposed[1]
    assert proposed[0]["jdk_java-17-openjdk-amd64"]["version"].startswith(">= 17")
    faults.run(site.lab, app, _faults(f))
    broken = _check(inventory, app, "zh", tmp_path / "runs")
    assert {k: r["status"] for k, r in broken.items() if r["status"] != "fail"} == {}, broken
    assert broken["site.licence"]["title"] == "站点检查 licence" and broken["site.licence"]["severity"] == "critical"
    assert "666" in broken["site.licence"]["found"] and "not UTF-8" in broken["site.licence"]["messages"]["en"]
    assert "没有服务单元" not in broken["site.app_service"]["message"]  # disabled and stopped, not missing
    assert broken["site.app_version"]["found"] == "2.0" and broken["site.no_forwarding"]["found"] == "1"
    assert broken["site.jdk"]["message"] and broken["site.app_http"]["found"]


# The test's units live where a package's would (a unit file in /etc/systemd/system cannot be masked).
UNIT_DIR = "/usr/local/lib/systemd/system"


def _unit_states_setup(tag: str) -> tuple[str, dict[str, str]]:
    """Units of every enablement state under the test's own names, and the state each must read."""
    u = f"ecs-{tag[:12]}"
    files = {
        f"{u}-on.service": "[Install]\nWantedBy=multi-user.target\n",
        f"{u}-named.service": f"[Install]\nWantedBy=multi-user.target\nAlias={u}-alias.service\n",
        f"{u}-masked.service": "[Install]\nWantedBy=multi-user.target\n",
        f"{u}-runtime.service": "[Install]\nWantedBy=multi-user.target\n",
        f"{u}-tpl@.service": "[Install]\nWantedBy=multi-user.target\n",
        f"{u}-also.service": f"[Install]\nAlso={u}-on.service\n",
        f"{u}-off.service": "[Install]\nWantedBy=multi-user.target\n",
        f"{u}-static.service": "",
    }
    writes = [f"printf %s {shlex.quote('[Service]' + chr(10) + 'ExecStart=/bin/true' + chr(10) + body)} "
              f"> {UNIT_DIR}/{name}" for name, body in files.items()]
    setup = " && ".join([f"mkdir -p {UNIT_DIR}", *writes, "systemctl daemon-reload",
                         f"systemctl enable {u}-on.service {u}-named.service",
                         f"systemctl mask {u}-masked.service", f"systemctl enable --runtime {u}-runtime.service",
                         f"systemctl enable {u}-tpl@one.service"])
    expected = {f"{u}-on.service": "enabled", f"{u}-alias.service": "alias", f"{u}-masked.service": "masked",
                f"{u}-runtime.service": "enabled-runtime", f"{u}-tpl@one.service": "enabled",
                f"{u}-also.service": "indirect", f"{u}-off.service": "disabled", f"{u}-static.service": "static"}
    return setup, expected


def test_services_enablement_read_from_the_unit_folders_is_what_systemctl_says(site: Site) -> None:
    """The service probe reads enablement from the unit folders (not `systemctl is-enabled`, which
    reads every unit file): for every unit of the app host, and units of each state made here, it
    must say what `systemctl is-enabled` says."""
    app, tag = site.host("app"), uuid.uuid4().hex
    setup, expected = _unit_states_setup(tag)
    prefix = f"ecs-{tag[:12]}-"
    try:
        faults.run(site.lab, app, setup)
        listed = faults.run(site.lab, app, "systemctl list-unit-files --no-legend --no-pager; "
                                           "systemctl list-units --all --no-legend --no-pager --plain")
        names = sorted({line.split()[0] for line in listed.splitlines() if line.split()
                        and "." in line.split()[0] and "\\" not in line.split()[0]} | set(expected))
        entries = parse_host({"site_checks": [{"id": f"u{i}", "type": "service", "name": n, "title": {"en": n, "zh": n}}
                                              for i, n in enumerate(names) if re.fullmatch(r"\w[\w.@:+~/-]*", n)]},
                             lambda _: "test")
        members = {"service": entries}
        got = parse_probe(members, ProbeOutput(faults.run(site.lab, app, "sh -s", input=probe_text(members)), 0))
        got = got["service"]
        said = faults.run(site.lab, app, "for u in " + " ".join(shlex.quote(n) for n in names) +
                          "; do printf '%s %s\\n' \"$u\" \"$(systemctl is-enabled -- \"$u\" 2>/dev/null)\"; done")
    finally:
        site.lab.ssh(app, f"systemctl unmask {prefix}masked.service; systemctl disable {prefix}on.service "
                          f"{prefix}named.service {prefix}tpl@one.service; systemctl disable --runtime "
                          f"{prefix}runtime.service; rm -f /etc/systemd/system/{prefix}* {UNIT_DIR}/{prefix}*; "
                          "systemctl daemon-reload",
                     timeout=120)
    systemctl = dict(line.split(" ", 1) for line in said.splitlines())
    assert len(names) > 100 and {n: got[n]["UnitFileState"] for n in expected} == expected
    assert {n: (s["UnitFileState"], systemctl[n]) for n, s in got.items() if s["UnitFileState"] != systemctl[n]} == {}
    assert got["ssh.service"]["ActiveState"] == "active"
    assert got[f"{prefix}alias.service"]["Id"] == f"{prefix}named.service"  # an alias answers for its unit
