"""`envcheck data compare` on the deployed site lab (tests/lab/site.py): the HIS dataset in
the site's MariaDB (database erp) migrated into its PostgreSQL (database his) on the db host,
both reached only through that host (--source-via db --target-via db: an SSH channel, the
databases' 127.0.0.1 being the db host's own). Clean, every item passes; with the faults,
each fails its item with its keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.data.connect import parse_url
from envcheck.data.via import Via, open_tunnel
from envcheck.ssh.settings import Connection
from tests.integration.test_data_lab import ITEM_OF_FAULT
from tests.lab import hisdata
from tests.lab.site import SECRETS, Site

pytestmark = [pytest.mark.lab, pytest.mark.slow]
MYSQL = "mysql://erp@127.0.0.1:3306/erp"
POSTGRES = "postgresql://his@127.0.0.1:5432/his"
TABLES = ("fee", "drug", "patient")


@dataclass(frozen=True)
class SiteDb:
    """One of the site's databases as tests/lab/hisdata.py uses a server: reached through a
    tunnel of the test's own as the site's application user, its three tables made afresh."""

    engine: str
    port: int
    password: str
    url: str

    def admin(self, database: str | None = None) -> Any:
        u = parse_url(self.url)
        if self.engine == "mysql":
            import pymysql

            return pymysql.connect(host="127.0.0.1", port=self.port, user=u.user, password=self.password,
                                   database=u.database, charset="utf8mb4", autocommit=True)
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=u.user, password=self.password,
                               dbname=u.database, autocommit=True)

    def create_database(self, name: str) -> None:
        with self.admin() as conn, conn.cursor() as cur:
            for table in TABLES:
                cur.execute(f"DROP TABLE IF EXISTS {table}")


@contextmanager
def site_dbs(site: Site) -> Iterator[tuple[SiteDb, SiteDb]]:
    via = Via(site.host("db"), Connection(inventories=(str(site.inventory),)))
    with ExitStack() as stack:
        my = open_tunnel(parse_url(MYSQL), via, stack)
        pg = open_tunnel(parse_url(POSTGRES), via, stack)
        yield (SiteDb("mysql", my.port, SECRETS["ERP_DB_PASSWORD"], MYSQL),
               SiteDb("postgresql", pg.port, SECRETS["HIS_DB_PASSWORD"], POSTGRES))


def compare(site: Site, mapping: Path, runs: Path) -> tuple[int, str, dict[str, Any]]:
    env = {"ENVCHECK_SOURCE_PASSWORD": SECRETS["ERP_DB_PASSWORD"],
           "ENVCHECK_TARGET_PASSWORD": SECRETS["HIS_DB_PASSWORD"]}
    result = CliRunner(env=env).invoke(cli, [
        "data", "compare", MYSQL, POSTGRES, "--source-via", site.host("db"), "--target-via", site.host("db"),
        "-i", str(site.inventory), "--map", str(mapping), "--source-tz", "+08:00", "--runs-dir", str(runs)])
    assert list(runs.glob("*-data")), (result.output, result.exception)
    run = max(runs.glob("*-data"))
    items = json.loads((run / "checklist.json").read_text())["items"]
    record = json.loads((run / "run.json").read_text())
    assert record["databases"]["source"] == f"mysql://erp@127.0.0.1:3306/erp via {site.host('db')}"
    for path in run.iterdir():  # the evidence holds no password
        assert not any(pw.encode() in path.read_bytes() for pw in SECRETS.values()), path
    return result.exit_code, result.output, {i["id"]: i for i in items}


def test_site_migration_compared_through_the_db_host(site: Site, tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.yml"
    mapping.write_text(yaml.safe_dump({"tables": {"patient": None, "drug": None, "fee": {
        "foreign_keys": {"patient_id": "patient.id", "drug_id": "drug.id"}}}}))
    with site_dbs(site) as (my, pg):
        try:
            hisdata.generate(my, "erp", 2000)
            hisdata.migrate(my, "erp", pg, "his")
            code, out, items = compare(site, mapping, tmp_path / "clean")
            assert code == 0 and all(i["status"] == "pass" for i in items.values()), out
            hisdata.inject_faults(pg, "his")
            code, out, items = compare(site, mapping, tmp_path / "faulty")
            assert code == 1, out
            for fault, item_id in ITEM_OF_FAULT.items():
                table, keys = hisdata.FAULT_KEYS[fault]
                listed = {k[0] if isinstance(k, list) else k for g in items[item_id]["keys"] if g["table"] == table
                          for k in g["keys"]}
                assert items[item_id]["status"] == "fail" and listed == set(keys), (fault, items[item_id])
        finally:
            my.create_database("erp")
            pg.create_database("his")
