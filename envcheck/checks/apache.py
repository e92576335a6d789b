"""Apache httpd in front of Tomcat: response charset."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from envcheck.checks.registry import Remediation, absent, check, fact
from envcheck.checks.util.common import bad, norm_charset, ok, sections
from envcheck.model import Outcome, ProbeOutput, Severity
from envcheck.standard import Standard

DEPLOY_APACHE = Remediation("middleware", ("apache",))


@fact(
    "apache.config",
    # Apache is installed where its main file is: /etc/apache2 alone may come from packages that
    # only drop a snippet into conf-available (javascript-common), with no Apache at all.
    "d=; for x in /etc/apache2 /etc/httpd; do "
    "if [ -f \"$x\"/apache2.conf ] || [ -f \"$x\"/conf/httpd.conf ]; then d=$x; fi; done\n"
    "if [ -z \"$d\" ]; then echo ABSENT; else\n"
    # -R: sites-enabled/ and conf-enabled/ hold symlinks, which -r does not follow.
    "echo \"== root $d ==\"; grep -RhsiE '^[[:space:]]*(AddDefaultCharset|LimitRequestBody|ProxyPass)[[:space:]]' "
    "\"$d\"/apache2.conf \"$d\"/conf/httpd.conf \"$d\"/conf-enabled \"$d\"/sites-enabled \"$d\"/conf.d "
    "2>/dev/null; fi; true",
    sudo=True,
)
def parse_apache(out: ProbeOutput) -> Any:
    """The AddDefaultCharset, LimitRequestBody and ProxyPass lines of /etc/apache2 or /etc/httpd (the main
    file, conf-enabled, sites-enabled, conf.d); absent where no main file is (only a conf-available
    snippet of another package, such as javascript-common, is no Apache)."""
    if out.stdout.strip() == "ABSENT":
        return absent("no Apache httpd on this host", "本机未安装 Apache httpd")
    body = next((v for k, v in sections(out.stdout).items() if k.startswith("root")), "")
    directives: dict[str, list[str]] = {}
    for line in body.splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2:
            directives.setdefault(parts[0].lower(), []).append(parts[1].strip())
    return {"AddDefaultCharset": directives.get("adddefaultcharset", []),
            "LimitRequestBody": directives.get("limitrequestbody", []),
            "ProxyPass": directives.get("proxypass", [])}


@check(
    "apache.default_charset",
    title=("Apache sends AddDefaultCharset UTF-8", "Apache 设置 AddDefaultCharset UTF-8"),
    fix=("Set `AddDefaultCharset UTF-8` (Debian: /etc/apache2/conf-available/charset.conf) and reload.",
         "设置 `AddDefaultCharset UTF-8`(Debian:/etc/apache2/conf-available/charset.conf)并重新加载。"),
    severity=Severity.MAJOR,
    facts=["apache.config"],
    remediation=DEPLOY_APACHE,
)
def apache_charset(f: Mapping[str, Any], std: Standard) -> Outcome:
    found = f["apache.config"]["AddDefaultCharset"]
    if found and all(norm_charset(v) == norm_charset(std.charset) for v in found):
        return ok(found, std.charset, "AddDefaultCharset UTF-8", "AddDefaultCharset UTF-8")
    return bad(found or "not set", std.charset, f"AddDefaultCharset: {found or 'not set'}",
               f"AddDefaultCharset:{found or '未设置'}")
