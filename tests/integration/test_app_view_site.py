"""The application's view on the deployed site (issue 18): with its datasources, configs, partner
endpoint and health URL declared (tests/lab/appview.py), a clean site has no failure and Chinese
written through the application's path reads back identical; each fault, injected by hand on one
layer, fails the right check on the right host with a message naming that layer, and passes
again once undone."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from envcheck.audit.engine import AuditReport
from envcheck.cli import cli
from envcheck.model import Status
from tests.lab import appview, partner
from tests.lab.audit import audit, result
from tests.lab.site import Site

pytestmark = [pytest.mark.lab, pytest.mark.slow]

FLEET = None
AREAS = ["app", "appconfig", "endpoint", "proxy"]
MYSQL = "mysql -N -B -e"
PSQL = "runuser -u postgres -- psql -XAtq -c"
NGINX_SITE = "/etc/nginx/sites-available/envcheck.conf"
MY_CLIENT = "/etc/mysql/conf.d/zz-legacy-client.cnf"
Action = str | Callable[[Site], None]
# Tomcat started again, and answering HTTP (its connector is up some seconds after the start).
TOMCAT_BACK = ("systemctl start tomcat10 && for i in $(seq 120); do "
               "[ \"$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/)\" != 000 ] && exit 0; "
               "sleep 0.5; done; exit 1")


@dataclass(frozen=True)
class Fault:
    name: str
    group: str  # the tier whose first host's checks must fail
    inject: Action  # a shell command on a host of run_on (default: group), or a function of the site
    undo: Action
    checks: tuple[str, ...]
    layer: str  # words every failing message must carry: the layer that differs
    run_on: str | None = None
    fleet: tuple[str, ...] = ()
    elsewhere: bool = False  # the fault is the partner's: every host that uses it fails alike


def _use_proxy(port: int) -> Callable[[Site], None]:
    """The app host told to go out through an HTTP proxy (pam_env's /etc/environment, as sites do)."""
    def use(site: Site) -> None:
        line = f"https_proxy={partner.proxy_url(site.lab, port)}"
        _run(site, f"sed -i '/^https_proxy=/d' /etc/environment && echo {line} >> /etc/environment", site.host("app"))
    return use


NO_PROXY = "sed -i '/^https_proxy=/d' /etc/environment"


def _issue(**kwargs: object) -> Callable[[Site], None]:
    return lambda site: partner.issue(site.lab, **kwargs)  # type: ignore[arg-type]


FAULTS = [
    # Datasources: what the application's sessions get.
    Fault("PostgreSQL per-role client_encoding", "app",
          f"{PSQL} \"ALTER ROLE his SET client_encoding TO 'GBK'\"", f"{PSQL} 'ALTER ROLE his RESET client_encoding'",
          ("app.session_encoding", "app.roundtrip"), "per-role", run_on="db"),
    Fault("PostgreSQL per-database DateStyle", "app",
          f"{PSQL} \"ALTER DATABASE his SET DateStyle TO 'SQL, DMY'\"", f"{PSQL} 'ALTER DATABASE his RESET DateStyle'",
          ("app.session_modes",), "per-database", run_on="db"),
    Fault("MariaDB per-database charset", "app",
          f"{MYSQL} 'ALTER DATABASE erp CHARACTER SET latin1 COLLATE latin1_swedish_ci'",
          f"{MYSQL} 'ALTER DATABASE erp CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci'",
          ("app.session_encoding", "app.roundtrip"), "per-database", run_on="db"),
    Fault("MariaDB server default time zone", "app",
          f"{MYSQL} \"SET GLOBAL time_zone='+00:00'\"", "systemctl restart mariadb",
          ("app.session_timezone",), "server default", run_on="db"),
    # (A SET NAMES in init_connect is undone by the driver's own, as Connector/J's is: the
    # application never sees it. A time_zone it sets stays.)
    Fault("MariaDB init_connect", "app",
          f"{MYSQL} \"SET GLOBAL init_connect='SET time_zone=\\\\'+00:00\\\\''\"",
          f"{MYSQL} \"SET GLOBAL init_connect=''\"",
          ("app.session_timezone",), "init_connect", run_on="db"),
    Fault("client option file on the app host", "app",
          f"mkdir -p /etc/mysql/conf.d && printf '[client]\\ndefault-character-set = latin1\\n' > {MY_CLIENT}",
          f"rm -f {MY_CLIENT}", ("app.client_options",), "option file"),
    # The application's config files.
    Fault("JDBC URL asks for UTC", "app",
          f"sed -i 's/TimeZone%3DAsia\\/Shanghai/TimeZone%3DUTC/' {appview.APP_CONFIG}",
          f"sed -i 's/TimeZone%3DUTC/TimeZone%3DAsia\\/Shanghai/' {appview.APP_CONFIG}",
          ("appconfig.jdbc",), "TimeZone=UTC"),
    Fault("config file saved as GBK", "app",
          f"iconv -f UTF-8 -t GB18030 {appview.APP_CONFIG} > /tmp/ec.p && mv /tmp/ec.p {appview.APP_CONFIG}",
          f"iconv -f GB18030 -t UTF-8 {appview.APP_CONFIG} > /tmp/ec.p && mv /tmp/ec.p {appview.APP_CONFIG}",
          ("appconfig.encoding",), "GB18030"),
    Fault("config points at another database", "app",
          f"sed -i 's#:5432/his?#:5432/his_old?#' {appview.APP_CONFIG}",
          f"sed -i 's#:5432/his_old?#:5432/his?#' {appview.APP_CONFIG}",
          ("appconfig.datasources",), "not a declared datasource"),
    # The partner endpoint.
    Fault("partner certificate expires in 5 days", "app", _issue(days=5), _issue(),
          ("endpoint.tls",), "expires in", fleet=("endpoint.matrix",), elsewhere=True),
    Fault("partner certificate for another name", "app", _issue(name="other.partner.lab"), _issue(),
          ("endpoint.tls",), "another host name", fleet=("endpoint.matrix",), elsewhere=True),
    Fault("partner service stopped", "app", lambda site: partner.stop(site.lab), lambda site: partner.start(site.lab),
          ("endpoint.reachable",), "refused", fleet=("endpoint.matrix",), elsewhere=True),
    Fault("/etc/hosts sends the app host elsewhere", "app",
          "sed -i 's/^[0-9.]* pay.partner.lab/10.99.255.254 pay.partner.lab/' /etc/hosts",
          lambda site: partner.up(site.lab), ("endpoint.reachable",), "/etc/hosts", fleet=("endpoint.matrix",)),
    Fault("the app host's outbound proxy is down", "app", _use_proxy(partner.PROXY_PORT + 1), NO_PROXY,
          ("endpoint.reachable",), "through proxy", fleet=("endpoint.matrix",)),
    # The web tier's proxy.
    Fault("upstream on the wrong port", "web",
          f"sed -i 's/\\(server [0-9.]*\\):8080;/\\1:8081;/' {NGINX_SITE} && systemctl reload nginx",
          f"sed -i 's/\\(server [0-9.]*\\):8081;/\\1:8080;/' {NGINX_SITE} && systemctl reload nginx",
          ("proxy.targets",), "8081"),
    Fault("application behind the proxy stopped", "web",
          "systemctl stop tomcat10", TOMCAT_BACK,
          ("proxy.health",), "HTTP 502", run_on="app"),
]


@pytest.fixture
def app_site(site: Site, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """The site with the passwords exported, as the engineer's shell has them."""
    for key, value in site.env.items():
        monkeypatch.setenv(key, value)
    yield site


def _run(site: Site, action: Action, host: str) -> None:
    if callable(action):
        action(site)
        return
    done = site.lab.ssh(host, action, timeout=120)
    assert done.returncode == 0, f"{action}: {done.stderr}"


def _detail(report: AuditReport) -> str:
    return "\n".join(f"{r.host} {r.check} {r.status.value}: {r.message.en}" for r in report.results
                     if r.status is not Status.PASS)


def _wanted(site: Site, fault: Fault) -> list[tuple[str | None, str]]:
    host = site.host(fault.group)
    return [(host, c) for c in fault.checks] + [(FLEET, c) for c in fault.fleet]


def test_clean_site_with_the_application_declared_has_no_failure(app_site: Site) -> None:
    report = audit(app_site.inventory, AREAS)
    bad = [r for r in report.results if r.status in (Status.FAIL, Status.ERROR)]
    assert not bad, _detail(report)
    assert {r.check for r in report.results if r.status is Status.PASS} >= {
        "app.datasource_session", "app.session_timezone", "app.roundtrip", "appconfig.jdbc", "endpoint.tls",
        "endpoint.matrix", "proxy.targets", "proxy.health"}


def test_chinese_through_the_applications_path_reads_back_identical(app_site: Site) -> None:
    report = audit(app_site.inventory, ["app.roundtrip"])
    found = result(report, app_site.host("app"), "app.roundtrip").found
    assert {name: x["received"] for name, x in found.items()} == {"his": "中文𠀀😀", "erp": "中文𠀀😀"}
    assert {x["method"] for x in found.values()} == {"temporary table"}


def test_passwords_reach_neither_the_output_nor_the_run_directory(app_site: Site, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    out = CliRunner(env=app_site.env).invoke(
        cli, ["check", "-i", str(app_site.inventory), "-c", "app", "-c", "appconfig", "--runs-dir", str(runs),
              "--format", "json"])
    assert out.exit_code == 0, out.output
    texts = [out.output] + [p.read_text(errors="replace") for p in runs.rglob("*") if p.is_file()]
    for secret in [*app_site.env.values(), appview.CONFIG_PASSWORD]:
        assert not any(secret in t for t in texts)


def test_a_missing_password_is_a_failed_check_with_the_reason(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HIS_DB_PASSWORD", raising=False)
    monkeypatch.setenv("ERP_DB_PASSWORD", site.env["ERP_DB_PASSWORD"])
    r = result(audit(site.inventory, ["app.datasource_session"]), site.host("app"), "app.datasource_session")
    assert r.status is Status.FAIL and "HIS_DB_PASSWORD is not set" in r.message.en


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_fault_fails_its_check_naming_the_layer_and_passes_once_undone(app_site: Site, fault: Fault) -> None:
    site = app_site
    checks = [*fault.checks, *fault.fleet]
    wanted = _wanted(site, fault)
    runner = site.host(fault.run_on or fault.group)
    clean = audit(site.inventory, checks)
    assert all(result(clean, h, c).status is Status.PASS for h, c in wanted), _detail(clean)
    _run(site, fault.inject, runner)
    try:
        broken = audit(site.inventory, checks)
        for h, c in wanted:
            r = result(broken, h, c)
            assert r.status is Status.FAIL, f"{c} on {h}: {r.status.value}\n{_detail(broken)}"
            if h is not FLEET:
                assert fault.layer in r.message.en, f"{c}: {r.message.en!r} does not name {fault.layer!r}"
                assert r.fix.en and r.fix.zh
        others = [r for r in broken.results if r.host not in (site.host(fault.group), FLEET)
                  and r.check in fault.checks and r.status is Status.FAIL]
        assert fault.elsewhere or not others, f"the fault is on {site.host(fault.group)} only:\n{_detail(broken)}"
    finally:
        _run(site, fault.undo, runner)
    again = audit(site.inventory, checks)
    assert all(result(again, h, c).status is Status.PASS for h, c in wanted), _detail(again)


def test_an_unreachable_datasource_is_a_failed_check_with_the_reason(site: Site, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A port nothing listens on, seen from the app host: the host's refusal, not a crash."""
    for key, value in site.env.items():
        monkeypatch.setenv(key, value)
    inventory = tmp_path / "site"
    shutil.copytree(site.inventory.parent, inventory)
    app_vars = inventory / "group_vars" / "app.yml"
    declared = yaml.safe_load(app_vars.read_text())
    his = declared["standard_app_datasources"][0]
    declared["standard_app_datasources"].append({**his, "name": "moved", "port": 5999})
    app_vars.write_text(yaml.safe_dump(declared, allow_unicode=True))
    report = audit(inventory / "hosts.yml", ["app.datasource_session", "app.session_timezone"])
    r = result(report, site.host("app"), "app.datasource_session")
    assert r.status is Status.FAIL
    assert "moved: from the host: connect failed: Connection refused" in r.message.en
    assert result(report, site.host("app"), "app.session_timezone").status is Status.PASS  # the others answered


def test_the_report_shows_the_endpoint_matrix_and_the_datasource_findings(app_site: Site, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runner = CliRunner(env=app_site.env)
    done = runner.invoke(cli, ["check", "-i", str(app_site.inventory), *(a for area in AREAS for a in ("-c", area)),
                               "--runs-dir", str(runs), "--format", "json"])
    assert done.exit_code == 0, done.output
    for lang, heading in (("en", "Partner endpoints: which host reaches which"), ("zh", "外部接口")):
        html = runner.invoke(cli, ["report", "--runs-dir", str(runs), "--lang", lang]).output
        assert heading in html
        app, web = app_site.host("app"), app_site.host("web")
        assert f"<th>{web}</th><th>{app}</th>" in html or f"<th>{app}</th><th>{web}</th>" in html
        assert '<th>partner-pay</th><td class="pass">ok</td><td class="pass">ok</td>' in html
        assert "app.session_timezone" in html and "app.roundtrip" in html


def test_an_endpoint_through_the_hosts_outbound_proxy(app_site: Site) -> None:
    """https_proxy in the app host's environment: the endpoint is reached through it."""
    _use_proxy(partner.PROXY_PORT)(app_site)
    try:
        report = audit(app_site.inventory, ["endpoint"])
    finally:
        _run(app_site, NO_PROXY, app_site.host("app"))
    r = result(report, app_site.host("app"), "endpoint.reachable")
    assert r.status is Status.PASS, r.message.en
    assert r.found["partner-pay"]["proxy"] == partner.proxy_url(app_site.lab)
    assert result(report, app_site.host("app"), "endpoint.tls").status is Status.PASS
    assert result(report, app_site.host("app"), "endpoint.http").status is Status.PASS
