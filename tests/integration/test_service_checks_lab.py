"""Service checks on real servers in the lab: Tomcat, PostgreSQL and MariaDB installed
from Debian's packages (through the lab's apt proxy), each fault injected and undone."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from envcheck.audit import AuditReport, run_audit
from envcheck.checks import load_catalogue
from envcheck.inventory import load_inventory
from envcheck.model import Status
from envcheck.transport import OpenSSHTransport
from tests.lab import faults
from tests.lab.lab import Lab

pytestmark = [pytest.mark.lab, pytest.mark.slow]
load_catalogue()
SERVER_XML = "/var/lib/tomcat10/conf/server.xml"


def _install(lab: Lab, name: str, packages: str) -> None:
    result = lab.ssh(name, "export DEBIAN_FRONTEND=noninteractive; "
                           "dpkg -s " + packages.split()[0] + " >/dev/null 2>&1 || "
                           "{ apt-get update -q && apt-get install -y -q " + packages + "; }", timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture(scope="module")
def servers(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    app, db = lab.hosts[1].name, lab.hosts[2].name
    _install(lab, app, "tomcat10")
    _install(lab, db, "postgresql mariadb-server")
    folder = tmp_path_factory.mktemp("svc")
    shutil.copy(lab.inventory_path, folder / "hosts.yml")
    (folder / "group_vars").mkdir()
    (folder / "group_vars" / "all.yml").write_text(yaml.safe_dump({
        "standard_timezone": "Etc/UTC", "standard_pg_locale": "C.UTF-8",
        "standard_mysql_collation": "utf8mb4_general_ci"}))
    yield folder / "hosts.yml"


def audit(inventory: Path, only: list[str], limit: str) -> AuditReport:
    return run_audit(load_inventory([str(inventory)], limit), OpenSSHTransport(), only, timeout=60)


def result(report: AuditReport, host: str, check: str) -> object:
    return next(r for r in report.results if r.host == host and r.check == check)


def test_tomcat_uri_encoding_removed_and_restored(lab: Lab, servers: Path) -> None:
    app = lab.hosts[1].name
    add = (f"grep -q 'URIEncoding' {SERVER_XML} || sed -i 's/<Connector port=\"8080\"/"
           f"<Connector port=\"8080\" URIEncoding=\"UTF-8\"/' {SERVER_XML}")
    faults.run(lab, app, add)
    assert result(audit(servers, ["tomcat.uri_encoding"], app), app, "tomcat.uri_encoding").status == Status.PASS
    faults.run(lab, app, f"sed -i 's/ URIEncoding=\"UTF-8\"//' {SERVER_XML}")
    r = result(audit(servers, ["tomcat.uri_encoding"], app), app, "tomcat.uri_encoding")
    assert r.status == Status.FAIL and "8080" in r.message.en and SERVER_XML in r.message.en
    faults.run(lab, app, add)
    assert result(audit(servers, ["tomcat.uri_encoding"], app), app, "tomcat.uri_encoding").status == Status.PASS


def test_postgresql_stopped_is_an_error_not_a_skip(lab: Lab, servers: Path) -> None:
    db = lab.hosts[2].name
    assert result(audit(servers, ["postgresql.server_encoding"], db), db,
                  "postgresql.server_encoding").status == Status.PASS
    faults.stop_service(lab, db, "postgresql")
    try:
        r = result(audit(servers, ["postgresql.server_encoding"], db), db, "postgresql.server_encoding")
        assert r.status == Status.ERROR and "does not answer" in r.message.en
    finally:
        faults.start_service(lab, db, "postgresql")
    assert result(audit(servers, ["postgresql.server_encoding"], db), db,
                  "postgresql.server_encoding").status == Status.PASS


def test_mysql_latin1_database_is_caught(lab: Lab, servers: Path) -> None:
    db = lab.hosts[2].name
    faults.run(lab, db, "mysql -e 'DROP DATABASE IF EXISTS envcheck_t; "
                        "CREATE DATABASE envcheck_t CHARACTER SET utf8mb4'")
    try:
        assert result(audit(servers, ["mysql.database_charsets"], db), db,
                      "mysql.database_charsets").status == Status.PASS
        faults.run(lab, db, "mysql -e 'ALTER DATABASE envcheck_t CHARACTER SET latin1'")
        r = result(audit(servers, ["mysql.database_charsets"], db), db, "mysql.database_charsets")
        assert r.status == Status.FAIL and "envcheck_t" in r.message.en
        faults.run(lab, db, "mysql -e 'ALTER DATABASE envcheck_t CHARACTER SET utf8mb4'")
        assert result(audit(servers, ["mysql.database_charsets"], db), db,
                      "mysql.database_charsets").status == Status.PASS
    finally:
        faults.run(lab, db, "mysql -e 'DROP DATABASE IF EXISTS envcheck_t'")
