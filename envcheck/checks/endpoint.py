"""Partner and third-party interfaces (standard_app_endpoints), from each host that declares them:
DNS (and an /etc/hosts override), TCP connect time, TLS (protocol, chain against the host's CA
bundle or the endpoint's CA, host name, days to expiry), HTTP status and latency, through the
host's configured proxy when it has one; and the fleet's matrix of which host reaches which."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from envcheck.checks.registry import FleetHost, HostContext, check, fact, fleet_check
from envcheck.checks.util.common import key_values, listed, sections
from envcheck.checks.util.endpoints import cell, reach_problem, tls_problems
from envcheck.model import Absent, FactError, Outcome, ProbeOutput, Severity, Status, Text
from envcheck.paths import shell_text
from envcheck.standard import Standard

FACT = "app.endpoints"
_SCRIPT = shell_text("checks/util/endpoint.sh")
def _command(ctx: HostContext, std: Standard) -> str | None:
    if not std.app_endpoints:
        return None
    calls = [" ".join(shlex.quote(v) for v in ("ecendpoint", e.name, e.host, str(e.port), e.scheme, e.url or "",
                                                e.ca_file or "")) for e in std.app_endpoints]
    return _SCRIPT + "\n".join(calls) + "\n"


@fact(FACT, command_for=_command, timeout=60)
def parse_endpoints(out: ProbeOutput) -> dict[str, Any]:
    """Each declared endpoint from this host: /etc/hosts entry, getent's addresses, the proxy the environment sets,
    a TCP connect through bash's /dev/tcp (its time, and bash's words when refused: nothing more is tried then),
    curl's HTTP code, times, TLS verify result and content type, openssl s_client's protocol, verify code and the
    certificate's notAfter and subject."""
    result: dict[str, Any] = {}
    for name, text in sections(out.stdout).items():
        if not name:
            continue
        v = key_values(text)
        entry: dict[str, Any] = {"hosts": v.get("hosts") or None, "dns": v.get("dns", "").split(),
                                 "proxy": v.get("proxy") or None}
        if "tcp" in v:
            entry["tcp"] = int(v["tcp"])
            entry["tcp_ms"] = int(v.get("tcp_ms") or 0)
            if v.get("tcp_error"):
                entry["tcp_error"] = v["tcp_error"][:200]
        if "http" in v:
            entry["http"] = int(v["http"]) if v["http"].isdigit() else 0
            entry["latency_ms"] = round(float(v.get("total_s") or 0) * 1000)
            entry["content_type"] = v.get("content_type") or None
        if v.get("curl_error"):
            entry["curl_error"] = v["curl_error"][:200]
        if "verify" in v:
            entry["protocol"] = v.get("protocol")
            code, _, words = v["verify"].partition(" ")
            entry["verify"] = code
            entry["verify_text"] = words.strip("() ")
        if v.get("not_after"):
            expires = datetime.strptime(v["not_after"].replace("  ", " "), "%b %d %H:%M:%S %Y %Z").replace(tzinfo=UTC)
            entry["days_left"] = int((expires.timestamp() - int(v["now"])) // 86400)
            entry["subject"] = v.get("subject")
        result[name] = entry
    return result


def _declared(std: Standard) -> dict[str, Any]:
    return {e.name: e for e in std.app_endpoints}


@check(
    "endpoint.reachable",
    title=("Every partner endpoint resolves and answers from this host", "每个外部接口都能从本机解析并连通"),
    fix=("Check the name (DNS, or the /etc/hosts entry shown), the route and firewall to the endpoint, and the "
         "proxy (https_proxy) the host uses.",
         "检查域名解析(DNS 或所示的 /etc/hosts 条目)、到接口的路由和防火墙,以及主机使用的代理(https_proxy)。"),
    severity=Severity.CRITICAL,
    facts=[FACT],
)
def reachable(f: Mapping[str, Any], std: Standard) -> Outcome:
    found: dict[str, Any] = {}
    problems: list[str] = []
    for name, e in _declared(std).items():
        got = f[FACT].get(name, {})
        where = f"/etc/hosts {got['hosts']}" if got.get("hosts") else "DNS"
        if got.get("proxy"):  # the host's https_proxy/http_proxy: the path goes through it
            where += f", through proxy {got['proxy']}"
        found[name] = {"address": " ".join(got.get("dns", [])), "via": where, "tcp_ms": got.get("tcp_ms"),
                       "proxy": got.get("proxy")}
        problem = reach_problem(e, got)
        if problem:
            problems.append(f"{name}: {problem} ({where})")
    return listed(found, "reachable", problems, Text("every endpoint answers", "所有接口均可连通"))


@check(
    "endpoint.tls",
    title=("Partner certificates are trusted, for the right name and not about to expire",
           "外部接口证书受信任、主机名正确且未临近过期"),
    fix=("Ask the partner to renew the certificate (or install its new CA in the host's bundle / ca_file); a "
         "wrong name means the URL or the partner's certificate is not the one agreed.",
         "请对方续期证书(或将其新 CA 装入主机信任库 / ca_file);主机名不符说明 URL 或对方证书不是约定的那个。"),
    severity=Severity.CRITICAL,
    facts=[FACT],
)
def tls(f: Mapping[str, Any], std: Standard) -> Outcome:
    found: dict[str, Any] = {}
    problems: list[str] = []
    for name, e in _declared(std).items():
        got = f[FACT].get(name, {})
        if e.scheme != "https" or "verify" not in got:
            continue
        found[name] = {k: got.get(k) for k in ("protocol", "verify", "days_left", "subject")}
        problems += tls_problems(e, got)
    if not found:
        return Outcome(Status.SKIP, message=Text("no TLS endpoint answered", "没有应答的 TLS 接口"))
    return listed(found, "trusted", problems, Text("certificates trusted and valid", "证书受信任且有效"))


@check(
    "endpoint.http",
    title=("Partner HTTP endpoints answer with the expected status", "外部 HTTP 接口返回预期状态码"),
    fix=("The endpoint answers, but not as agreed: check the URL and the partner's service.",
         "接口有应答但不符合约定:检查 URL 和对方服务。"),
    severity=Severity.MAJOR,
    facts=[FACT],
)
def http(f: Mapping[str, Any], std: Standard) -> Outcome:
    found: dict[str, Any] = {}
    problems: list[str] = []
    for name, e in _declared(std).items():
        got = f[FACT].get(name, {})
        if e.scheme == "tcp" or not got.get("http"):
            continue
        found[name] = {"status": got["http"], "latency_ms": got.get("latency_ms")}
        good = got["http"] == e.expect_status if e.expect_status else got["http"] < 500
        if not good:
            problems.append(f"{name}: HTTP {got['http']}, expected {e.expect_status or '< 500'}")
    if not found:
        return Outcome(Status.SKIP, message=Text("no HTTP endpoint answered", "没有应答的 HTTP 接口"))
    return listed(found, "expected status", problems, Text("statuses as expected", "状态码符合预期"))


def matrix(hosts: Sequence[FleetHost]) -> dict[str, dict[str, str]]:
    """endpoint -> host -> cell, for every host that declares endpoints."""
    out: dict[str, dict[str, str]] = {}
    for h in hosts:
        got = h.facts.facts.get(FACT)
        if got is None or isinstance(got, Absent | FactError):
            continue
        for e in h.standard.app_endpoints:
            out.setdefault(e.name, {})[h.name] = cell(e, got.get(e.name))
    return out


@fleet_check(
    "endpoint.matrix",
    title=("Every host that needs a partner endpoint reaches it", "所有需要外部接口的主机都能访问该接口"),
    fix=("The hosts named differ from the others: compare their /etc/hosts, DNS, proxy, routes and CA bundles.",
         "所列主机与其他主机不同:对比它们的 /etc/hosts、DNS、代理、路由和 CA 信任库。"),
    severity=Severity.MAJOR,
    facts=[FACT],
)
def endpoint_matrix(hosts: Sequence[FleetHost], std: Standard) -> Outcome:
    m = matrix(hosts)
    if not m:
        return Outcome(Status.SKIP, message=Text("no host declares endpoints", "没有主机声明外部接口"))
    bad = [f"{e} from {h}: {c}" for e, row in m.items() for h, c in row.items() if c != "ok"]
    return listed(m, "ok", bad, Text("every host reaches every endpoint", "所有主机均可访问所有接口"))
