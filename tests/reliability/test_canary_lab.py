"""No secret in evidence or output: a service on a lab host holds a canary password in its
command line (-Dspring.datasource.password=..., --db-password VALUE, a JDBC URL), in its
environment (JAVA_TOOL_OPTIONS, DB_PASSWORD) and in its config (a Tomcat server.xml Resource,
an /etc/default file). After `check` in every format, `report` (HTML and Markdown) and
`collect`, the canary is in no file under runs/, no report and no output; and the service is
really seen (its process and config are in the evidence, masked)."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from envcheck.masking import MASK
from tests.lab.lab import Lab
from tests.reliability.labkit import ENVCHECK

pytestmark = [pytest.mark.lab, pytest.mark.reliability]
CANARY = "Canary-Pw-4711x"
BASE = "/opt/tomcat-canary"
SERVER_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<Server port="-1" shutdown="SHUTDOWN">
  <GlobalNamingResources>
    <Resource name="jdbc/erp" auth="Container" type="javax.sql.DataSource" username="erp"
              password="{CANARY}" url="jdbc:mysql://db:3306/erp?user=erp&amp;password={CANARY}"/>
  </GlobalNamingResources>
  <Service name="Catalina">
    <Connector port="18080" protocol="HTTP/1.1" URIEncoding="UTF-8"/>
  </Service>
</Server>
"""
UNIT = f"""[Unit]
Description=canary service holding a password everywhere
[Service]
Environment=LANG=C.UTF-8
Environment=JAVA_TOOL_OPTIONS=-Dspring.datasource.password={CANARY}
Environment=DB_PASSWORD={CANARY}
ExecStart={BASE}/bin/java -c "while :; do sleep 3600; done" java -Dcatalina.base={BASE} \
 -Dspring.datasource.password={CANARY} --db-password {CANARY} \
 -Dspring.datasource.url=jdbc:postgresql://erp:{CANARY}@db/erp \
 org.apache.catalina.startup.Bootstrap start
"""
DEFAULTS = f"JAVA_OPTS=\"-Dspring.datasource.password={CANARY}\"\nspring.datasource.password = {CANARY}\n"


@pytest.fixture(scope="module")
def service(lab: Lab) -> Iterator[str]:
    """A "java" process (a copy of sh, so its comm is java) run by systemd, Tomcat-like."""
    name = lab.hosts[1].name
    setup = (
        f"mkdir -p {BASE}/bin {BASE}/conf && cp /bin/sh {BASE}/bin/java && "
        f"printf %s {shlex.quote(SERVER_XML)} > {BASE}/conf/server.xml && "
        f"printf %s {shlex.quote(DEFAULTS)} > /etc/default/tomcat-canary && "
        f"printf %s {shlex.quote(UNIT)} > /etc/systemd/system/canary.service && "
        "systemctl daemon-reload && systemctl restart canary && sleep 1 && systemctl is-active canary"
    )
    done = lab.ssh(name, setup)
    assert done.returncode == 0, done.stdout + done.stderr
    yield name
    lab.ssh(name, f"systemctl disable --now canary; rm -rf {BASE} /etc/default/tomcat-canary "
                  "/etc/systemd/system/canary.service; systemctl daemon-reload")


def _envcheck(args: list[str], cwd: Path) -> str:
    done = subprocess.run([ENVCHECK, *args], capture_output=True, text=True, timeout=600, cwd=cwd)
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout + done.stderr


def test_the_canary_is_nowhere(lab: Lab, service: str, tmp_path: Path) -> None:
    inv = ["-i", str(lab.inventory_path), "--limit", service, "--runs-dir", str(tmp_path / "runs")]
    outputs = []
    for fmt in ("table", "json", "junit", "markdown"):
        for lang in ("en", "zh"):
            outputs.append(_envcheck(["check", *inv, "--format", fmt, "--lang", lang, "--show-passed",
                                      "--show-skipped"], tmp_path))
    outputs.append(_envcheck(["check", *inv, "--format", "json", "-o", str(tmp_path / "c.json")], tmp_path))
    outputs.append(_envcheck(["collect", *inv, "-w", "system,tomcat"], tmp_path))
    for fmt, out in (("html", "r.html"), ("markdown", "r.md")):
        outputs.append(_envcheck(["report", "--runs-dir", str(tmp_path / "runs"), "--format", fmt,
                                  "-o", str(tmp_path / out)], tmp_path))
        outputs.append(_envcheck(["report", "--runs-dir", str(tmp_path / "runs"), "--format", fmt], tmp_path))

    files = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.endswith(".tar.gz")]
    evidence = next((tmp_path / "runs").glob("*-check/hosts/*.json")).read_text(encoding="utf-8")
    # The service was seen: its command line and its server.xml are in the evidence, masked.
    assert "org.apache.catalina.startup.Bootstrap" in evidence and "jdbc/erp" in evidence
    assert MASK in evidence
    collected = "\n".join(p.read_text(errors="replace") for p in files if "-collect" in str(p))
    assert "tomcat-canary" in collected and "spring.datasource.password" in collected
    leaks = [str(p) for p in files if CANARY in p.read_text(encoding="utf-8", errors="replace")]
    leaks += [f"output {i}" for i, text in enumerate(outputs) if CANARY in text]
    tarballs = list(tmp_path.rglob("*.tar.gz"))
    assert tarballs
    for tarball in tarballs:
        listing = subprocess.run(["tar", "-xzOf", str(tarball)], capture_output=True, timeout=60).stdout
        if CANARY.encode() in listing:
            leaks.append(str(tarball))
    assert not leaks, leaks
