"""Every check that a lab can break, on the deployed site: it passes on the site as deployed,
fails when its fault is injected by hand (as an engineer or a package upgrade would), and
passes again once the fault is undone. The faults that need a bare host (timezone link or
copy, locales, full disk, clock skew, cut link, host key) are in test_checks_lab.py."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from envcheck.audit.engine import AuditReport
from envcheck.checks import load_catalogue
from envcheck.model import Status
from tests.lab.audit import audit
from tests.lab.site import Site

pytestmark = [pytest.mark.lab, pytest.mark.slow]
load_catalogue()

FLEET = None  # the host of a fleet check's result
BAK = ".envcheck-test-bak"
MYSQL = "mysql -N -B -e"
PSQL = "runuser -u postgres -- psql -XAtq -c"


def _backup(path: str) -> str:
    return f"cp -a {path} {path}{BAK}"


def _restore(path: str) -> str:
    return f"mv -f {path}{BAK} {path}"


@dataclass(frozen=True)
class Fault:
    name: str
    group: str  # the tier whose first host gets the fault
    inject: str
    undo: str
    checks: tuple[str, ...]  # host checks that must fail on that host
    fleet: tuple[str, ...] = ()  # fleet checks that must fail
    warn: frozenset[str] = field(default_factory=frozenset)  # checks whose fault is a warning


TOMCAT_ENV = "/etc/default/tomcat10"
NGINX_SITE = "/etc/nginx/sites-available/envcheck.conf"
LIMITS = "/etc/security/limits.d/90-envcheck.conf"

FAULTS = [
    Fault("timezone file disagrees with the link", "web",
          "echo Asia/Tokyo > /etc/timezone", "echo Asia/Shanghai > /etc/timezone",
          ("time.timezone_consistent",)),
    Fault("TZ in /etc/environment", "web",
          "echo TZ=UTC >> /etc/environment", "sed -i '/^TZ=/d' /etc/environment",
          ("time.tz_environment",)),
    Fault("system LANG off the standard", "web",
          f"{_backup('/etc/default/locale')} && echo LANG=en_US.UTF-8 > /etc/default/locale",
          _restore("/etc/default/locale"),
          ("locale.system_lang",), fleet=("fleet.locale",)),
    Fault("system LANG without a charset (GB2312)", "web",
          f"{_backup('/etc/default/locale')} && echo LANG=zh_CN > /etc/default/locale",
          _restore("/etc/default/locale"),
          ("locale.system_charset",)),
    Fault("GBK locale exported by a profile script", "web",
          "echo 'export LANG=zh_CN.GBK' > /etc/profile.d/zz-legacy.sh", "rm -f /etc/profile.d/zz-legacy.sh",
          ("locale.no_override",)),
    Fault("Tomcat started with LANG=C and no -D encodings", "app",
          f"{_backup(TOMCAT_ENV)} && sed -i -e 's/^LANG=.*/LANG=C/' -e 's/ -Dfile.encoding=[^ \"]*//' "
          f"-e 's/ -Dsun.jnu.encoding=[^ \"]*//' {TOMCAT_ENV} && systemctl restart tomcat10",
          f"{_restore(TOMCAT_ENV)} && systemctl restart tomcat10",
          ("locale.service_lang", "locale.jvm_encoding", "tomcat.file_encoding")),
    Fault("Tomcat in UTC with a tiny heap", "app",
          f"{_backup(TOMCAT_ENV)} && sed -i -e 's/-Duser.timezone=[^ \"]*/-Duser.timezone=UTC/' "
          f"-e 's/-Xmx[0-9]*m/-Xmx32m/' {TOMCAT_ENV} && systemctl restart tomcat10",
          f"{_restore(TOMCAT_ENV)} && systemctl restart tomcat10",
          ("tomcat.user_timezone", "tomcat.heap"), fleet=("fleet.timezone_layers",),
          warn=frozenset({"tomcat.heap"})),
    Fault("MariaDB globals changed at run time", "db",
          f"{MYSQL} \"SET GLOBAL character_set_server=latin1, GLOBAL collation_server=latin1_swedish_ci, "
          "GLOBAL time_zone='+00:00', GLOBAL max_connections=100\"",
          "systemctl restart mariadb",
          ("mysql.character_set_server", "mysql.collation_server", "mysql.time_zone", "mysql.max_connections"),
          fleet=("fleet.timezone_layers",)),
    Fault("a 3-byte utf8 database", "db",
          f"{MYSQL} 'CREATE DATABASE legacy3 CHARACTER SET utf8mb3'", f"{MYSQL} 'DROP DATABASE legacy3'",
          ("mysql.no_utf8mb3", "mysql.database_charsets")),
    Fault("MariaDB zone tables emptied", "db",
          f"{MYSQL} 'RENAME TABLE mysql.time_zone_name TO mysql.tzn_bak; "
          "CREATE TABLE mysql.time_zone_name LIKE mysql.tzn_bak'",
          f"{MYSQL} 'DROP TABLE mysql.time_zone_name; RENAME TABLE mysql.tzn_bak TO mysql.time_zone_name'",
          ("mysql.tz_tables",)),
    Fault("PostgreSQL sessions and logs in UTC", "db",
          f"{PSQL} \"ALTER SYSTEM SET timezone='UTC'\" && {PSQL} \"ALTER SYSTEM SET log_timezone='UTC'\" "
          f"&& {PSQL} 'SELECT pg_reload_conf()'",
          f"{PSQL} 'ALTER SYSTEM RESET timezone' && {PSQL} 'ALTER SYSTEM RESET log_timezone' "
          f"&& {PSQL} 'SELECT pg_reload_conf()'",
          ("postgresql.timezone",), fleet=("fleet.timezone_layers",)),
    Fault("a SQL_ASCII database", "db",
          f"{PSQL} \"CREATE DATABASE legacy ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0\"",
          f"{PSQL} 'DROP DATABASE legacy'",
          ("postgresql.database_encodings",)),
    Fault("PostgreSQL on localhost only, fewer connections", "db",
          f"{PSQL} \"ALTER SYSTEM SET listen_addresses='localhost'\" && "
          f"{PSQL} 'ALTER SYSTEM SET max_connections=50' && systemctl restart postgresql",
          f"{PSQL} 'ALTER SYSTEM RESET listen_addresses' && {PSQL} 'ALTER SYSTEM RESET max_connections' "
          "&& systemctl restart postgresql",
          ("postgresql.listen_addresses", "postgresql.max_connections")),
    Fault("Nginx site without charset and body size", "web",
          f"{_backup(NGINX_SITE)} && sed -i '/charset/d; /client_max_body_size/d' {NGINX_SITE} "
          "&& systemctl reload nginx",
          f"{_restore(NGINX_SITE)} && systemctl reload nginx",
          ("nginx.charset", "nginx.client_max_body_size")),
    Fault("Nginx stopped and disabled", "web",
          "systemctl disable --now nginx", "systemctl enable --now nginx",
          ("network.services_active", "network.services_enabled", "network.ports_listening")),
    Fault("service user limits file removed", "web",
          f"mv {LIMITS} /root/limits{BAK}", f"mv /root/limits{BAK} {LIMITS}",
          ("resources.nofile", "resources.nproc")),
    Fault("host name resolves to loopback first", "web",
          f"{_backup('/etc/hosts')} && sed -i \"1i 127.0.1.1 $(hostname)\" /etc/hosts",
          _restore("/etc/hosts"),
          ("network.hostname_resolves",)),
    Fault("a peer's name points elsewhere", "web",
          # A stale entry, as after the app server was re-addressed.
          f"{_backup('/etc/hosts')} && sed -i 's/^{{app_lan}}[[:space:]]/10.99.255.254 /' /etc/hosts",
          _restore("/etc/hosts"),
          ("network.peers_resolve",), fleet=("fleet.name_resolution",)),
]


def _audit(site: Site, checks: list[str]) -> AuditReport:
    return audit(site.inventory, checks)


def _statuses(report: AuditReport, host: str, fault: Fault) -> dict[str, Status]:
    wanted = {(host, c) for c in fault.checks} | {(FLEET, c) for c in fault.fleet}
    found = {(r.host, r.check): r.status for r in report.results if (r.host, r.check) in wanted}
    assert set(found) == wanted, f"results missing for {wanted - set(found)}"
    return {c: s for (_, c), s in found.items()}


def _detail(report: AuditReport) -> str:
    return "\n".join(f"{r.host} {r.check} {r.status.value}: {r.message.en}" for r in report.results
                     if r.status is not Status.PASS)


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_fault_fails_its_checks_and_undoing_it_passes_again(site: Site, fault: Fault) -> None:
    host = site.host(fault.group)
    checks = [*fault.checks, *fault.fleet]
    clean = _audit(site, checks)
    assert set(_statuses(clean, host, fault).values()) == {Status.PASS}, _detail(clean)
    app = site.lab.host(site.host("app"))
    inject = fault.inject.replace("{app_lan}", app.lan_address.replace(".", "\\."))
    done = site.lab.ssh(host, inject, timeout=120)
    try:
        assert done.returncode == 0, done.stderr
        broken = _audit(site, checks)
        for check, status in _statuses(broken, host, fault).items():
            want = Status.WARN if check in fault.warn else Status.FAIL
            assert status is want, f"{check}: {status.value}\n{_detail(broken)}"
        # The message names what is wrong, for the engineer reading the report.
        flagged = [r for r in broken.results if r.status in (Status.FAIL, Status.WARN)]
        assert all(r.message.en and r.fix.en and r.fix.zh for r in flagged)
    finally:
        undone = site.lab.ssh(host, fault.undo, timeout=120)
    assert undone.returncode == 0, undone.stderr
    again = _audit(site, checks)
    assert set(_statuses(again, host, fault).values()) == {Status.PASS}, _detail(again)
