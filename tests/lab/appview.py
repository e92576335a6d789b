"""The application's view on the deployed site: its datasources, an application config with JDBC
URLs on the app host, the partner endpoint and a health URL through the web host's proxy, declared
as an engineer would (group_vars), and set up on the hosts. Idempotent: run on every bring-up."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml

from tests.lab import partner
from tests.lab.lab import Lab

APP_CONFIG = "/opt/his/conf/application.properties"
ERP_CONFIG = "/opt/erp/conf/context.xml"
HEALTH_PATH = "/health"
# The password the application's config files hold (not the database's: the site's own
# secrets never lie in a lab file); envcheck must mask it out of every piece of evidence.
CONFIG_PASSWORD = "Cfg-Pw-1618"


def db_address(lab: Lab) -> str:
    return next(h.lan_address for h in lab.hosts if "db" in h.groups)


def properties(lab: Lab, zone: str = "Asia/Shanghai") -> str:
    db = db_address(lab)
    return (
        "# 应用配置 (HIS)\n"
        f"spring.datasource.url=jdbc:postgresql://{db}:5432/his?options=-c%20TimeZone%3D{zone}&stringtype=unspecified\n"
        "spring.datasource.username=his\n"
        f"spring.datasource.password={CONFIG_PASSWORD}\n"
        "app.title=医院信息系统\n")


def context_xml(lab: Lab, zone: str = "Asia/Shanghai", encoding: str = "UTF-8") -> str:
    db = db_address(lab)
    url = (f"jdbc:mysql://{db}:3306/erp?useUnicode=true&amp;characterEncoding={encoding}&amp;"
           f"serverTimezone={zone}&amp;connectionTimeZone={zone}")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Context>\n'
            f'  <Resource name="jdbc/erp" auth="Container" type="javax.sql.DataSource" username="erp"\n'
            f'            password="{CONFIG_PASSWORD}" driverClassName="com.mysql.cj.jdbc.Driver" url="{url}"/>\n'
            "</Context>\n")


def declarations(lab: Lab) -> dict[str, dict[str, Any]]:
    """group -> the standard_app_* variables of that group."""
    db = db_address(lab)
    endpoint = {"name": "partner-pay", "url": f"https://{partner.PARTNER_NAME}:{partner.PORT}/health",
                "expect_status": 200, "min_cert_days": 30, "ca_file": partner.CA_ON_HOSTS}
    app = {
        "standard_app_datasources": [
            {"name": "his", "engine": "postgresql", "host": db, "port": 5432, "database": "his", "user": "his",
             "password_env": "HIS_DB_PASSWORD",
             "jdbc_url": f"jdbc:postgresql://{db}:5432/his?options=-c%20TimeZone%3DAsia/Shanghai"},
            {"name": "erp", "engine": "mysql", "host": db, "port": 3306, "database": "erp", "user": "erp",
             "password_env": "ERP_DB_PASSWORD"},
        ],
        "standard_app_configs": [APP_CONFIG, ERP_CONFIG],
        "standard_app_endpoints": [endpoint],
    }
    web = {"standard_app_endpoints": [endpoint], "standard_app_health_urls": [f"http://127.0.0.1{HEALTH_PATH}"]}
    return {"app": app, "web": web}


def write_declarations(lab: Lab, folder: Path) -> None:
    for group, values in declarations(lab).items():
        path = folder / "group_vars" / f"{group}.yml"
        current = yaml.safe_load(path.read_text()) if path.exists() else {}
        path.write_text(yaml.safe_dump({**(current or {}), **values}, allow_unicode=True))


def put(lab: Lab, name: str, path: str, data: bytes) -> None:
    from tests.lab.faults import put_file

    put_file(lab, name, path, data)


def set_up(lab: Lab, folder: Path) -> None:
    """Declarations, the app host's config files and the partner service."""
    write_declarations(lab, folder)
    app = next(h.name for h in lab.hosts if "app" in h.groups)
    put(lab, app, APP_CONFIG, properties(lab).encode())
    put(lab, app, ERP_CONFIG, context_xml(lab).encode())
    lab.ssh(app, f"chmod 640 {shlex.quote(APP_CONFIG)} {shlex.quote(ERP_CONFIG)}")
    partner.up(lab)
