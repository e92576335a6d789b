"""Evaluations are pure: fact values in, status out. Fact values here are the parsed
fixtures captured from lab hosts, so the cases are real states."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from envcheck.audit.engine import evaluate_check
from envcheck.checks import CHECKS, FLEET_CHECKS, load_catalogue
from envcheck.checks.registry import FleetHost, HostContext
from envcheck.model import HostFacts, HostStatus, Status
from envcheck.standard import Standard

load_catalogue()
FIXTURES = Path(__file__).parent.parent / "fixtures" / "facts"
STD = Standard.from_vars({})
CTX = HostContext("web1", "127.0.0.11", ("web",), "10.99.0.11",
                  {"web": (("web1", "10.99.0.11"),), "app": (("app1", "10.99.0.12"),)})


def fixture(fact_id: str, case: str) -> Any:
    return json.loads((FIXTURES / fact_id / f"{case}.json").read_text())["expected"]


def run(check_id: str, std: Standard = STD, **facts: Any) -> Status:
    values = {k.replace("__", "."): v for k, v in facts.items()}
    values.setdefault("host", CTX)
    return evaluate_check(CHECKS[check_id], "web1", values, std).status


@pytest.mark.parametrize("check_id,facts,std_vars,status", [
    ("time.timezone", {"time__zone": ("time.zone", "debian12-utc-symlink")}, {}, Status.FAIL),
    ("time.timezone", {"time__zone": ("time.zone", "debian12-utc-symlink")},
     {"standard_timezone": "Etc/UTC"}, Status.PASS),
    ("time.timezone", {"time__zone": ("time.zone", "debian12-shanghai-copied")}, {}, Status.PASS),
    ("time.tz_environment", {"time__tz_env": ("time.tz_env", "debian12-tz-in-environment-unit-and-process")},
     {}, Status.FAIL),
    ("time.tz_environment", {"time__tz_env": ("time.tz_env", "debian12-none")}, {}, Status.PASS),
    ("time.ntp_synchronized", {"time__sync": ("time.sync", "debian12-container-chrony-not-running")},
     {}, Status.SKIP),
    ("time.ntp_synchronized", {"time__sync": ("time.sync", "rhel9-chrony-synchronised")}, {}, Status.PASS),
    ("time.ntp_offset", {"time__sync": ("time.sync", "rhel9-chrony-synchronised")}, {}, Status.PASS),
    ("locale.system_lang", {"locale__system": ("locale.system", "debian12-clean")}, {}, Status.FAIL),
    ("locale.system_lang", {"locale__system": ("locale.system", "debian12-zh-cn-with-gbk-profile")}, {}, Status.PASS),
    ("locale.no_override", {"locale__system": ("locale.system", "debian12-zh-cn-with-gbk-profile")}, {}, Status.FAIL),
    ("locale.required_generated", {"locale__available": ("locale.available", "debian12-clean")}, {}, Status.FAIL),
    ("locale.required_generated", {"locale__available": ("locale.available", "debian12-zh-en-generated")},
     {}, Status.PASS),
    ("locale.service_lang", {"locale__services": ("locale.services", "handmade-child-listed-first")},
     {}, Status.PASS),
    ("resources.swappiness", {"resources__kernel": ("resources.kernel", "debian12-nspawn")}, {}, Status.SKIP),
    ("resources.nofile", {"resources__limits": ("resources.limits", "debian12-nginx")}, {}, Status.FAIL),
    ("resources.nofile", {"resources__limits": ("resources.limits", "debian12-clean")}, {}, Status.SKIP),
    ("resources.disk_free", {"resources__disk": ("resources.disk", "debian12-clean")}, {}, Status.PASS),
    ("resources.disk_free", {"resources__disk": ("resources.disk", "debian12-clean")},
     {"standard_min_free_disk_percent": 99.5}, Status.FAIL),
    ("network.services_active", {"network__services": ("network.services", "debian12-nginx-active-no-tomcat")},
     {}, Status.FAIL),
    ("network.ports_listening", {"network__ports": ("network.ports", "debian12-nginx")},
     {"standard_ports": [80]}, Status.PASS),
    ("network.ports_listening", {"network__ports": ("network.ports", "debian12-nginx")},
     {"standard_ports": [80, 8080]}, Status.FAIL),
    ("network.tiers", {"network__tiers": ("network.tiers", "debian12-web-to-app-refused")}, {}, Status.FAIL),
    ("network.hostname_resolves", {"network__hostname": ("network.hostname", "debian12-clean")}, {}, Status.PASS),
    ("network.peers_resolve", {"network__peers": ("network.peers", "debian12-lab")}, {}, Status.PASS),
    ("mysql.character_set_server", {"mysql__variables": ("mysql.variables", "debian12-mariadb-default")},
     {}, Status.PASS),
    ("mysql.collation_server", {"mysql__variables": ("mysql.variables", "debian12-mariadb-default")},
     {}, Status.FAIL),
    ("mysql.collation_server", {"mysql__variables": ("mysql.variables", "debian12-mariadb-default")},
     {"standard_mysql_collation": "utf8mb4_general_ci"}, Status.PASS),
    ("mysql.database_charsets", {"mysql__variables": ("mysql.variables", "debian12-mariadb-default")},
     {}, Status.SKIP),
    ("mysql.database_charsets",
     {"mysql__variables": ("mysql.variables", "debian12-mariadb-legacy-latin1-utf8mb3")}, {}, Status.FAIL),
    ("mysql.no_utf8mb3", {"mysql__variables": ("mysql.variables", "debian12-mariadb-legacy-latin1-utf8mb3")},
     {}, Status.FAIL),
    ("mysql.no_utf8mb3", {"mysql__variables": ("mysql.variables", "debian12-mariadb-default")}, {}, Status.PASS),
    ("mysql.time_zone", {"mysql__variables": ("mysql.variables", "debian12-mariadb-default"),
                         "time__zone": ("time.zone", "debian12-utc-symlink")}, {}, Status.FAIL),
    ("mysql.time_zone", {"mysql__variables": ("mysql.variables", "debian12-mariadb-default"),
                         "time__zone": ("time.zone", "debian12-utc-symlink")},
     {"standard_timezone": "Etc/UTC"}, Status.PASS),
    ("mysql.tz_tables", {"mysql__variables": ("mysql.variables", "debian12-mariadb-default")}, {}, Status.FAIL),
    ("mysql.lower_case_table_names", {"mysql__variables": ("mysql.variables", "debian12-mariadb-default")},
     {}, Status.FAIL),
    ("mysql.max_connections", {"mysql__variables": ("mysql.variables", "debian12-mariadb-default")},
     {}, Status.FAIL),
    ("postgresql.server_encoding", {"postgresql__settings": ("postgresql.settings", "debian12-pg15-default")},
     {}, Status.PASS),
    ("postgresql.database_encodings",
     {"postgresql__settings": ("postgresql.settings", "debian12-pg15-sql-ascii-db")},
     {"standard_pg_locale": "C.UTF-8"}, Status.FAIL),
    ("postgresql.database_encodings", {"postgresql__settings": ("postgresql.settings", "debian12-pg15-default")},
     {"standard_pg_locale": "C.UTF-8"}, Status.PASS),
    ("postgresql.timezone", {"postgresql__settings": ("postgresql.settings", "debian12-pg15-default")},
     {}, Status.FAIL),
    ("tomcat.uri_encoding", {"tomcat__jvm": ("tomcat.jvm", "debian12-tomcat10-default")}, {}, Status.FAIL),
    ("tomcat.uri_encoding", {"tomcat__jvm": ("tomcat.jvm", "debian12-tomcat10-standard")}, {}, Status.PASS),
    ("tomcat.file_encoding", {"tomcat__jvm": ("tomcat.jvm", "debian12-tomcat10-standard")}, {}, Status.PASS),
    ("tomcat.file_encoding", {"tomcat__jvm": ("tomcat.jvm", "debian12-tomcat10-stopped")}, {}, Status.FAIL),
    ("tomcat.user_timezone", {"tomcat__jvm": ("tomcat.jvm", "debian12-tomcat10-default"),
                              "time__zone": ("time.zone", "debian12-utc-symlink")}, {}, Status.FAIL),
    ("tomcat.user_timezone", {"tomcat__jvm": ("tomcat.jvm", "debian12-tomcat10-standard"),
                              "time__zone": ("time.zone", "debian12-utc-symlink")}, {}, Status.PASS),
    ("tomcat.heap", {"tomcat__jvm": ("tomcat.jvm", "debian12-tomcat10-default")}, {}, Status.WARN),
    ("tomcat.heap", {"tomcat__jvm": ("tomcat.jvm", "debian12-tomcat10-standard")}, {}, Status.PASS),
    ("nginx.charset", {"nginx__config": ("nginx.config", "debian12-nginx-default")}, {}, Status.FAIL),
    ("nginx.charset", {"nginx__config": ("nginx.config", "debian12-nginx-standard")}, {}, Status.PASS),
    ("nginx.client_max_body_size", {"nginx__config": ("nginx.config", "debian12-nginx-default")}, {}, Status.FAIL),
    ("nginx.client_max_body_size", {"nginx__config": ("nginx.config", "debian12-nginx-standard")}, {}, Status.PASS),
    ("apache.default_charset", {"apache__config": ("apache.config", "debian12-apache2-default")}, {}, Status.FAIL),
    ("postgresql.listen_addresses", {"postgresql__settings": ("postgresql.settings", "debian12-pg15-default")},
     {}, Status.FAIL),
])
def test_check_on_captured_state(check_id: str, facts: dict[str, tuple[str, str]],
                                 std_vars: dict[str, Any], status: Status) -> None:
    values = {k: fixture(*v) for k, v in facts.items()}
    assert run(check_id, Standard.from_vars(std_vars), **values) == status


def _fleet_host(name: str, offset: float, zone_case: str, std: Standard = STD) -> FleetHost:
    status = HostStatus(name, "127.0.0.1", True, None, offset, 1.0)
    facts = {"time.zone": fixture("time.zone", zone_case), "locale.system": fixture("locale.system", "debian12-clean")}
    return FleetHost(name, ("app",), HostFacts(status, ("app",), facts), std)


def test_fleet_timezone_and_skew() -> None:
    same = [_fleet_host("a", 1.0, "debian12-shanghai-copied"), _fleet_host("b", 3.0, "debian12-shanghai-copied")]
    assert FLEET_CHECKS["fleet.timezone"].evaluate(same, STD).status == Status.PASS
    mixed = [same[0], _fleet_host("c", 2.0, "debian12-utc-symlink")]
    outcome = FLEET_CHECKS["fleet.timezone"].evaluate(mixed, STD)
    assert outcome.status == Status.FAIL and "c" in outcome.message.en
    assert FLEET_CHECKS["fleet.clock_skew"].evaluate(same, STD).status == Status.PASS
    skewed = [same[0], _fleet_host("d", 120_000.0, "debian12-shanghai-copied")]
    outcome = FLEET_CHECKS["fleet.clock_skew"].evaluate(skewed, STD)
    assert outcome.status == Status.FAIL and "d ahead of a" in outcome.message.en
    assert FLEET_CHECKS["fleet.locale"].evaluate(same, STD).status == Status.FAIL  # both C, standard zh_CN


def test_absent_and_broken_facts_become_skip_and_error() -> None:
    from envcheck.model import Absent, FactError, Text

    assert run("locale.service_lang", locale__services=Absent(Text("none", "无"))) == Status.SKIP
    assert run("time.timezone", time__zone=FactError("probe timed out")) == Status.ERROR
    assert run("time.timezone", time__zone={"unexpected": "shape"}) == Status.ERROR  # never a crash


def test_outside_containers_ntp_and_kernel_settings_are_checked() -> None:
    sync = {**fixture("time.sync", "debian12-container-chrony-not-running"), "container": None}
    assert run("time.ntp_synchronized", time__sync=sync) == Status.FAIL
    assert run("time.ntp_synchronized", time__sync=fixture("time.sync", "rhel9-chrony-synchronised")) == Status.PASS
    kernel = {**fixture("resources.kernel", "debian12-nspawn"), "container": None}
    assert run("resources.swappiness", resources__kernel=kernel) == Status.FAIL
    assert run("resources.swappiness", Standard.from_vars({"standard_vm_swappiness": 60}),
               resources__kernel=kernel) == Status.PASS
    assert run("resources.transparent_hugepage", resources__kernel=kernel) == Status.FAIL


def test_a_service_without_lang_runs_in_ascii() -> None:
    java = {"java": {"pid": 42, "env": {}, "file_encoding": None, "sun_jnu_encoding": None}}
    assert run("locale.service_lang", locale__services=java) == Status.FAIL
    java["java"]["env"] = {"LANG": "zh_CN.UTF-8"}
    assert run("locale.service_lang", locale__services=java) == Status.PASS
