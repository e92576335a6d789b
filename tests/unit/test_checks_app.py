"""The application's view (issue 18): JDBC URLs, declarations, and each check's evaluation on the
captured clean site session with one layer changed at a time: the message names that layer."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from envcheck.appview import jdbc
from envcheck.appview.configs import encoding_of, url_problems, urls_in
from envcheck.appview.declared import Endpoint
from envcheck.audit.engine import evaluate_check
from envcheck.checks import CHECKS, FACTS, load_catalogue
from envcheck.checks.util.endpoints import cell
from envcheck.errors import BadInput
from envcheck.model import ProbeOutput, Result, Status
from envcheck.standard import Standard

load_catalogue()
FIXTURES = Path(__file__).parent.parent / "fixtures" / "facts"
STD = Standard.from_vars({})


def captured(fact_id: str, case: str = "debian12-site-clean") -> Any:
    out = (FIXTURES / fact_id / f"{case}.out").read_text(encoding="utf-8")
    return FACTS[fact_id].parse(ProbeOutput(out, 0))


SESSIONS = captured("app.sessions")


def run(check_id: str, std: Standard = STD, **facts: Any) -> Result:
    values = {k.replace("__", "."): v for k, v in facts.items()}
    return evaluate_check(CHECKS[check_id], "app1", values, std)


def sessions(**changes: Any) -> Any:
    s = copy.deepcopy(SESSIONS)
    for path, value in changes.items():
        *keys, last = path.split("__")
        node = s
        for k in keys:
            node = node[k]
        node[last] = value
    return s


def test_the_captured_clean_site_passes_every_session_check() -> None:
    for check_id in ("app.datasource_session", "app.session_timezone", "app.session_clock", "app.session_encoding",
                     "app.session_modes", "app.roundtrip"):
        assert run(check_id, app__sessions=SESSIONS).status is Status.PASS, check_id


@pytest.mark.parametrize(("change", "check_id", "layer"), [
    ({"his__settings__client_encoding": {"value": "GBK", "source": "user"}}, "app.session_encoding", "per-role"),
    ({"his__settings__DateStyle": {"value": "SQL, DMY", "source": "database"}}, "app.session_modes", "per-database"),
    ({"his__settings__TimeZone": {"value": "UTC", "source": "configuration file"}}, "app.session_timezone",
     "server default"),
    ({"erp__database_encoding": {"charset": "latin1", "collation": "latin1_swedish_ci"}}, "app.session_encoding",
     "per-database"),
    ({"erp__settings__character_set_client": {"session": "latin1", "global": "utf8mb4"},
      "erp__init_connect": "SET NAMES latin1"}, "app.session_encoding", "init_connect"),
    ({"erp__settings__character_set_results": {"session": "latin1", "global": "utf8mb4"}}, "app.session_encoding",
     "driver"),
    ({"erp__settings__sql_mode": {"session": "", "global": ""}}, "app.session_modes", "server default"),
    ({"erp__roundtrip__received": "中文??"}, "app.roundtrip", "driver"),
])
def test_a_changed_layer_fails_its_check_and_is_named(change: dict[str, Any], check_id: str, layer: str) -> None:
    r = run(check_id, app__sessions=sessions(**change))
    assert r.status is Status.FAIL
    assert layer in r.message.en and r.message.zh


def test_a_session_rendering_another_zone_fails_even_with_a_standard_name() -> None:
    # MySQL's SYSTEM zone on a database host in UTC: the wall clock the session renders is 8 h off.
    s = sessions(erp__settings__time_zone={"session": "SYSTEM", "global": "SYSTEM"})
    clock = s["erp"]["clock"]
    clock["db_wall"] = "2026-12-02 15:57:47"
    clock["db_epoch"] = 1796227067.0  # 23:57:47 in Shanghai
    r = run("app.session_timezone", app__sessions=s)
    assert r.status is Status.FAIL and "-480 min" in r.message.en and "server default" in r.message.en


def test_an_unreachable_datasource_fails_with_its_reason_and_skips_the_rest() -> None:
    down = {"his": {"name": "his", "engine": "postgresql", "error": "connection refused (channel: ...)"}}
    assert run("app.datasource_session", app__sessions=down).status is Status.FAIL
    assert "connection refused" in run("app.datasource_session", app__sessions=down).message.en
    assert run("app.session_timezone", app__sessions=down).status is Status.SKIP


def test_the_database_clock_is_compared_with_the_controllers() -> None:
    skewed = sessions(his__clock__db_epoch=SESSIONS["his"]["clock"]["controller_epoch"] + 5)
    assert run("app.session_clock", app__sessions=skewed).status is Status.FAIL


def test_client_option_files_are_read_and_judged() -> None:
    out = ("== /etc/mysql/conf.d/legacy.cnf ==\n[mysqld]\ndefault-character-set = utf8mb4\n[client]\n"
           "default-character-set = latin1\n== /etc/environment ==\nPGTZ=UTC\n")
    parsed = FACTS["app.client_options"].parse(ProbeOutput(out, 0))
    assert parsed["mysql"] == {"/etc/mysql/conf.d/legacy.cnf": {"default-character-set": "latin1"}}
    r = run("app.client_options", app__client_options=parsed)
    assert r.status is Status.FAIL and "option file" in r.message.en and "PGTZ=UTC" in r.message.en
    clean = captured("app.client_options")
    assert run("app.client_options", app__client_options=clean).status is Status.PASS


@pytest.mark.parametrize(("url", "engine", "host", "port", "database", "zone", "charset"), [
    ("jdbc:mysql://10.1.1.3:3307/erp?useUnicode=true&characterEncoding=GBK&serverTimezone=UTC",
     "mysql", "10.1.1.3", 3307, "erp", "UTC", "GBK"),
    ("jdbc:mariadb://db/erp?connectionTimeZone=Asia/Shanghai", "mysql", "db", 3306, "erp", "Asia/Shanghai", None),
    ("jdbc:postgresql://db:5433/his?options=-c%20TimeZone%3DUTC&stringtype=unspecified",
     "postgresql", "db", 5433, "his", "UTC", None),
    ("jdbc:postgresql://[::1]:5432/his", "postgresql", "::1", 5432, "his", None, None),
    ("jdbc:oracle:thin:@db1:1521:ORCL", "oracle", "db1", 1521, "ORCL", None, None),
    ("jdbc:oracle:thin:@//db1:1522/svc", "oracle", "db1", 1522, "svc", None, None),
])
def test_jdbc_urls_read_as_the_drivers_read_them(url: str, engine: str, host: str, port: int, database: str,
                                                 zone: str | None, charset: str | None) -> None:
    parsed = jdbc.parse(url)
    assert parsed is not None
    assert (parsed.engine, parsed.host, parsed.port, parsed.database) == (engine, host, port, database)
    assert (parsed.time_zone, parsed.charset) == (zone, charset)


def test_jdbc_url_problems_name_the_parameter() -> None:
    assert url_problems("jdbc:mysql://h/erp?serverTimezone=UTC&characterEncoding=GBK&useUnicode=false", STD) == [
        "serverTimezone/connectionTimeZone=UTC, not Asia/Shanghai", "characterEncoding=GBK, not UTF-8",
        "useUnicode=false"]
    assert url_problems("jdbc:mysql://h/erp?serverTimezone=PRC&characterEncoding=utf8", STD) == []
    # Connector/J sets the zone in the session only when asked to.
    assert jdbc.parse("jdbc:mysql://h/erp?serverTimezone=UTC").session_time_zone() is None  # type: ignore[union-attr]


def test_config_files_encodings_urls_and_masked_secrets() -> None:
    assert encoding_of("医院".encode()) == "UTF-8"
    assert encoding_of("app.title=医院信息系统".encode("gbk")) == "GB18030"
    assert urls_in('<Resource url="jdbc:mysql://h:3306/erp?a=1&amp;b=2"/>') == ["jdbc:mysql://h:3306/erp?a=1&b=2"]
    clean = captured("appconfig.files")
    assert all(x["encoding"] == "UTF-8" for x in clean["files"].values())
    assert "Pw" not in json.dumps(clean)


def test_declarations_are_validated_and_the_password_is_never_shown() -> None:
    std = Standard.from_vars({"standard_app_datasources": [
        {"name": "his", "engine": "postgresql", "host": "db", "database": "his", "user": "his",
         "password": "S3cret!"}]})
    assert "S3cret" not in repr(std) and std.app_datasources[0].secret() == "S3cret!"
    assert "S3cret" not in json.dumps(std.app_datasources[0].declaration())
    with pytest.raises(BadInput, match="engine"):
        Standard.from_vars({"standard_app_datasources": [{"name": "x", "engine": "oracle", "host": "h",
                                                          "database": "d", "user": "u"}]})
    with pytest.raises(BadInput) as exc:
        Standard.from_vars({"standard_app_datasources": [{"name": "x", "engine": "mysql", "host": "h", "port": "no",
                                                          "database": "d", "user": "u", "password": "S3cret!"}]})
    assert "S3cret" not in str(exc.value)
    with pytest.raises(BadInput, match="url"):
        Standard.from_vars({"standard_app_endpoints": [{"name": "p", "url": "ftp://x"}]})


def test_endpoint_cells_say_what_is_wrong() -> None:
    e = Endpoint("pay", "pay.partner.lab", 8443, "https", "/health", 200, 30)
    good = captured("app.endpoints")["partner-pay"]
    assert cell(e, good) == "ok"
    assert cell(e, {**good, "days_left": 5}) == "certificate expires in 5 days (< 30)"
    assert cell(e, {**good, "verify": "62"}).startswith("certificate is for another host name")
    assert cell(e, {**good, "tcp": 1}) == "TCP pay.partner.lab:8443 refused"
    unroutable = {**good, "tcp": 1, "tcp_error": "No route to host"}
    assert cell(e, unroutable) == "TCP pay.partner.lab:8443 refused (No route to host)"
    assert cell(e, {**good, "dns": []}) == "pay.partner.lab does not resolve"
    assert cell(e, {**good, "http": 503}) == "HTTP 503"


def test_proxy_targets_resolve_upstreams_and_compare_with_the_tier() -> None:
    from envcheck.checks.registry import HostContext

    ctx = HostContext("web1", "127.0.0.1", ("web",), "10.99.2.11", {"app": (("app1", "10.99.2.12"),)})
    targets = captured("proxy.targets", "debian12-site-nginx-apache-config")
    assert run("proxy.targets", proxy__targets=targets, host=ctx).status is Status.PASS
    moved = {**targets, "upstreams": {"envcheck_app": ["10.99.2.13:8080"]}, "tcp": {"10.99.2.13:8080": 0}}
    assert run("proxy.targets", proxy__targets=moved, host=ctx).status is Status.WARN
    down = {**targets, "tcp": {"10.99.2.12:8080": 1}}
    assert "refused" in run("proxy.targets", proxy__targets=down, host=ctx).message.en
    assert run("proxy.health", proxy__targets=targets).status is Status.PASS
    no_charset = {**targets, "health": [{"url": "http://x/", "status": 200, "content_type": "text/html"}]}
    assert run("proxy.health", proxy__targets=no_charset).status is Status.FAIL


def test_the_service_users_option_file_and_pgtz_captured_on_the_site_fail() -> None:
    r = run("app.client_options", app__client_options=captured("app.client_options", "debian12-site-user-gbk-pgtz"))
    assert r.status is Status.FAIL
    assert "/home/appuser/.my.cnf: default-character-set=gbk" in r.message.en and "PGTZ=UTC" in r.message.en


FAKE_NGINX = """nginx() { cat <<'CONF'
upstream backend {
    server 127.0.0.1:1 weight=3;
    server unix:/run/app.sock;
}
server {
    listen 80;
    location / { proxy_pass http://backend; }
    location /api/ { proxy_pass https://127.0.0.1:2/v1/; }
    # proxy_pass http://127.0.0.1:3;
}
CONF
}
"""


def test_the_proxy_probe_finds_every_target_where_it_stands_and_tries_it() -> None:
    """The probe's own shell, with `nginx -T` answered by a function: one-line location blocks,
    upstream servers with parameters, a unix socket and a comment; every try refused here."""
    from envcheck.checks.registry import HostContext

    fact = FACTS["proxy.targets"]
    command = fact.bind(HostContext("web1", "127.0.0.1", ("web",), None, {}), STD).command  # type: ignore[union-attr]
    out = subprocess.run(["sh", "-c", FAKE_NGINX + command], capture_output=True, text=True, timeout=30)
    parsed = fact.parse(ProbeOutput(out.stdout, out.returncode))
    assert parsed["upstreams"] == {"backend": ["127.0.0.1:1", "unix:/run/app.sock"]}
    assert parsed["passes"] == ["proxy_pass http://backend", "proxy_pass https://127.0.0.1:2/v1/"]
    assert {k: v != 0 for k, v in parsed["tcp"].items() if k.startswith("127.")} == {
        "127.0.0.1:1": True, "127.0.0.1:2": True}
    r = run("proxy.targets", proxy__targets=parsed, host=HostContext("web1", "127.0.0.1", ("web",), None, {}))
    assert r.status is Status.FAIL and "127.0.0.1:1 (upstream backend): refused" in r.message.en
    assert "unix:" not in json.dumps(r.found)
