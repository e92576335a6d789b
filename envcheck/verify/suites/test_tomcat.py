"""Tomcat: packages, service, port, every HTTP connector's URIEncoding, the JVM's encodings,
time zone and locale (in the running process, not the login shell), a Chinese path."""

from __future__ import annotations

from typing import Any

import defusedxml.ElementTree as ET

from envcheck.verify.support import expect, expect_in, installed_and_running, read_file, run_ok
from envcheck.verify.web import chinese_file

ROLE = "tomcat"


def _main_pid(host: Any, name: str, unit: str) -> str:
    pid = run_ok(host, name, f"main PID of {unit}", f"systemctl show -p MainPID --value {unit}").strip()
    assert pid not in ("", "0"), f"{name}: service {unit} has no main process"
    return pid


def test_installed_and_running(host: Any, target: Any, rvars: dict[str, Any]) -> None:
    installed_and_running(host, target.name, rvars["tomcat_packages"], rvars["tomcat_service"],
                          rvars["tomcat_http_port"])


def test_connectors_uri_encoding(host: Any, target: Any, std: Any, rvars: dict[str, Any]) -> None:
    path = f"{rvars['tomcat_conf_dir']}/server.xml"
    root = ET.fromstring(read_file(host, target.name, path).encode())
    connectors = [c for c in root.iter("Connector") if "AJP" not in c.get("protocol", "HTTP/1.1").upper()]
    assert connectors, f"{target.name}: {path}: no HTTP Connector"
    for c in connectors:
        expect(target.name, f"{path} Connector port {c.get('port')} URIEncoding (standard_tomcat_uri_encoding)",
               c.get("URIEncoding"), std.tomcat_uri_encoding)


def test_jvm_settings_of_the_running_service(host: Any, target: Any, std: Any, rvars: dict[str, Any]) -> None:
    pid = _main_pid(host, target.name, rvars["tomcat_service"])
    args = run_ok(host, target.name, "JVM command line", f"tr '\\0' '\\n' < /proc/{pid}/cmdline").splitlines()
    for option, attribute in ((f"-Dfile.encoding={std.charset}", "charset"),
                              (f"-Dsun.jnu.encoding={std.charset}", "charset"),
                              (f"-Duser.timezone={std.timezone}", "timezone")):
        expect_in(target.name, f"JVM option {option.split('=')[0]} (standard_{attribute})", option, args,
                  [a for a in args if a.startswith(option.split("=")[0])])
    env = run_ok(host, target.name, "JVM environment", f"tr '\\0' '\\n' < /proc/{pid}/environ").splitlines()
    expect_in(target.name, "LANG of the Tomcat process (standard_locale)", f"LANG={std.locale}", env,
              [e for e in env if e.startswith(("LANG=", "LC_"))])


def test_open_files_limit_of_the_service(host: Any, target: Any, std: Any, rvars: dict[str, Any]) -> None:
    pid = _main_pid(host, target.name, rvars["tomcat_service"])
    limits = run_ok(host, target.name, "process limits", f"cat /proc/{pid}/limits")
    line = next((ln.split() for ln in limits.splitlines() if ln.startswith("Max open files")), [])
    expect(target.name, "open files of the Tomcat process (standard_nofile)", line[3:4], [str(std.nofile)])


def test_chinese_file_name_and_content(host: Any, target: Any, rvars: dict[str, Any]) -> None:
    chinese_file(host, target.name, int(rvars["tomcat_http_port"]), f"/var/lib/{rvars['tomcat_service']}/webapps/ROOT")
