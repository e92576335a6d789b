"""Service checks on the deployed site's real servers (Tomcat, PostgreSQL, MariaDB): the
message of a failure names what is wrong and where; a stopped server is an error, not a skip."""

from __future__ import annotations

import pytest

from envcheck.audit.engine import AuditReport
from envcheck.checks import load_catalogue
from envcheck.model import Status
from tests.lab import faults
from tests.lab.audit import audit as lab_audit
from tests.lab.audit import result
from tests.lab.site import Site

pytestmark = [pytest.mark.lab, pytest.mark.slow]
load_catalogue()
SERVER_XML = "/etc/tomcat10/server.xml"


def audit(site: Site, only: list[str], limit: str) -> AuditReport:
    return lab_audit(site.inventory, only, limit)


def test_tomcat_uri_encoding_removed_and_restored(site: Site) -> None:
    lab, app = site.lab, site.host("app")
    assert result(audit(site, ["tomcat.uri_encoding"], app), app, "tomcat.uri_encoding").status == Status.PASS
    faults.run(lab, app, f"cp -a {SERVER_XML} /root/server.xml.bak && sed -i 's/ URIEncoding=\"UTF-8\"//' {SERVER_XML}")
    try:
        r = result(audit(site, ["tomcat.uri_encoding"], app), app, "tomcat.uri_encoding")
        assert r.status == Status.FAIL and "8080" in r.message.en and "server.xml" in r.message.en
    finally:
        faults.run(lab, app, f"mv -f /root/server.xml.bak {SERVER_XML}")
    assert result(audit(site, ["tomcat.uri_encoding"], app), app, "tomcat.uri_encoding").status == Status.PASS


def test_postgresql_stopped_is_an_error_not_a_skip(site: Site) -> None:
    lab, db = site.lab, site.host("db")
    assert result(audit(site, ["postgresql.server_encoding"], db), db,
                  "postgresql.server_encoding").status == Status.PASS
    faults.stop_service(lab, db, "postgresql")
    try:
        r = result(audit(site, ["postgresql.server_encoding"], db), db, "postgresql.server_encoding")
        assert r.status == Status.ERROR and "does not answer" in r.message.en
    finally:
        faults.start_service(lab, db, "postgresql")
    assert result(audit(site, ["postgresql.server_encoding"], db), db,
                  "postgresql.server_encoding").status == Status.PASS


def test_mysql_latin1_database_is_caught(site: Site) -> None:
    lab, db = site.lab, site.host("db")
    faults.run(lab, db, "mysql -e 'DROP DATABASE IF EXISTS envcheck_t; "
                        "CREATE DATABASE envcheck_t CHARACTER SET utf8mb4'")
    try:
        assert result(audit(site, ["mysql.database_charsets"], db), db,
                      "mysql.database_charsets").status == Status.PASS
        faults.run(lab, db, "mysql -e 'ALTER DATABASE envcheck_t CHARACTER SET latin1'")
        r = result(audit(site, ["mysql.database_charsets"], db), db, "mysql.database_charsets")
        assert r.status == Status.FAIL and "envcheck_t" in r.message.en
        faults.run(lab, db, "mysql -e 'ALTER DATABASE envcheck_t CHARACTER SET utf8mb4'")
        assert result(audit(site, ["mysql.database_charsets"], db), db,
                      "mysql.database_charsets").status == Status.PASS
    finally:
        faults.run(lab, db, "mysql -e 'DROP DATABASE IF EXISTS envcheck_t'")
