"""The peer audit as a pytest-testinfra suite: the same 29 host checks as
bench/peers/audit.yml (one test each, named after the envcheck check it mirrors), run by
the bench with the paramiko backend and with the ssh backend (ControlMaster through
--ssh-config), both under pytest-xdist -n <hosts>. The hosts' groups and LAN addresses come
from the JSON file named by ENVCHECK_BENCH_HOSTS ({"web1": {"groups": [...], "lan": ...}})."""

from __future__ import annotations

import json
import os
import shlex
from typing import Any

import pytest

WANT_TZ = "Asia/Shanghai"
WANT_LOCALE = "zh_CN.UTF-8"
WANT_LOCALES = {"zh_cn.utf8", "en_us.utf8"}
TIERS = {"web": ("app", 8080), "app": ("db", 5432)}
HOSTS: dict[str, Any] = json.loads(open(os.environ["ENVCHECK_BENCH_HOSTS"]).read())


def out(host: Any, command: str) -> str:
    return str(host.run(command).stdout).strip()


def me(host: Any) -> dict[str, Any]:
    return dict(HOSTS[host.backend.hostname])


def test_time_timezone(host: Any) -> None:
    assert out(host, "readlink -f /etc/localtime").endswith("zoneinfo/" + WANT_TZ)


def test_time_timezone_consistent(host: Any) -> None:
    etc = out(host, "head -n1 /etc/timezone 2>/dev/null; true")
    assert not etc or out(host, "readlink -f /etc/localtime").endswith("zoneinfo/" + etc)


def test_time_tz_environment(host: Any) -> None:
    assert out(host, "grep -sE '^[[:space:]]*(export[[:space:]]+)?TZ=' /etc/environment /etc/profile "
               "/etc/profile.d/*.sh /etc/default/locale; grep -rsE '^[[:space:]]*Environment=.*\\bTZ=' "
               "/etc/systemd/system /lib/systemd/system; true") == ""


def test_time_ntp_synchronized(host: Any) -> None:
    if host.exists("chronyc"):
        assert "Normal" in out(host, "chronyc -n tracking")
    else:
        assert host.file("/run/systemd/timesync/synchronized").exists


def test_time_ntp_servers(host: Any) -> None:
    assert out(host, "grep -shE '^(server|pool)' /etc/chrony/chrony.conf /etc/chrony/sources.d/*.sources "
               "/etc/systemd/timesyncd.conf; true")


def _lang(host: Any) -> str:
    return out(host, "grep -sE '^LANG=' /etc/default/locale /etc/locale.conf | head -n1 | cut -d= -f2 | tr -d '\"'")


def test_locale_system_lang(host: Any) -> None:
    assert _lang(host) == WANT_LOCALE


def test_locale_system_charset(host: Any) -> None:
    lang = _lang(host) or "C"
    assert out(host, f"LC_ALL={shlex.quote(lang)} locale charmap 2>/dev/null") == "UTF-8"


def test_locale_required_generated(host: Any) -> None:
    assert WANT_LOCALES <= {line.lower() for line in out(host, "locale -a").splitlines()}


def test_locale_no_override(host: Any) -> None:
    assert out(host, "grep -shE '^[[:space:]]*(export[[:space:]]+)?(LANG|LC_[A-Z]+)=' /etc/environment "
               "/etc/profile /etc/profile.d/*.sh | grep -viE 'utf-?8'; true") == ""


def test_locale_service_lang(host: Any) -> None:
    found = out(host, "for p in $(pgrep -x 'java|postgres|mariadbd|mysqld|nginx|apache2' | head -n 20); do "
                "tr '\\0' '\\n' < /proc/$p/environ 2>/dev/null | grep -E '^(LANG|LC_ALL)='; done; true")
    assert all("utf8" in line.lower().replace("-", "") for line in found.splitlines())


