"""Network and services: name resolution, expected services and ports, firewall, SELinux,
and tier-to-tier reachability tested from the source host."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

from envcheck.checks.common import bad, key_values, ok, sections
from envcheck.checks.registry import HostContext, Remediation, absent, check, fact
from envcheck.model import Outcome, ProbeOutput, Severity, Status
from envcheck.standard import Standard

# A service of the standard by the unit names it has on the OS families we support.
UNIT_NAMES = {
    "mysql": ("mariadb", "mysqld", "mysql"),
    "mariadb": ("mariadb", "mysqld", "mysql"),
    "postgresql": ("postgresql", "postgresql-16", "postgresql-15", "postgresql-13"),
    "apache": ("apache2", "httpd"),
    "tomcat": ("tomcat10", "tomcat9", "tomcat"),
    "chrony": ("chrony", "chronyd"),
    "ntp": ("chrony", "chronyd", "ntp", "ntpd", "systemd-timesyncd"),
}


def _units(service: str) -> tuple[str, ...]:
    return UNIT_NAMES.get(service, (service,))


@fact(
    "network.hostname",
    "echo \"hostname=$(hostname)\"; echo \"resolves=$(getent ahostsv4 \"$(hostname)\" | "
    "awk '{print $1}' | sort -u | tr '\\n' ' ')\"; "
    "echo \"addresses=$(ip -o -4 addr show 2>/dev/null | awk '{split($4, a, \"/\"); print a[1]}' | tr '\\n' ' ')\"",
)
def parse_hostname(out: ProbeOutput) -> dict[str, Any]:
    kv = key_values(out.stdout)
    return {"hostname": kv.get("hostname", ""), "resolves": kv.get("resolves", "").split(),
            "addresses": kv.get("addresses", "").split()}


def _services_command(ctx: HostContext, std: Standard) -> str | None:
    if not std.services:
        return None
    lines = []
    for service in std.services:
        for unit in _units(service):
            u = shlex.quote(unit)
            lines.append(f"printf '%s|%s|%s|%s\\n' {shlex.quote(service)} {u} "
                         f"\"$(systemctl is-active {u} 2>/dev/null)\" \"$(systemctl is-enabled {u} 2>/dev/null)\"")
    return "\n".join(lines)


@fact("network.services", command_for=_services_command)
def parse_services(out: ProbeOutput) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for line in out.stdout.splitlines():
        parts = line.split("|")
        if len(parts) != 4:
            continue
        service, unit, active, enabled = parts
        known = enabled not in ("", "not-found") or active not in ("", "inactive", "unknown")
        current = found.get(service)
        if known and (current is None or not current["unit"] or (active == "active" and not current["active"])):
            found[service] = {"unit": unit, "active": active == "active", "enabled": enabled == "enabled"}
        elif current is None:
            found[service] = {"unit": None, "active": False, "enabled": False}
    return found


@fact("network.ports", "ss -Hltn 2>/dev/null || netstat -ltn 2>/dev/null")
def parse_ports(out: ProbeOutput) -> list[int]:
    ports = set()
    for line in out.stdout.splitlines():
        fields = line.split()
        local = next((f for f in fields if re.search(r":(\d+)$", f) and not f.startswith("*:*")), None)
        if local and ("LISTEN" in line or fields[0] in ("LISTEN", "tcp", "tcp6")):
            ports.add(int(local.rsplit(":", 1)[1]))
    return sorted(ports)


@fact(
    "network.security",
    "echo '== selinux =='; getenforce 2>/dev/null || echo absent\n"
    "echo '== firewalld =='; systemctl is-active firewalld 2>/dev/null || true\n"
    "echo '== ufw =='; ufw status 2>/dev/null | head -1 || true\n"
    "echo '== nft =='; nft list ruleset 2>/dev/null | "
    "grep -c -E '^\\s+(ip|tcp|udp|ct|iif|oif|meta|counter|drop|reject)' || true\n"
    "echo '== iptables =='; iptables -S 2>/dev/null | grep -vc '^-P' || true",
    sudo=True,
)
def parse_security(out: ProbeOutput) -> dict[str, Any]:
    s = {k: v.strip() for k, v in sections(out.stdout).items()}
    selinux = s.get("selinux", "absent") or "absent"
    rules = sum(int(x) for x in (s.get("nft", "0") or "0", s.get("iptables", "0") or "0") if x.isdigit())
    firewall = ("firewalld" if s.get("firewalld") == "active" else
                "ufw" if s.get("ufw", "").startswith("Status: active") else
                f"{rules} packet filter rules" if rules else "none")
    return {"selinux": selinux.lower(), "firewall": firewall}


def _peers_command(ctx: HostContext, std: Standard) -> str | None:
    names = sorted({n for members in ctx.peers.values() for n, _ in members if n != ctx.name})
    if not names:
        return None
    return "\n".join(f"printf '%s=%s\\n' {shlex.quote(n)} \"$(getent ahostsv4 {shlex.quote(n)} | "
                     "awk 'NR==1 {print $1}')\"" for n in names)


@fact("network.peers", command_for=_peers_command)
def parse_peers(out: ProbeOutput) -> dict[str, str]:
    return key_values(out.stdout)


def _tiers_command(ctx: HostContext, std: Standard) -> str | None:
    lines = []
    for tier in std.tiers:
        if tier.source not in ctx.groups:
            continue
        for name, address in ctx.peers.get(tier.target, ()):
            for port in tier.ports:
                a, p = shlex.quote(address), shlex.quote(str(port))
                # The address and port reach bash as arguments, never as part of its script.
                lines.append(f"if timeout 3 bash -c '</dev/tcp/\"$1\"/\"$2\"' _ {a} {p} 2>/dev/null; then r=open; "
                             f"else r=closed; fi; printf '%s|%s|%s|%s\\n' {shlex.quote(name)} {a} {p} \"$r\"")
    return "\n".join(lines) or None


@fact("network.tiers", command_for=_tiers_command, timeout=60)
def parse_tiers(out: ProbeOutput) -> list[dict[str, Any]]:
    result = []
    for line in out.stdout.splitlines():
        parts = line.split("|")
        if len(parts) == 4:
            result.append({"target": parts[0], "address": parts[1], "port": int(parts[2]),
                           "ok": parts[3] == "open"})
    return result


BASELINE_HOSTS = Remediation("server", ("hosts",))


@check(
    "network.hostname_resolves",
    title=("Host name resolves to the host's LAN address", "主机名解析为本机内网地址"),
    fix=("Put `<LAN address> <hostname>` in /etc/hosts (`envcheck deploy server --tags hosts`); "
         "a name resolving to 127.0.1.1 only breaks clustering and RMI.",
         "在 /etc/hosts 中写入 `<内网地址> <主机名>`(`envcheck deploy server --tags hosts`);"
         "主机名只解析到 127.0.1.1 会导致集群和 RMI 故障。"),
    severity=Severity.MAJOR,
    facts=["network.hostname", "host"],
    remediation=BASELINE_HOSTS,
)
def hostname_resolves(f: Mapping[str, Any], std: Standard) -> Outcome:
    h, ctx = f["network.hostname"], f["host"]
    resolves = h["resolves"]
    expected = ctx.lan_address or "an address of this host other than loopback"
    if not resolves:
        return bad("unresolved", expected, f"{h['hostname']} does not resolve", f"{h['hostname']} 无法解析")
    if ctx.lan_address:
        good = ctx.lan_address in resolves
    else:
        good = any(a in h["addresses"] and not a.startswith("127.") for a in resolves)
    if good:
        return ok(resolves, expected, f"{h['hostname']} resolves to {', '.join(resolves)}",
                  f"{h['hostname']} 解析为 {', '.join(resolves)}")
    return bad(resolves, expected, f"{h['hostname']} resolves to {', '.join(resolves)}, expected {expected}",
               f"{h['hostname']} 解析为 {', '.join(resolves)},应为 {expected}")


@check(
    "network.services_active",
    title=("Expected services are running", "应运行的服务均在运行"),
    fix=("Start them with `systemctl start <unit>` and read `journalctl -u <unit>` for why they stopped.",
         "用 `systemctl start <服务>` 启动,并用 `journalctl -u <服务>` 查看停止原因。"),
    severity=Severity.CRITICAL,
    facts=["network.services"],
)
def services_active(f: Mapping[str, Any], std: Standard) -> Outcome:
    return _services(f["network.services"], "active", "running", "未运行")


@check(
    "network.services_enabled",
    title=("Expected services start at boot", "应运行的服务已设为开机启动"),
    fix=("Enable them: `systemctl enable <unit>`; otherwise the next reboot takes the system down.",
         "执行 `systemctl enable <服务>`;否则下次重启后系统将无法提供服务。"),
    severity=Severity.MAJOR,
    facts=["network.services"],
)
def services_enabled(f: Mapping[str, Any], std: Standard) -> Outcome:
    return _services(f["network.services"], "enabled", "enabled at boot", "未设为开机启动")


def _services(found: Mapping[str, Any], key: str, en: str, zh_bad: str) -> Outcome:
    state = {s: (v["unit"] or "not installed") + ("" if v[key] else f" (not {en})") for s, v in found.items()}
    wrong = [s for s, v in found.items() if not v[key]]
    if not wrong:
        return ok(state, sorted(found), f"all expected services {en}", "所有应运行的服务状态正常")
    return bad(state, sorted(found), f"not {en}: {', '.join(wrong)}", f"{zh_bad}:{', '.join(wrong)}")


@check(
    "network.ports_listening",
    title=("Expected ports are listening", "应监听的端口均在监听"),
    fix=("Start the service that owns the port, or check its listen address and port settings.",
         "启动占用该端口的服务,或检查其监听地址和端口配置。"),
    severity=Severity.CRITICAL,
    facts=["network.ports"],
)
def ports_listening(f: Mapping[str, Any], std: Standard) -> Outcome:
    if not std.ports:
        return Outcome(Status.SKIP, None, None, absent("the standard expects no ports here",
                                                       "标准未要求此主机监听端口").reason)
    listening = set(f["network.ports"])
    missing = [p for p in std.ports if p not in listening]
    if not missing:
        return ok(sorted(std.ports), list(std.ports), "expected ports are listening", "应监听的端口均在监听")
    return bad(f"not listening: {missing}", list(std.ports), f"ports not listening: {missing}",
               f"未监听的端口:{missing}")


@check(
    "network.firewall",
    title=("Firewall state (reported)", "防火墙状态(仅报告)"),
    fix=("Make sure the firewall lets the tiers' ports through (`envcheck check -c network.tiers`).",
         "确认防火墙放行各层之间的端口(`envcheck check -c network.tiers`)。"),
    severity=Severity.INFO,
    facts=["network.security"],
)
def firewall(f: Mapping[str, Any], std: Standard) -> Outcome:
    fw = f["network.security"]["firewall"]
    return ok(fw, None, f"firewall: {fw}", f"防火墙:{fw}")


@check(
    "network.selinux",
    title=("SELinux state (reported)", "SELinux 状态(仅报告)"),
    fix=("In enforcing mode, label the application's ports and paths (semanage port/fcontext) "
         "rather than disabling SELinux.",
         "强制模式下请为应用的端口和目录设置标签(semanage port/fcontext),不要直接关闭 SELinux。"),
    severity=Severity.INFO,
    facts=["network.security"],
)
def selinux(f: Mapping[str, Any], std: Standard) -> Outcome:
    state = f["network.security"]["selinux"]
    if state == "absent":
        return Outcome(Status.SKIP, None, None, absent("SELinux is not installed", "未安装 SELinux").reason)
    return ok(state, None, f"SELinux: {state}", f"SELinux:{state}")


@check(
    "network.tiers",
    title=("This host reaches the next tier", "本机可连通下一层"),
    fix=("Check the target service, its listen address, and the firewalls between the tiers "
         "(`nc -zv <address> <port>` from this host).",
         "检查目标服务、其监听地址以及两层之间的防火墙(在本机执行 `nc -zv <地址> <端口>`)。"),
    severity=Severity.CRITICAL,
    facts=["network.tiers"],
)
def tiers(f: Mapping[str, Any], std: Standard) -> Outcome:
    probes = f["network.tiers"]
    closed = [f"{p['target']} ({p['address']}):{p['port']}" for p in probes if not p["ok"]]
    reached = [f"{p['target']}:{p['port']}" for p in probes if p["ok"]]
    if not closed:
        return ok(reached, None, f"reaches {', '.join(reached)}", f"可连通 {', '.join(reached)}")
    return bad({"closed": closed, "open": reached}, "all open", f"cannot reach {', '.join(closed)}",
               f"无法连通 {', '.join(closed)}")


@check(
    "network.peers_resolve",
    title=("Peers' names resolve to their LAN addresses", "其他主机名解析为其内网地址"),
    fix=("Write every host's LAN address in /etc/hosts: `envcheck deploy server --tags hosts`.",
         "在 /etc/hosts 中写入各主机的内网地址:`envcheck deploy server --tags hosts`。"),
    severity=Severity.MAJOR,
    facts=["network.peers", "host"],
    remediation=BASELINE_HOSTS,
)
def peers_resolve(f: Mapping[str, Any], std: Standard) -> Outcome:
    ctx = f["host"]
    expected = {n: a for members in ctx.peers.values() for n, a in members if n != ctx.name}
    resolved = f["network.peers"]
    wrong = {n: resolved.get(n) or "unresolved" for n, a in expected.items() if resolved.get(n) != a}
    if not wrong:
        return ok(resolved, expected, "peers resolve to their LAN addresses", "其他主机名解析正确")
    listing = ", ".join(f"{n} -> {a}" for n, a in wrong.items())
    return bad(resolved, expected, f"wrong resolution: {listing}", f"解析错误:{listing}")
