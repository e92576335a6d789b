"""Where a host's package manager would fetch from, and whether it can get there: apt's sources
(as apt is configured), its http proxy, one TCP try per place a download would go."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

from envcheck.checks.registry import check, fact
from envcheck.checks.util.common import sections
from envcheck.model import Outcome, ProbeOutput, Severity, Status, Text
from envcheck.paths import shell_text
from envcheck.standard import Standard

FACT = "packages.sources"
_COMMAND = (f"ECTCP={shlex.quote(shell_text('checks/util/tiers.bash'))}\n" + shell_text("checks/util/tiers.sh")
            + "\n" + shell_text("checks/util/sources.sh") + "ecsources\n")


@fact(FACT, _COMMAND, timeout=20, present="command -v apt-config >/dev/null 2>&1")
def parse_sources(out: ProbeOutput) -> Any:
    """apt's source URIs (sources.list, sources.list.d/*.list and *.sources, wherever apt's
    Dir::Etc settings put them), its Acquire::http::Proxy, a TCP connection tried to where each
    download would go (the proxy for http sources when one is set, else the source's host; 3 s)
    and whether each `file:` source's folder exists."""
    if out.stdout.strip() == "ABSENT":
        from envcheck.checks.registry import absent  # noqa: PLC0415 (a rare path)

        return absent("no apt on this host", "本机没有 apt")
    parts = sections(out.stdout)
    tcp = {}
    for line in parts.get("tcp", "").splitlines():
        cols = line.split("|")
        if len(cols) == 4 and cols[3].lstrip("-").isdigit():
            tcp[f"{cols[1]}:{cols[2]}"] = int(cols[3])
    local = {}
    for line in parts.get("local", "").splitlines():
        path, _, code = line.rpartition("|")
        if path and code.isdigit():
            local[path] = int(code)
    return {
        "proxy": parts.get("proxy", "").strip(),
        "sources": [u.strip() for u in parts.get("sources", "").splitlines() if u.strip()],
        "tcp": tcp, "local": local,
    }


def target(uri: str, proxy: str) -> str | None:
    """host:port a download from `uri` connects to (None: not over the network)."""
    scheme, _, _ = uri.partition(":")
    if scheme not in ("http", "https"):
        return None
    via = proxy if scheme == "http" and re.match(r"https?://", proxy) else uri
    hostport = re.sub(r"^[a-zA-Z]+://", "", via).split("/", 1)[0].rpartition("@")[2]
    host, sep, port = hostport.rpartition(":")
    if sep and port.isdigit():
        return f"{host}:{port}"
    return f"{hostport}:{443 if scheme == 'https' else 80}"


def unreachable(f: Mapping[str, Any]) -> list[str]:
    """The sources a download could not come from, each with why."""
    out = []
    for uri in f["sources"]:
        if uri.startswith("file:"):
            path = "/" + uri[len("file:"):].lstrip("/")
            if f["local"].get(path.rstrip("/") or "/", f["local"].get(path, 0)) != 0:
                out.append(f"{uri} (no such folder)")
            continue
        where = target(uri, f["proxy"])
        if where is None:
            continue
        code = f["tcp"].get(where)
        if code != 0:
            how = "timed out" if code == 124 else "not tried" if code is None else "refused"
            via = f" via proxy {where}" if where.split(":")[0] not in uri else ""
            out.append(f"{uri}{via} ({how})")
    return out


@check(
    "packages.sources",
    title=("The package sources are reachable", "软件源可以访问"),
    fix=("The host cannot reach its package sources (a site with no route to any mirror): deploy from the "
         "offline bundle (`envcheck deploy site --offline BUNDLE`, docs/offline.md), or correct the sources "
         "or apt's proxy.",
         "主机无法访问其软件源(内网无法连接任何镜像):请使用离线包部署(`envcheck deploy site --offline 离线包`,"
         "见 docs/offline.md),或修正软件源或 apt 代理。"),
    severity=Severity.MINOR,
    facts=[FACT],
)
def sources(f: Mapping[str, Any], std: Standard) -> Outcome:
    s = f[FACT]
    if not s["sources"]:
        return Outcome(Status.SKIP, message=Text("no apt source configured", "未配置 apt 软件源"))
    down = unreachable(s)
    found = {"sources": s["sources"], "proxy": s["proxy"] or None}
    if not down:
        return Outcome(Status.PASS, found, "reachable", Text("every package source answers", "所有软件源可达"))
    text = "; ".join(down)
    none = len(down) == len(s["sources"])
    return Outcome(Status.WARN, found, "reachable",
                   Text(("no package source is reachable: " if none else "unreachable package sources: ") + text,
                        ("所有软件源都无法访问:" if none else "无法访问的软件源:") + text))