def test_resources_disk_free(host: Any) -> None:
    free = out(host, "df -P / /var /tmp | awk 'NR>1 {sub(\"%\",\"\",$5); print 100-$5}'")
    assert min(int(v) for v in free.split()) >= 15


def test_resources_inodes_free(host: Any) -> None:
    free = out(host, "df -Pi / /var /tmp | awk 'NR>1 {sub(\"%\",\"\",$5); if ($5==\"-\") $5=0; print 100-$5}'")
    assert min(int(v) for v in free.split()) >= 10


def _meminfo(host: Any, key: str) -> int:
    for line in host.file("/proc/meminfo").content_string.splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def test_resources_memory(host: Any) -> None:
    assert _meminfo(host, "MemTotal") // 1024 >= 1024


def test_resources_swap(host: Any) -> None:
    assert _meminfo(host, "SwapTotal") >= 0


def test_resources_swappiness(host: Any) -> None:
    assert host.sysctl("vm.swappiness") == 10


def test_resources_somaxconn(host: Any) -> None:
    assert host.sysctl("net.core.somaxconn") >= 1024


def test_resources_transparent_hugepage(host: Any) -> None:
    assert "[never]" in out(host, "cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; true")


def test_resources_nofile(host: Any) -> None:
    lowest = out(host, "grep -shE '^[^#]*nofile' /etc/security/limits.conf /etc/security/limits.d/*.conf "
                 "| awk '{print $4}' | sort -n | head -n1")
    assert lowest.isdigit() and int(lowest) >= 65535


def test_network_hostname_resolves(host: Any) -> None:
    lan = me(host).get("lan")
    assert not lan or lan in out(host, "getent hosts \"$(hostname)\" | awk '{print $1}'").split()


def test_network_services_active(host: Any) -> None:
    assert host.service("ssh").is_running


def test_network_services_enabled(host: Any) -> None:
    assert host.service("ssh").is_enabled


def test_network_ports_listening(host: Any) -> None:
    assert host.socket("tcp://0.0.0.0:22").is_listening or host.socket("tcp://:::22").is_listening


def test_network_firewall(host: Any) -> None:
    drops = out(host, "(nft list ruleset 2>/dev/null || iptables -S 2>/dev/null) "
                "| grep -cE 'drop|DROP|reject|REJECT'; true")
    assert int(drops or 0) == 0


def test_network_selinux(host: Any) -> None:
    assert out(host, "cat /sys/fs/selinux/enforce 2>/dev/null || echo absent") != "1"


def test_network_tiers(host: Any) -> None:
    groups = me(host).get("groups") or [""]
    tier = TIERS.get(groups[0])
    if tier is None:
        pytest.skip("no tier from this group")
    to, port = tier
    peers = [h["lan"] for h in HOSTS.values() if to in h["groups"]]
    closed = [p for p in peers if host.run(f"nc -z -w 2 {shlex.quote(p)} {port}").rc != 0]
    assert not closed


def test_network_peers_resolve(host: Any) -> None:
    script = " ".join(f"getent hosts {shlex.quote(n)} >/dev/null || echo {shlex.quote(n)};" for n in HOSTS)
    assert out(host, script + " true") == ""


def test_postgresql_server_encoding(host: Any) -> None:
    if not host.exists("psql"):
        pytest.skip("no PostgreSQL")
    assert out(host, "su postgres -s /bin/sh -c 'psql -XAtc \"SHOW server_encoding\"'") == "UTF8"


def test_mysql_character_set_server(host: Any) -> None:
    if not host.exists("mysql"):
        pytest.skip("no MySQL")
    assert out(host, "mysql -NBe 'SELECT @@character_set_server'") == "utf8mb4"


def test_nginx_charset(host: Any) -> None:
    if not host.exists("nginx"):
        pytest.skip("no Nginx")
    assert int(out(host, "nginx -T 2>/dev/null | grep -ciE '^[[:space:]]*charset[[:space:]]+utf-8'") or 0) > 0
