"""Fleet checks: do the hosts agree with each other? Computed after the per-host results,
from the facts each host already gave (and the clock offsets the transport measured)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from typing import Any

from envcheck.checks.registry import FleetHost, HostContext, Remediation, absent, fleet_check
from envcheck.checks.util.common import bad, norm_locale, ok
from envcheck.checks.util.zones import abbreviation_of, same_zone
from envcheck.model import Absent, FactError, Outcome, Severity, Status
from envcheck.standard import Standard


def _fact(h: FleetHost, fact_id: str) -> Any:
    """A host's parsed fact, or None when it is absent there or could not be read."""
    value = h.facts.facts.get(fact_id)
    return None if isinstance(value, Absent | FactError) else value


def _values(hosts: Sequence[FleetHost], read: Callable[[FleetHost], Any]) -> dict[str, Any]:
    """host -> value, leaving out hosts where the value is unknown."""
    out = {}
    for h in hosts:
        try:
            value = read(h)
        except (KeyError, TypeError, AttributeError):
            continue
        if value is not None:
            out[h.name] = value
    return out


def _too_few(values: dict[str, Any], what_en: str, what_zh: str, expected: Any = None) -> Outcome | None:
    if len(values) >= 2:
        return None
    return Outcome(Status.SKIP, values or None, expected, absent(
        f"fewer than two reachable hosts report the {what_en}", f"报告{what_zh}的可达主机少于两台").reason)


def _groups(values: dict[str, Any], same: Callable[[Any, Any], bool]) -> dict[str, list[str]]:
    """Hosts grouped by value, values that `same` says are one counted once (first name kept)."""
    out: dict[str, list[str]] = {}
    for host, value in values.items():
        key = next((k for k in out if same(k, str(value))), str(value))
        out.setdefault(key, []).append(host)
    return out


def _agree(values: dict[str, Any], what_en: str, what_zh: str, expected: str,
           same: Callable[[Any, Any], bool] = lambda a, b: a == b) -> Outcome:
    if (skip := _too_few(values, what_en, what_zh, expected)) is not None:
        return skip
    groups = _groups(values, same)
    if len(groups) == 1:
        [value] = groups
        if same(value, expected):
            return ok(values, expected, f"every host has the same {what_en}: {value}",
                      f"所有主机的{what_zh}一致:{value}")
        return bad(values, expected, f"every host has {what_en} {value}, the standard is {expected}",
                   f"所有主机的{what_zh}均为 {value},标准为 {expected}")
    detail = "; ".join(f"{v}: {', '.join(hs)}" for v, hs in groups.items())
    return bad(values, expected, f"hosts disagree on the {what_en}: {detail}", f"各主机的{what_zh}不一致:{detail}")


def _os_zone(h: FleetHost) -> str | None:
    z = _fact(h, "time.zone")
    if z is None:
        return None
    if z.get("kind") == "file" and z.get("same_as_expected"):
        return h.standard.timezone
    return z.get("zone") or f"{z.get('abbrev')} {z.get('utc_offset')}"


@fleet_check(
    "fleet.timezone",
    title=("One OS timezone on every host", "所有主机操作系统时区一致"),
    fix=("Set the standard zone everywhere: `envcheck deploy server --tags timezone` (by hand: "
         "`timedatectl set-timezone <zone>`), then restart the services; logs of different hosts "
         "can only be compared when they share a zone.",
         "在所有主机上设置标准时区:`envcheck deploy server --tags timezone`(手动:"
         "`timedatectl set-timezone <时区>`),然后重启各服务;时区一致,各主机日志时间才能对照。"),
    severity=Severity.CRITICAL,
    remediation=Remediation("server", ("timezone",)),
    facts=["time.zone"],
)
def fleet_timezone(hosts: Sequence[FleetHost], std: Standard) -> Outcome:
    return _agree(_values(hosts, _os_zone), "timezone", "时区", std.timezone, same_zone)


