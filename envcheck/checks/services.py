"""Services: the standard's services active and enabled, its ports listening."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from envcheck.checks.common import bad, ok, unit_files_exist
from envcheck.checks.network import is_loopback
from envcheck.checks.registry import HostContext, absent, check, fact
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


def _services_command(ctx: HostContext, std: Standard) -> str | None:
    if not std.services:
        return None
    lines, patterns, cases = [], [], []
    for service in std.services:
        units = _units(service)
        # Each value quoted on its own, so that it stays one word whatever it holds.
        lines.append(f"printf 'want|%s|%s\\n' {shlex.quote(service)} {shlex.quote(','.join(units))}")
        patterns += [f"{shlex.quote(u)}.service {shlex.quote(u)}'@*.service'" for u in units]
        cases += [f"{shlex.quote(u)}.service|{shlex.quote(u)}@*.service" for u in units]
    pats = " ".join(patterns)
    # Two systemctl calls for all services: loaded units with their state, installed unit
    # files; none where no unit file of these services exists.
    lines.append(unit_files_exist("|".join(cases)))
    lines.append(f"if [ -n \"$ecu\" ]; then systemctl list-units --all --type=service --plain --no-legend --full "
                 f"{pats} 2>/dev/null | awk '{{print \"unit|\" $1 \"|\" $3 \"|\" $4}}'")
    lines.append(f"systemctl list-unit-files --type=service --no-legend --plain {pats} 2>/dev/null | "
                 "awk '{print \"file|\" $1 \"|\" $2}'; fi")
    return "\n".join(lines)


_ENABLED = ("enabled", "enabled-runtime", "generated", "indirect")


def _unit_of(unit: str, names: tuple[str, ...]) -> bool:
    """Whether a unit is one of the names, or an instance of one (postgresql@15-main)."""
    base = unit.removesuffix(".service")
    return base in names or ("@" in base and base.partition("@")[0] in names)


@fact("network.services", command_for=_services_command)
def parse_services(out: ProbeOutput) -> dict[str, dict[str, Any]]:
    wanted: dict[str, tuple[str, ...]] = {}
    units: dict[str, tuple[str, str]] = {}  # unit -> (active state, sub state)
    files: dict[str, str] = {}  # unit file -> enablement
    for line in out.stdout.splitlines():
        parts = line.split("|")
        if parts[0] == "want" and len(parts) == 3:
            wanted[parts[1]] = tuple(parts[2].split(","))
        elif parts[0] == "unit" and len(parts) == 4:
            units[parts[1]] = (parts[2], parts[3])
        elif parts[0] == "file" and len(parts) == 3 and "@." not in parts[1]:
            files[parts[1]] = parts[2]
    found: dict[str, dict[str, Any]] = {}
    for service, names in wanted.items():
        loaded = {u: st for u, st in units.items() if _unit_of(u, names)}
        # Debian's postgresql.service is a oneshot umbrella, "active (exited)" even with every
        # cluster (postgresql@15-main) down: an exited unit counts only when nothing else runs.
        running = [u for u, (act, sub) in loaded.items() if act == "active" and sub != "exited"]
        if not running and not any("@" in u for u in loaded):
            running = [u for u, (act, _) in loaded.items() if act == "active"]
        enabled = [u for u, state in files.items() if _unit_of(u, names) and state in _ENABLED]
        installed = sorted({*loaded, *(u for u in files if _unit_of(u, names))})
        found[service] = {"units": installed, "active": running, "enabled": enabled}
    return found


# ss asked for the LISTEN state alone: the kernel then reads just its table of listeners.
# `ss -l` asks for LISTEN and CLOSE, and /proc/net/tcp lists everything, so both walk the
# whole connection hash table (measured on a lab host: 6.8 ms against 2.6 ms, and growing
# with a busy server's connections). With one state asked, ss prints no State column.
@fact("network.ports", "ss -Htn state listening 2>/dev/null || netstat -ltn 2>/dev/null", may_block=False)
def parse_ports(out: ProbeOutput) -> list[dict[str, Any]]:
    listening = set()
    for line in out.stdout.splitlines():
        fields = line.split()
        # ss -H state listening: Recv-Q Send-Q Local Peer; ss -H -l: State Recv-Q Send-Q
        # Local Peer; netstat: Proto Recv-Q Send-Q Local Foreign State
        if "LISTEN" in fields and len(fields) >= 5:
            local = fields[3]
        elif len(fields) >= 4 and fields[0].isdigit() and fields[1].isdigit():
            local = fields[2]
        else:
            continue
        address, _, port = local.rpartition(":")
        if port.isdigit():
            listening.add((int(port), address))
    return [{"port": p, "address": a} for p, a in sorted(listening)]


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
    state = {s: ", ".join(v[key]) if v[key] else (f"not {en}: " + ", ".join(v["units"]) if v["units"]
                                                  else "not installed")
             for s, v in found.items()}
    wrong = [s for s, v in found.items() if not v[key]]
    if not wrong:
        return ok(state, sorted(found), f"all expected services {en}", "所有应运行的服务状态正常")
    return bad(state, sorted(found), f"not {en}: " + ", ".join(f"{s} ({state[s]})" for s in wrong),
               f"{zh_bad}:{', '.join(wrong)}")


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
    addresses: dict[int, list[str]] = {}
    for entry in f["network.ports"]:
        addresses.setdefault(entry["port"], []).append(entry["address"])
    found = {str(p): addresses.get(p, ["not listening"]) for p in std.ports}
    missing = [p for p in std.ports if p not in addresses]
    if missing:
        return bad(found, list(std.ports), f"ports not listening: {missing}", f"未监听的端口:{missing}")
    local = [p for p in std.ports if all(is_loopback(a) for a in addresses[p])]
    if local:
        return bad(found, list(std.ports), f"ports listening on loopback only (other hosts cannot connect): {local}",
                   f"端口仅监听回环地址(其他主机无法连接):{local}", Status.WARN)
    return ok(found, list(std.ports), "expected ports are listening", "应监听的端口均在监听")
