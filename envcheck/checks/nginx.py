"""Nginx in front of Tomcat: response charset and request body size."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from envcheck.checks.registry import Remediation, absent, check, fact
from envcheck.checks.util.common import bad, norm_charset, ok
from envcheck.model import FactError, Outcome, ProbeOutput, Severity
from envcheck.standard import Standard

DEPLOY_NGINX = Remediation("middleware", ("nginx",))


@fact("nginx.config", "nginx -T 2>&1", sudo=True, present="command -v nginx >/dev/null 2>&1")
def parse_nginx(out: ProbeOutput) -> Any:
    """The whole Nginx configuration as `nginx -T` prints it."""
    if out.stdout.strip() == "ABSENT":
        return absent("no Nginx on this host", "本机未安装 Nginx")
    if out.rc != 0:
        return FactError("nginx -T failed: " + out.stdout.strip().splitlines()[-1][:300] if out.stdout.strip() else "")
    text = "\n".join(line.split("#", 1)[0] for line in out.stdout.splitlines())
    charsets = re.findall(r"^\s*charset\s+([^;\s]+)\s*;", text, re.M)
    sizes = re.findall(r"^\s*client_max_body_size\s+([^;\s]+)\s*;", text, re.M)
    proxies = re.findall(r"^\s*proxy_pass\s+([^;\s]+)\s*;", text, re.M)
    return {"charsets": charsets, "client_max_body_size": sizes, "proxy_pass": proxies}


@check(
    "nginx.charset",
    title=("Nginx declares charset utf-8", "Nginx 声明 charset utf-8"),
    fix=("Add `charset utf-8;` to the http or server block and reload (`envcheck deploy middleware --tags nginx`).",
         "在 http 或 server 块中加入 `charset utf-8;` 并重新加载(`envcheck deploy middleware --tags nginx`)。"),
    severity=Severity.MAJOR,
    facts=["nginx.config"],
    remediation=DEPLOY_NGINX,
)
def nginx_charset(f: Mapping[str, Any], std: Standard) -> Outcome:
    found = f["nginx.config"]["charsets"]
    good = [c for c in found if norm_charset(c) == norm_charset(std.charset)]
    if good and len(good) == len(found):
        return ok(found, std.charset.lower(), "charset utf-8 is declared", "已声明 charset utf-8")
    return bad(found or "not set", std.charset.lower(), f"nginx charset: {found or 'not set'}",
               f"nginx charset:{found or '未设置'}")


def size_bytes(text: str) -> int | None:
    m = re.fullmatch(r"(\d+)([kKmMgG]?)", text.strip())
    if not m:
        return None
    return int(m.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[m.group(2).lower()]


@check(
    "nginx.client_max_body_size",
    title=("Upload size limit as standard", "上传大小限制符合标准"),
    fix=("Set `client_max_body_size` in the server block (the default 1m refuses most attachments "
         "and report uploads with 413).",
         "在 server 块中设置 `client_max_body_size`(默认 1m 会以 413 拒绝大多数附件和报表上传)。"),
    severity=Severity.MAJOR,
    facts=["nginx.config"],
    remediation=DEPLOY_NGINX,
)
def nginx_body_size(f: Mapping[str, Any], std: Standard) -> Outcome:
    sizes = f["nginx.config"]["client_max_body_size"]
    want = size_bytes(std.http_client_max_body_size) or 0
    smallest = min((size_bytes(s) or 0 for s in sizes), default=1024**2)  # nginx default: 1m
    shown = sizes or "1m (default)"
    if smallest == 0 or smallest >= want:
        return ok(shown, f">= {std.http_client_max_body_size}", f"client_max_body_size {shown}",
                  f"client_max_body_size {shown}")
    return bad(shown, f">= {std.http_client_max_body_size}", f"client_max_body_size {shown} is below the standard",
               f"client_max_body_size {shown} 小于标准")
