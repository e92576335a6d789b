"""On the deployed site: `envcheck fix` puts back a timezone and a locale broken by hand, and
`envcheck collect` brings back configs and logs of every tier with no database password in them."""

from __future__ import annotations

import json
import re
import shlex
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.masking import MASK
from tests.lab import faults
from tests.lab.site import SECRETS, Site

pytestmark = [pytest.mark.lab, pytest.mark.slow]
BROKEN = ["time.timezone", "locale.system_lang", "locale.system_charset"]
ONLY = [arg for check in BROKEN for arg in ("-c", check)]


def _check(site: Site, host: str, runs: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = CliRunner(env=site.env).invoke(cli, ["check", "-i", str(site.inventory), "--limit", host, *ONLY,
                                                  "--format", "json", "--runs-dir", str(runs)])
    return result.exit_code, json.loads(result.stdout)


def _zone(site: Site, host: str) -> str:
    return faults.run(site.lab, host, "readlink /etc/localtime").strip()


def test_fix_previews_applies_and_the_rechecked_checks_pass(site: Site, tmp_path: Path) -> None:
    host, runs, lab = site.host("web"), tmp_path / "runs", site.lab
    fixed = False
    try:
        # By hand, as a colleague might: another zone, the system locale back to C (the locales
        # stay generated: regenerating them is minutes of locale-gen on a loaded machine).
        faults.set_timezone(lab, host, "Asia/Tokyo")
        faults.run(lab, host, "printf 'LANG=C\\n' > /etc/default/locale")
        code, doc = _check(site, host, runs)
        assert code == 1 and sorted(r["check"] for r in doc["results"] if r["status"] == "fail") == sorted(BROKEN)

        preview = CliRunner(env=site.env).invoke(cli, ["fix", "-i", str(site.inventory), "--check",
                                                       "--runs-dir", str(runs)])
        assert preview.exit_code == 0, preview.output
        assert f"deploy server --tags locale,timezone --limit {host}" in preview.output
        assert "+Asia/Shanghai" in preview.output and "+LANG=zh_CN.UTF-8" in preview.output  # the diff
        assert _zone(site, host) == "/usr/share/zoneinfo/Asia/Tokyo"  # check mode changed nothing

        applied = CliRunner(env=site.env).invoke(cli, ["fix", "-i", str(site.inventory), "--runs-dir", str(runs)])
        assert applied.exit_code == 0, applied.output
        fixed = True
        rows = [line for line in applied.output.splitlines() if any(c in line for c in BROKEN)]
        assert all(re.search(r"fail: .*\bpass\b", line) for line in rows[-len(BROKEN):]), applied.output
        assert _zone(site, host) == "/usr/share/zoneinfo/Asia/Shanghai"
        code, doc = _check(site, host, runs)  # an independent audit agrees
        assert code == 0 and all(r["status"] == "pass" for r in doc["results"])
        again = CliRunner(env=site.env).invoke(cli, ["fix", "-i", str(site.inventory), "--check",
                                                     "--runs-dir", str(runs)])
        assert again.exit_code == 0 and "nothing to fix" in again.output
    finally:
        if not fixed:
            CliRunner(env=site.env).invoke(cli, ["deploy", "server", "-i", str(site.inventory), "--limit", host,
                                                 "--tags", "timezone", "--tags", "locale",
                                                 "--runs-dir", str(tmp_path / "restore")])


# Secrets as sites keep them beside the configs: a client option file and an app's env file on
# the database host, a Tomcat datasource on the app host (files nothing on the site reads).
PLANTED = {
    "db": {"/etc/mysql/envcheck-erp-client.cnf": f"[client]\nuser = erp\npassword = {SECRETS['ERP_DB_PASSWORD']}\n",
           "/etc/postgresql-common/envcheck-his.env": f"export PGPASSWORD='{SECRETS['HIS_DB_PASSWORD']}'\n"},
    "app": {"/etc/tomcat10/envcheck-datasource.xml":
            f'<Resource name="jdbc/his" username="his" password="{SECRETS["HIS_DB_PASSWORD"]}"/>\n'
            f'<Resource name="jdbc/erp" url="jdbc:mysql://erp:{SECRETS["ERP_DB_PASSWORD"]}@db1/erp"/>\n'},
}


def test_collect_brings_back_every_tier_with_no_password(site: Site, tmp_path: Path) -> None:
    lab = site.lab
    planted = [(site.host(group), path, text) for group, files in PLANTED.items() for path, text in files.items()]
    try:
        for host, path, text in planted:
            faults.put_file(lab, host, path, text.encode())
        db = site.host("db")
        written = faults.run(lab, db, "grep -rhiE '^[[:space:]]*password[[:space:]]*=' /etc/mysql || true")
        secrets = set(SECRETS.values()) | {line.split("=", 1)[1].strip() for line in written.splitlines()} - {""}
        result = CliRunner().invoke(cli, ["collect", "-i", str(site.inventory), "--runs-dir", str(tmp_path)])
        assert result.exit_code == 0, result.output
    finally:
        for host, path, _ in planted:
            faults.run(lab, host, f"rm -f {shlex.quote(path)}")
    [run] = list(tmp_path.glob("*-collect"))
    with tarfile.open(run / f"{run.name}.tar.gz") as tar:
        contents = {m.name.split("/", 1)[1]: tar.extractfile(m).read()  # type: ignore[union-attr]
                    for m in tar.getmembers() if m.isfile()}
    leaks = [(name, s) for name, data in contents.items() for s in secrets if s.encode() in data]
    assert not leaks
    for host, path, _ in planted:  # the planted files were collected, masked
        assert MASK.encode() in contents[f"{host}/files{path}"]
    web, app = site.host("web"), site.host("app")
    for name in (f"{web}/files/etc/nginx/nginx.conf", f"{app}/files/etc/tomcat10/server.xml",
                 f"{db}/files/etc/mysql/debian.cnf", f"{db}/commands/journal-postgresql.txt"):
        assert name in contents, sorted(contents)
    assert any(n.startswith(f"{db}/files/etc/postgresql/") and n.endswith("postgresql.conf") for n in contents)
    assert any(n.startswith(f"{db}/files/var/log/postgresql/") for n in contents)
