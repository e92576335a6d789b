"""Fleet checks on two or three fake hosts built from envcheck.model directly."""

from __future__ import annotations

from typing import Any

from envcheck.checks import FLEET_CHECKS, load_catalogue
from envcheck.checks.registry import FleetHost, HostContext
from envcheck.checks.util.zones import abbreviation_of, same_zone
from envcheck.model import Absent, FactError, HostFacts, HostStatus, Outcome, Status, Text
from envcheck.standard import Standard

load_catalogue()
STD = Standard.from_vars({})  # Asia/Shanghai, zh_CN.UTF-8, 500 ms
PEERS = {"app": (("app1", "10.99.0.12"),), "db": (("db1", "10.99.0.13"),), "web": (("web1", "10.99.0.11"),)}
LAN = {"web1": "10.99.0.11", "app1": "10.99.0.12", "db1": "10.99.0.13"}


def zone(name: str, kind: str = "symlink") -> dict[str, Any]:
    return {"kind": kind, "zone": name, "etc_timezone": name, "utc_offset": "+0800", "abbrev": "CST",
            "same_as_expected": name == "Asia/Shanghai"}


def host(name: str, offset_ms: float | None = 0.0, **facts: Any) -> FleetHost:
    values: dict[str, Any] = {k.replace("__", "."): v for k, v in facts.items()}
    values["host"] = HostContext(name, "127.0.0.1", ("app",), LAN[name], PEERS)
    status = HostStatus(name, "127.0.0.1", True, None, offset_ms, 2.0)
    return FleetHost(name, ("app",), HostFacts(status, ("app",), values), STD)


def run(check_id: str, *hosts: FleetHost) -> Outcome:
    return FLEET_CHECKS[check_id].evaluate(list(hosts), STD)


def test_zone_helpers() -> None:
    assert same_zone("Asia/Shanghai", "PRC") and same_zone("Asia/Shanghai", "Asia/Chongqing")
    assert same_zone("Asia/Shanghai", "+08:00") and same_zone("GMT+08:00", "Asia/Shanghai")
    assert same_zone("Etc/UTC", "UTC") and not same_zone("Asia/Shanghai", "Asia/Tokyo")
    assert not same_zone("Europe/Berlin", "+01:00")  # summer time
    assert not same_zone("nonsense", "also nonsense") and not same_zone(None, "UTC")
    assert abbreviation_of("CST", "Asia/Shanghai") and not abbreviation_of("JST", "Asia/Shanghai")


def test_one_timezone() -> None:
    a, b = host("web1", time__zone=zone("Asia/Shanghai")), host("app1", time__zone=zone("PRC"))
    assert run("fleet.timezone", a, b).status == Status.PASS  # one zone by two names
    c = host("db1", time__zone=zone("Etc/UTC"))
    out = run("fleet.timezone", a, b, c)
    assert out.status == Status.FAIL and "db1" in out.message.en
    utc = [host(n, time__zone=zone("Etc/UTC")) for n in ("web1", "app1")]
    assert run("fleet.timezone", *utc).status == Status.FAIL  # agree, but not the standard


def test_fewer_than_two_hosts_skip() -> None:
    one = host("web1", time__zone=zone("Asia/Shanghai"))
    broken = host("app1", time__zone=FactError("probe timed out"))
    for check_id in FLEET_CHECKS:
        assert run(check_id, one).status == Status.SKIP, check_id
    assert run("fleet.timezone", one, broken).status == Status.SKIP


def test_clock_skew() -> None:
    assert run("fleet.clock_skew", host("web1", 10.0), host("app1", -200.0)).status == Status.PASS
    out = run("fleet.clock_skew", host("web1", 10.0), host("app1", -200.0), host("db1", 90_000.0))
    assert out.status == Status.FAIL and "db1 ahead of app1" in out.message.en
    assert out.found["offsets_ms"] == {"web1": 10.0, "app1": -200.0, "db1": 90_000.0}
    assert run("fleet.clock_skew", host("web1", 10.0), host("app1", None)).status == Status.SKIP


def test_timezone_layers() -> None:
    mysql_system = {"time_zone": "SYSTEM", "system_time_zone": "CST"}
    pg = {"TimeZone": "Asia/Shanghai", "log_timezone": "PRC"}
    java = {"java org.apache.catalina.startup.Bootstrap": {"pid": 9, "env": {}, "main": "x", "java_version": "17",
                                                          "exe": None, "options": {"user.timezone": "GMT+08:00"}}}
    a = host("web1", time__zone=zone("Asia/Shanghai"), locale__services=java,
             mysql__variables=Absent(Text("no", "无")))
    b = host("db1", time__zone=zone("Asia/Shanghai"), mysql__variables=mysql_system, postgresql__settings=pg)
    assert run("fleet.timezone_layers", a, b).status == Status.PASS
    b2 = host("db1", time__zone=zone("Asia/Shanghai"), mysql__variables={"time_zone": "+00:00"},
              postgresql__settings={**pg, "log_timezone": "Etc/UTC"})
    out = run("fleet.timezone_layers", a, b2)
    assert out.status == Status.FAIL and "db1/mysql=+00:00" in out.message.en and "postgresql log" in out.message.en
    # MySQL started before the OS zone changed still reports the old one.
    b3 = host("db1", time__zone=zone("Asia/Shanghai"), mysql__variables={"time_zone": "SYSTEM",
                                                                          "system_time_zone": "UTC"})
    assert run("fleet.timezone_layers", a, b3).status == Status.FAIL
    os_only = [host(n, time__zone=zone("Asia/Shanghai")) for n in ("web1", "app1")]
    assert run("fleet.timezone_layers", *os_only).status == Status.SKIP


def test_same_locale() -> None:
    def system(lang: str | None) -> dict[str, Any]:
        return {"lang": lang, "lc_all": None, "settings": {}, "overrides": []}

    a, b = host("web1", locale__system=system("zh_CN.UTF-8")), host("app1", locale__system=system("zh_CN.utf8"))
    assert run("fleet.locale", a, b).status == Status.PASS
    out = run("fleet.locale", a, b, host("db1", locale__system=system(None)))
    assert out.status == Status.FAIL and "C: db1" in out.message.en


def test_name_resolution_agrees_with_the_inventory() -> None:
    good = {"web1": {"app1": "10.99.0.12", "db1": "10.99.0.13"}, "app1": {"web1": "10.99.0.11", "db1": "10.99.0.13"}}
    hosts = [host(n, network__peers=v) for n, v in good.items()]
    assert run("fleet.name_resolution", *hosts).status == Status.PASS
    stale = {**good, "app1": {"web1": "10.99.0.11", "db1": "10.99.0.99"}}  # an old /etc/hosts entry
    out = run("fleet.name_resolution", *(host(n, network__peers=v) for n, v in stale.items()))
    assert out.status == Status.FAIL and "app1: db1 -> 10.99.0.99" in out.message.en


def test_name_resolution_without_inventory_addresses_compares_hosts() -> None:
    def bare(name: str, peers: dict[str, str]) -> FleetHost:
        h = host(name, network__peers=peers)
        h.facts.facts["host"] = HostContext(name, "db.example", ("app",), None, {"all": (("db9", "db.example"),)})
        return h

    agree = [bare("web1", {"db9": "10.99.0.13"}), bare("app1", {"db9": "10.99.0.13"})]
    assert run("fleet.name_resolution", *agree).status == Status.PASS
    differ = [bare("web1", {"db9": "10.99.0.13"}), bare("app1", {"db9": "10.99.0.14"})]
    assert run("fleet.name_resolution", *differ).status == Status.FAIL
