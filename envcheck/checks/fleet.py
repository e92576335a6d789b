"""Fleet checks: do the hosts agree with each other? Computed after the per-host results."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from envcheck.checks.common import bad, norm_locale, ok
from envcheck.checks.registry import FleetHost, Remediation, absent, fleet_check
from envcheck.model import Absent, FactError, Outcome, Severity, Status
from envcheck.standard import Standard


def _values(hosts: Sequence[FleetHost], read: Callable[[FleetHost], Any]) -> dict[str, Any]:
    """host -> value, leaving out hosts where the value is unknown."""
    out = {}
    for h in hosts:
        try:
            value = read(h)
        except (KeyError, TypeError):
            continue
        if value is not None and not isinstance(value, Absent | FactError):
            out[h.name] = value
    return out


def _fact(h: FleetHost, fact_id: str) -> Any:
    value = h.facts.facts.get(fact_id)
    return None if isinstance(value, Absent | FactError) else value


def _agree(values: dict[str, Any], what_en: str, what_zh: str, expected: Any = None) -> Outcome:
    if len(values) < 2:
        return Outcome(Status.SKIP, values, expected, absent(
            f"fewer than two hosts report the {what_en}", f"报告{what_zh}的主机少于两台").reason)
    distinct = sorted({str(v) for v in values.values()})
    if len(distinct) == 1 and (expected is None or distinct[0] == str(expected)):
        return ok(values, expected, f"every host has the same {what_en}: {distinct[0]}",
                  f"所有主机的{what_zh}一致:{distinct[0]}")
    if len(distinct) == 1:
        return bad(values, expected, f"every host has {what_en} {distinct[0]}, the standard is {expected}",
                   f"所有主机的{what_zh}均为 {distinct[0]},标准为 {expected}")
    groups = {v: sorted(h for h, x in values.items() if str(x) == v) for v in distinct}
    detail = "; ".join(f"{v}: {', '.join(hs)}" for v, hs in groups.items())
    return bad(values, expected, f"hosts disagree on the {what_en}: {detail}",
               f"各主机的{what_zh}不一致:{detail}")


def _os_zone(h: FleetHost) -> Any:
    z = _fact(h, "time.zone")
    if z is None:
        return None
    if z.get("kind") == "file" and z.get("same_as_expected"):
        return h.standard.timezone
    return z.get("zone") or f"{z.get('abbrev')} {z.get('utc_offset')}"


@fleet_check(
    "fleet.timezone",
    title=("One OS timezone on every host", "所有主机操作系统时区一致"),
    fix=("Set the standard zone everywhere: `envcheck deploy server --tags timezone`; logs of "
         "different hosts can only be compared when they share a zone.",
         "在所有主机上设置标准时区:`envcheck deploy server --tags timezone`;时区一致,"
         "各主机日志时间才能对照。"),
    severity=Severity.CRITICAL,
    remediation=Remediation("server", ("timezone",)),
    facts=["time.zone"],
)
def fleet_timezone(hosts: Sequence[FleetHost], std: Standard) -> Outcome:
    return _agree(_values(hosts, _os_zone), "timezone", "时区", std.timezone)


def _layer_zones(h: FleetHost) -> dict[str, str]:
    zones = {"os": _os_zone(h)}
    mysql = _fact(h, "mysql.variables")
    if mysql:
        tz = mysql.get("time_zone")
        zones["mysql"] = mysql.get("system_time_zone") if tz == "SYSTEM" else tz
    pg = _fact(h, "postgresql.settings")
    if pg:
        zones["postgresql"] = pg.get("TimeZone")
    jvm = _fact(h, "tomcat.jvm")
    if jvm:
        zones["jvm"] = jvm.get("user_timezone")
    return {k: v for k, v in zones.items() if v}


@fleet_check(
    "fleet.timezone_layers",
    title=("One timezone at every layer (OS, database, JVM)", "各层(系统、数据库、JVM)时区一致"),
    fix=("Set the standard zone in the database (default-time-zone / timezone) and the JVM "
         "(-Duser.timezone): `envcheck deploy database` and `envcheck deploy middleware`.",
         "在数据库(default-time-zone / timezone)和 JVM(-Duser.timezone)中设置标准时区:"
         "`envcheck deploy database` 与 `envcheck deploy middleware`。"),
    severity=Severity.CRITICAL,
    facts=["time.zone", "mysql.variables", "postgresql.settings", "tomcat.jvm"],
)
def fleet_timezone_layers(hosts: Sequence[FleetHost], std: Standard) -> Outcome:
    found = {f"{h.name}/{layer}": zone for h in hosts for layer, zone in _layer_zones(h).items()}
    layers = {k.split("/", 1)[1] for k in found}
    if layers <= {"os"}:
        return Outcome(Status.SKIP, found, std.timezone, absent(
            "no database or JVM found on the hosts", "主机上未发现数据库或 JVM").reason)
    # MySQL reports the system zone by its abbreviation (CST): accept the standard's own.
    wrong = {k: v for k, v in found.items() if v != std.timezone and not _same_abbrev(v, std.timezone)}
    if not wrong:
        return ok(found, std.timezone, "every layer uses the standard zone", "各层均使用标准时区")
    listing = ", ".join(f"{k}={v}" for k, v in wrong.items())
    return bad(found, std.timezone, f"layers off the standard zone: {listing}", f"与标准时区不一致的层:{listing}")


def _same_abbrev(value: str, zone: str) -> bool:
    from datetime import datetime  # noqa: PLC0415
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    return value == datetime.now(ZoneInfo(zone)).strftime("%Z")


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
    offsets = {h.name: round(h.facts.status.clock_offset_ms, 1) for h in hosts
               if h.facts.status.clock_offset_ms is not None}
    limit = std.max_clock_offset_ms
    if len(offsets) < 2:
        return Outcome(Status.SKIP, offsets, limit, absent(
            "fewer than two hosts reported their clock", "报告时钟的主机少于两台").reason)
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
        return None if system is None else (system.get("lc_all") or system.get("lang") or "C")

    values = _values(hosts, lang)
    return _agree({k: norm_locale(v) for k, v in values.items()}, "system locale", "系统语言环境",
                  norm_locale(std.locale))


@fleet_check(
    "fleet.name_resolution",
    title=("Hosts resolve each other's names alike", "各主机对彼此主机名的解析一致"),
    fix=("Write every host's LAN address in /etc/hosts from the inventory: "
         "`envcheck deploy server --tags hosts`.",
         "按清单在所有主机的 /etc/hosts 中写入各主机的内网地址:`envcheck deploy server --tags hosts`。"),
    severity=Severity.MAJOR,
    remediation=Remediation("server", ("hosts",)),
    facts=["network.peers"],
)
def fleet_name_resolution(hosts: Sequence[FleetHost], std: Standard) -> Outcome:
    expected: dict[str, str] = {}
    for h in hosts:
        ctx = h.facts.facts.get("host")
        if ctx is not None and ctx.lan_address:
            expected[h.name] = ctx.lan_address
    wrong: list[str] = []
    seen = 0
    for h in hosts:
        resolved = _fact(h, "network.peers") or {}
        for peer, address in resolved.items():
            seen += 1
            if peer in expected and address != expected[peer]:
                wrong.append(f"{h.name}: {peer} -> {address or 'unresolved'} (expected {expected[peer]})")
    if not seen:
        return Outcome(Status.SKIP, None, expected, absent(
            "no host resolved its peers (no LAN addresses in the inventory)",
            "没有主机解析其他主机(清单中无内网地址)").reason)
    if not wrong:
        return ok(expected, expected, "every host resolves its peers to their LAN addresses",
                  "各主机均将其他主机名解析为正确的内网地址")
    return bad(wrong, expected, "; ".join(wrong), ";".join(wrong))