def _layer_zones(h: FleetHost) -> dict[str, str]:
    """Each layer's zone on a host: OS, MySQL, PostgreSQL (sessions and logs), every JVM."""
    zones = {"os": _os_zone(h)}
    mysql = _fact(h, "mysql.variables")
    if mysql:
        tz = mysql.get("time_zone")
        zones["mysql"] = f"SYSTEM ({mysql.get('system_time_zone')})" if tz == "SYSTEM" else tz
    pg = _fact(h, "postgresql.settings")
    if pg:
        zones["postgresql"] = pg.get("TimeZone")
        zones["postgresql log"] = pg.get("log_timezone")
    tomcat = _fact(h, "tomcat.jvm")
    if tomcat and tomcat.get("running") and tomcat.get("user_timezone"):
        zones["tomcat"] = tomcat["user_timezone"]
    for name, proc in (_fact(h, "locale.services") or {}).items():
        if "options" in proc:  # a JVM: -Duser.timezone, else TZ, else it follows the OS
            zone = proc["options"].get("user.timezone") or proc["env"].get("TZ", "").lstrip(":")
            if zone:
                zones[name] = zone
    return {k: v for k, v in zones.items() if v}


def _layer_ok(value: str, zone: str) -> bool:
    if value.startswith("SYSTEM (") and value.endswith(")"):
        # MySQL names the OS zone it read at start-up by its abbreviation (CST): a zone changed
        # since then shows here until the server restarts.
        system = value[len("SYSTEM ("):-1]
        return abbreviation_of(system, zone) or same_zone(system, zone)
    return same_zone(value, zone)


@fleet_check(
    "fleet.timezone_layers",
    title=("One timezone at every layer (OS, database, JVM)", "各层(系统、数据库、JVM)时区一致"),
    fix=("Set the standard zone in the database (MySQL default-time-zone, PostgreSQL timezone and "
         "log_timezone) and in every JVM (-Duser.timezone): `envcheck deploy database` and "
         "`envcheck deploy middleware`; restart MySQL after an OS zone change.",
         "在数据库(MySQL default-time-zone,PostgreSQL timezone 与 log_timezone)和每个 JVM"
         "(-Duser.timezone)中设置标准时区:`envcheck deploy database` 与 `envcheck deploy middleware`;"
         "修改系统时区后须重启 MySQL。"),
    severity=Severity.CRITICAL,
    facts=["time.zone", "mysql.variables", "postgresql.settings", "tomcat.jvm", "locale.services"],
)
def fleet_timezone_layers(hosts: Sequence[FleetHost], std: Standard) -> Outcome:
    per_host = _values(hosts, _layer_zones)
    if (skip := _too_few(per_host, "timezone", "时区", std.timezone)) is not None:
        return skip
    found = {f"{h}/{layer}": zone for h, layers in per_host.items() for layer, zone in layers.items()}
    if all(k.endswith("/os") for k in found):
        return Outcome(Status.SKIP, found, std.timezone, absent(
            "no database or JVM found on the hosts", "主机上未发现数据库或 JVM").reason)
    wrong = {k: v for k, v in found.items() if not _layer_ok(v, std.timezone)}
    if not wrong:
        return ok(found, std.timezone, "every layer uses the standard zone", "各层均使用标准时区")
    listing = ", ".join(f"{k}={v}" for k, v in wrong.items())
    return bad(found, std.timezone, f"layers off the standard zone {std.timezone}: {listing}",
               f"与标准时区 {std.timezone} 不一致的层:{listing}")


@fleet_check(
    "fleet.clock_skew",
    title=("Clocks agree across hosts", "各主机时钟一致"),
    fix=("Point every host's chrony at the same NTP servers (`envcheck deploy server --tags ntp`), "
         "then `chronyc makestep` on the hosts that are off.",
         "让所有主机的 chrony 使用相同的 NTP 服务器(`envcheck deploy server --tags ntp`),"
         "并在偏差主机上执行 `chronyc makestep`。"),
    severity=Severity.CRITICAL,
    remediation=Remediation("server", ("ntp",)),
)
def fleet_clock_skew(hosts: Sequence[FleetHost], std: Standard) -> Outcome:
    # Measured by the transport: remote clock minus the controller's, round trip corrected.
    offsets = {h.name: round(h.facts.status.clock_offset_ms, 1) for h in hosts
               if h.facts.status.clock_offset_ms is not None}
    limit = std.max_clock_offset_ms
    if (skip := _too_few(offsets, "clock", "时钟", f"<= {limit} ms")) is not None:
        return skip
    spread = max(offsets.values()) - min(offsets.values())
    found = {"spread_ms": round(spread, 1), "offsets_ms": offsets}
    if spread <= limit:
        return ok(found, f"<= {limit} ms", f"clocks within {spread:.0f} ms of each other",
                  f"各主机时钟相差 {spread:.0f} 毫秒以内")
    slow = min(offsets, key=lambda k: offsets[k])
    fast = max(offsets, key=lambda k: offsets[k])
    return bad(found, f"<= {limit} ms", f"clocks {spread:.0f} ms apart ({fast} ahead of {slow})",
               f"各主机时钟相差 {spread:.0f} 毫秒({fast} 比 {slow} 快)")


