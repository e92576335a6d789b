"""What the web tier's proxies really reach: every upstream / proxy_pass / ProxyPass / AJP target of
Nginx and Apache tried from the web host, compared with the tier it should lead to
(standard_tiers), and the application's health URLs (standard_app_health_urls) through the proxy."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

from envcheck.checks.registry import HostContext, check, fact
from envcheck.checks.util.common import listed, norm_charset, sections
from envcheck.model import Outcome, ProbeOutput, Severity, Status, Text
from envcheck.paths import shell_text
from envcheck.standard import Standard

FACT = "proxy.targets"
_TCP = f"ECTCP={shlex.quote(shell_text('checks/util/tiers.bash'))}\n" + shell_text("checks/util/tiers.sh")
_SCRIPT = shell_text("checks/util/proxy.sh")
_WEB = ("command -v nginx >/dev/null 2>&1 || command -v apache2 >/dev/null 2>&1 || "
        "command -v httpd >/dev/null 2>&1")
LOCAL = ("127.0.0.1", "localhost", "::1")


def _command(ctx: HostContext, std: Standard) -> str:
    return _TCP + "\n" + _SCRIPT + "ecproxy " + " ".join(shlex.quote(u) for u in std.app_health_urls) + "\n"


@fact(FACT, command_for=_command, sudo=True, timeout=40, present=_WEB)
def parse_targets(out: ProbeOutput) -> Any:
    """The proxy lines of `nginx -T` and of Apache's config (ProxyPass, ProxyPassMatch, BalancerMember), every
    host:port they name tried over TCP from the web host, and each standard_app_health_urls through the proxy
    (curl: code and Content-Type)."""
    if out.stdout.strip() == "ABSENT":
        from envcheck.checks.registry import absent  # noqa: PLC0415 (a rare path)

        return absent("no Nginx or Apache on this host", "本机没有 Nginx 或 Apache")
    parts = sections(out.stdout)
    upstreams: dict[str, list[str]] = {}
    passes: list[str] = []
    current = None
    for line in parts.get("config", "").splitlines():
        word, _, rest = line.partition(" ")
        if word == "upstream":
            current = rest.strip()
            upstreams[current] = []
        elif word == "server" and current is not None:
            upstreams[current].append(rest.split()[0])
        elif rest:
            passes.append(f"{word} {rest}")
    tcp = {}
    for line in parts.get("tcp", "").splitlines():
        cols = line.split("|")
        if len(cols) == 4 and cols[3].lstrip("-").isdigit():
            tcp[f"{cols[1]}:{cols[2]}"] = int(cols[3])
    health = []
    for line in parts.get("health", "").splitlines():
        url, _, rest = line.partition("|")
        code, _, ctype = rest.partition("|")
        if url:
            health.append({"url": url, "status": int(code) if code.isdigit() else 0, "content_type": ctype.strip()})
    return {"upstreams": upstreams, "passes": passes, "tcp": tcp, "health": health}


def _targets(t: Mapping[str, Any]) -> dict[str, str]:
    """host:port -> the directive that names it (upstream names resolved to their servers)."""
    out: dict[str, str] = {}
    for name, servers in t["upstreams"].items():
        for s in servers:
            if not s.startswith("unix:"):  # a local socket: no network path to try
                out.setdefault(s if ":" in s else f"{s}:80", f"upstream {name}")
    for key in t["tcp"]:
        host = key.rpartition(":")[0]
        if host not in t["upstreams"]:
            out.setdefault(key, next((p.partition(" ")[0] for p in t["passes"] if host in p), "proxy"))
    return out


def _expected(ctx: HostContext, std: Standard) -> set[str]:
    """host:port of the tiers this host's groups lead to (standard_tiers)."""
    return {f"{addr}:{port}" for tier in std.tiers if tier.source in ctx.groups
            for _, addr in ctx.peers.get(tier.target, ()) for port in tier.ports}


@check(
    "proxy.targets",
    title=("Every proxy target of the web server is reachable and is the application",
           "Web 服务器的每个代理目标都可达且指向应用"),
    fix=("Correct the upstream / proxy_pass / ProxyPass target named (address and port of the application tier in "
         "standard_tiers), or open the path to it; then reload the web server.",
         "修正所列的 upstream / proxy_pass / ProxyPass 目标(standard_tiers 中应用层的地址和端口),或打通到它的网络;"
         "然后重新加载 Web 服务器。"),
    severity=Severity.CRITICAL,
    facts=[FACT, "host"],
)
def targets(f: Mapping[str, Any], std: Standard) -> Outcome:
    t, ctx = f[FACT], f["host"]
    found = _targets(t)
    expected = _expected(ctx, std)
    if not found:
        return Outcome(Status.SKIP, message=Text("no proxy target configured", "未配置代理目标"))
    down = [f"{k} ({d}): " + ("timed out" if t["tcp"].get(k) == 124 else "refused")
            for k, d in found.items() if t["tcp"].get(k, 0) != 0]
    if down:
        text = "; ".join(down)
        return Outcome(Status.FAIL, found, sorted(expected), Text(f"unreachable: {text}", f"不可达:{text}"))
    other = [k for k in found if expected and k not in expected and k.rpartition(":")[0] not in LOCAL]
    if other:
        text = ", ".join(other)
        return Outcome(Status.WARN, found, sorted(expected),
                       Text(f"targets that are not the application tier: {text}", f"不是应用层的代理目标:{text}"))
    return Outcome(Status.PASS, found, sorted(expected), Text("every proxy target answers", "所有代理目标可达"))


def _charset(content_type: str) -> str | None:
    m = re.search(r"charset=([\w-]+)", content_type, re.IGNORECASE)
    return m.group(1) if m else None


@check(
    "proxy.health",
    title=("The application's health URLs answer through the proxy, with the standard charset",
           "经代理访问应用健康检查 URL 正常且字符集符合标准"),
    fix=("A 5xx through the proxy with the application up means the proxy's target is wrong (proxy.targets); a "
         "missing or other charset: `charset utf-8;` (Nginx) / AddDefaultCharset UTF-8 (Apache), or the application's "
         "own Content-Type.",
         "应用正常而经代理返回 5xx,说明代理目标有误(见 proxy.targets);字符集缺失或不符:Nginx 加 `charset utf-8;` / "
         "Apache 加 AddDefaultCharset UTF-8,或修正应用自身的 Content-Type。"),
    severity=Severity.MAJOR,
    facts=[FACT],
)
def health(f: Mapping[str, Any], std: Standard) -> Outcome:
    answers = f[FACT]["health"]
    if not answers:
        return Outcome(Status.SKIP, message=Text("no standard_app_health_urls declared",
                                                 "未声明 standard_app_health_urls"))
    found = {a["url"]: f"{a['status']} {a['content_type']}".strip() for a in answers}
    problems = []
    for a in answers:
        if not 0 < a["status"] < 500:
            problems.append(f"{a['url']}: HTTP {a['status'] or 'no answer'}")
        elif norm_charset(_charset(a["content_type"]) or "none") != norm_charset(std.charset):
            problems.append(f"{a['url']}: Content-Type {a['content_type'] or '(none)'}")
    return listed(found, f"< 500, charset={std.charset}", problems,
                  Text("health URLs answer", "健康检查 URL 正常"))
