"""The snapshot's parsers on what they read from the deployed site lab's hosts (captured in
tests/fixtures/snapshot/ from a snapshot run, 2026-12-03), the expected items checked by hand
against the hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from envcheck.model import ProbeOutput
from envcheck.snapshot import facts
from envcheck.snapshot.items import AREAS, area, items_of, read_areas

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "snapshot"


def parsed(name: str, fact: str) -> dict[str, str]:
    return facts.PARSERS[fact](ProbeOutput((FIXTURES / f"{name}.out").read_text(), 0))


@pytest.mark.parametrize("name, fact, expected", [
    ("app1-services", "snapshot.services", {"services/tomcat10": "enabled active/running",
                                            "services/ssh": "enabled active/running",
                                            "services/systemd-networkd": "disabled inactive/dead",
                                            "services/systemd-journald": "static active/running"}),
    ("app1-ports", "snapshot.ports", {"ports/tcp/22": "sshd *", "ports/tcp/8080": "java *"}),
    ("app1-jvm", "snapshot.jvm", {"jvm/tomcat10/-Dfile.encoding": "UTF-8", "jvm/tomcat10/-Xmx": "12032m",
                                  "jvm/tomcat10/-Duser.timezone": "Asia/Shanghai",
                                  "jvm/tomcat10/-classpath": "/usr/share/tomcat10/bin/bootstrap.jar:"
                                                              "/usr/share/tomcat10/bin/tomcat-juli.jar",
                                  "jvm/tomcat10/-Dcatalina.base": "/var/lib/tomcat10"}),
    ("app1-limits", "snapshot.limits", {"users/limits/appuser/nofile": "20000/20000",
                                        "users/limits/appuser/nproc": "65535/65535",
                                        "users/limits/tomcat/nofile": "1024/20000"}),
    ("app1-users", "snapshot.users", {"users/user/tomcat": "uid=997 gid=997 groups=tomcat home=/var/lib/tomcat "
                                                           "shell=/usr/sbin/nologin",
                                      "users/group/tomcat": "gid=997 members="}),
    ("app1-packages", "snapshot.packages", {"packages/tomcat10": "10.1.60-1~deb12u1",
                                            "packages/default-jre-headless": "2:1.17-74"}),
    ("app1-files", "snapshot.files", {
        "files/etc/tomcat10/server.xml": "sha256:49030d6ba121e42adaccbfb3bd81c3a718c29ce9f48efc211ae6f5afc6bf4164 "
                                         "813 bytes",
        "files/etc/tomcat/server.xml": "absent"}),
    ("db1-postgresql", "snapshot.postgresql", {"postgresql/server_encoding": "UTF8",
                                               "postgresql/TimeZone": "Asia/Shanghai",
                                               "postgresql/max_connections": "200"}),
    ("db1-mysql", "snapshot.mysql", {"mysql/character_set_server": "utf8mb4", "mysql/time_zone": "Asia/Shanghai",
                                     "mysql/lower_case_table_names": "1", "mysql/max_connections": "500"}),
    ("web1-sysctl", "snapshot.sysctl", {"sysctl/vm.swappiness": "60", "sysctl/net.core.somaxconn": "4096",
                                        "sysctl/net.ipv4.tcp_rmem": "4096 131072 33554432"}),
    ("web1-locales", "snapshot.locales", {"locales/system/LANG": "zh_CN.UTF-8"}),
])
def test_parsers_read_the_captured_hosts(name: str, fact: str, expected: dict[str, str]) -> None:
    items = parsed(name, fact)
    assert {k: items.get(k) for k in expected} == expected
    assert {area(k) for k in items} == set(AREAS[fact])  # each probe's items in its own area


def test_counts_of_the_captured_hosts() -> None:
    assert len(parsed("app1-packages", "snapshot.packages")) == 206
    assert len(parsed("db1-postgresql", "snapshot.postgresql")) == 356
    assert len(parsed("web1-sysctl", "snapshot.sysctl")) == 960  # 962 lines, two of two lines each
    assert not any(k.endswith("@") or "@." in k for k in parsed("app1-services", "snapshot.services"))


def test_a_database_that_is_not_there_gives_no_items_and_a_failed_probe_no_area() -> None:
    assert facts.PARSERS["snapshot.mysql"](ProbeOutput("ABSENT\n", 0)) == {}
    assert facts.PARSERS["snapshot.postgresql"](ProbeOutput("", 3, "psql: error")) == {}
    probes = {"snapshot.sysctl": ProbeOutput("./vm/swappiness:10\n", 0)}
    assert items_of(probes) == {"sysctl/vm.swappiness": "10"} and read_areas(probes) == {"sysctl"}


def test_paths_reach_the_shell_quoted_but_for_their_glob() -> None:
    assert facts.glob_quote("/etc/postgresql/*/main/a b.conf") == "/etc/postgresql/*'/main/a b.conf'"
    assert "'/opt/x;rm -rf /'" in facts.files_command(["/opt/x;rm -rf /"])