@fleet_check(
    "fleet.locale",
    title=("One system locale on every host", "所有主机系统语言环境一致"),
    fix=("Set LANG to the standard locale everywhere: `envcheck deploy server --tags locale`.",
         "在所有主机上将 LANG 设为标准语言环境:`envcheck deploy server --tags locale`。"),
    severity=Severity.MAJOR,
    remediation=Remediation("server", ("locale",)),
    facts=["locale.system"],
)
def fleet_locale(hosts: Sequence[FleetHost], std: Standard) -> Outcome:
    def lang(h: FleetHost) -> str | None:
        system = _fact(h, "locale.system")
        return None if system is None else norm_locale(system.get("lc_all") or system.get("lang") or "C")

    return _agree(_values(hosts, lang), "system locale", "系统语言环境", norm_locale(std.locale))


def _inventory_addresses(hosts: Sequence[FleetHost]) -> dict[str, str]:
    """name -> LAN address of every inventory host, as the inventory gives it (lan_address,
    else ansible_host when that is a routable IP address)."""
    expected: dict[str, str] = {}
    read: set[int] = set()  # the hosts of one audit share one peers mapping: read it once
    for h in hosts:
        ctx = h.facts.facts.get("host")
        if not isinstance(ctx, HostContext) or id(ctx.peers) in read:
            continue
        read.add(id(ctx.peers))
        for members in ctx.peers.values():
            for name, address in members:
                try:
                    if not ipaddress.ip_address(address).is_loopback:
                        expected.setdefault(name, address)
                except ValueError:
                    continue
    return expected


@fleet_check(
    "fleet.name_resolution",
    title=("Hosts resolve each other's names alike", "各主机对彼此主机名的解析一致"),
    fix=("Write every host's LAN address in /etc/hosts from the inventory: "
         "`envcheck deploy server --tags hosts`; check with `getent hosts <name>` on each host.",
         "按清单在所有主机的 /etc/hosts 中写入各主机的内网地址:`envcheck deploy server --tags hosts`;"
         "在各主机上用 `getent hosts <主机名>` 核对。"),
    severity=Severity.MAJOR,
    remediation=Remediation("server", ("hosts",)),
    facts=["network.peers"],
)
def fleet_name_resolution(hosts: Sequence[FleetHost], std: Standard) -> Outcome:
    views = _values(hosts, lambda h: _fact(h, "network.peers"))
    if (skip := _too_few(views, "names of their peers", "其他主机名解析结果")) is not None:
        return skip
    expected = _inventory_addresses(hosts)
    seen: dict[str, dict[str, str]] = {}  # peer -> {host: address it resolves to}
    for host, view in views.items():
        for peer, address in view.items():
            seen.setdefault(peer, {})[host] = address or "unresolved"
    wrong = []
    for peer, by_host in sorted(seen.items()):
        want = expected.get(peer)
        for host, address in sorted(by_host.items()):
            if want and address != want:
                wrong.append(f"{host}: {peer} -> {address} (inventory: {want})")
        if not want and len(set(by_host.values())) > 1:
            wrong.append(f"{peer} resolves differently: " + ", ".join(f"{h} -> {a}" for h, a in by_host.items()))
    found = {peer: by_host for peer, by_host in sorted(seen.items())}
    if not wrong:
        return ok(found, expected, "every host resolves its peers alike, to their inventory addresses",
                  "各主机对其他主机名的解析一致,且与清单地址相符")
    return bad(found, expected, "; ".join(wrong), ";".join(wrong))
