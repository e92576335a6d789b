"""Network: name resolution, firewall, SELinux, and tier-to-tier reachability tested from the
source host (the expected services and ports are in services.py)."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from envcheck.checks.common import bad, key_values, ok, sections
from envcheck.checks.registry import HostContext, Remediation, absent, check, fact
from envcheck.model import Outcome, ProbeOutput, Severity, Status
from envcheck.standard import Standard


def _hostname_command(ctx: HostContext, std: Standard) -> str:
    return (
        # Shell builtins where they do the work (this runs on every host of every audit).
        "h=; { IFS= read -r h </proc/sys/kernel/hostname; } 2>/dev/null; [ -n \"$h\" ] || h=$(hostname); "
        "echo \"hostname=$h\"\n"
        # getent hosts: the first address, the one gethostbyname() and so Java's getLocalHost() use.
        "f=$(getent hosts \"$h\"); echo \"first=${f%%[[:space:]]*}\"\n"
        # Read back from a here-document, not a pipe: one fork fewer.
        "r=' '; while read -r ad _; do case \"$r\" in *\" $ad \"*) ;; *) r=\"$r$ad \";; esac; done <<ECEOF\n"
        "$(getent ahostsv4 \"$h\")\nECEOF\necho \"resolves=${r# }\"\n"
    ) + ("" if ctx.lan_address else
         # The host's own addresses, which the name must resolve to, where the inventory
         # gives no LAN address to compare with.
         "a=$(ip -o addr show 2>/dev/null | { while read -r _ _ _ ad _; do printf '%s ' \"${ad%/*}\"; done; })\n"
         "[ -n \"$a\" ] || a=$(hostname -I 2>/dev/null); echo \"addresses=$a\"")


@fact("network.hostname", command_for=_hostname_command)
def parse_hostname(out: ProbeOutput) -> dict[str, Any]:
    kv = key_values(out.stdout)
    return {"hostname": kv.get("hostname", ""), "first": kv.get("first") or None,
            "resolves": kv.get("resolves", "").split(), "addresses": kv.get("addresses", "").split()}


def is_loopback(address: str) -> bool:
    a = address.strip("[]").partition("%")[0]
    return a.startswith("127.") or a in ("::1", "localhost")


@fact(
    "network.security",
    # Each pipeline runs only where its tool is installed (else its grep, head or awk would
    # run on nothing); the output for a missing tool is what the pipeline printed.
    "echo '== selinux =='; { command -v getenforce >/dev/null 2>&1 && getenforce 2>/dev/null; } || echo absent\n"
    # systemctl costs more than the rest of this probe: asked only where firewalld is installed.
    "echo '== firewalld =='; if command -v firewalld >/dev/null 2>&1; then "
    "systemctl is-active firewalld 2>/dev/null || true; else echo inactive; fi\n"
    "echo '== ufw =='; if command -v ufw >/dev/null 2>&1; then ufw status 2>/dev/null | head -1; fi\n"
    "echo '== nft =='; if command -v nft >/dev/null 2>&1; then nft list ruleset 2>/dev/null | "
    "grep -c -E '^\\s+(ip|ip6|tcp|udp|ct|iif|iifname|oif|meta|counter|drop|reject|jump)' || true; "
    "else echo 0; fi\n"
    "echo '== iptables =='; if command -v iptables >/dev/null 2>&1; then "
    "iptables -S 2>/dev/null | grep -c '^-A' || true; else echo 0; fi\n"
    "echo '== input_policy =='; if command -v iptables >/dev/null 2>&1; then "
    "iptables -S INPUT 2>/dev/null | awk '$1 == \"-P\" {print $3}'; fi",
    sudo=True,
)
def parse_security(out: ProbeOutput) -> dict[str, Any]:
    s = {k: v.strip() for k, v in sections(out.stdout).items()}
    nft = int(s["nft"]) if s.get("nft", "").isdigit() else 0
    ipt = int(s["iptables"]) if s.get("iptables", "").isdigit() else 0
    policy = s.get("input_policy") or None
    if s.get("firewalld") == "active":
        firewall = "firewalld"
    elif s.get("ufw", "").startswith("Status: active"):
        firewall = "ufw"
    elif nft or ipt or policy in ("DROP", "REJECT"):
        # iptables-nft rules show in both listings: the larger count is the number of rules.
        firewall = f"packet filter: {max(nft, ipt)} rules" + (f", INPUT policy {policy}" if policy else "")
    else:
        firewall = "none"
    return {"selinux": (s.get("selinux") or "absent").lower(), "firewall": firewall,
            "nft_rules": nft, "iptables_rules": ipt, "input_policy": policy}


def _peers_command(ctx: HostContext, std: Standard) -> str | None:
    names = sorted({n for members in ctx.peers.values() for n, _ in members if n != ctx.name})
    if not names:
        return None
    # One getent for every peer (it grows with the fleet), its output as it is: each name's
    # answer starts with the line that carries a canonical name, in the order asked (the
    # parser pairs them; the shell reading it line by line cost ~2 ms a host). If a name
    # does not resolve, that order is lost: then one getent per name, `name=address` lines.
    return (f"set -- {' '.join(shlex.quote(n) for n in names)}\n"
            "echo \"names: $*\"\n"
            "getent ahostsv4 \"$@\" 2>/dev/null || for n; do a=$(getent ahostsv4 \"$n\" 2>/dev/null); "
            "printf '%s=%s\\n' \"$n\" \"${a%%[[:space:]]*}\"; done")


@fact("network.peers", command_for=_peers_command)
def parse_peers(out: ProbeOutput) -> dict[str, str]:
    names: list[str] = []
    found: dict[str, str] = {}
    paired = 0
    for line in out.stdout.splitlines():
        if line.startswith("names:"):
            names = line.removeprefix("names:").split()
            continue
        name, eq, address = line.partition("=")
        fields = line.split()
        if eq:  # one getent per name: these come last and win
            found[name.strip()] = address.strip()
        elif len(fields) >= 3 and paired < len(names):  # `address STREAM canonical-name`
            found[names[paired]] = fields[0]
            paired += 1
    return found


# TCP connects, a batch at a time, the address and port as arguments, never as script text.
# With bash: one bash a batch, each connect (/dev/tcp) a forked subshell, and one timer that
# ends those still waiting after 3 s (rc 124). Without bash: nc. Neither: rc 127.
_TCP_BASH = (
    "n=0; while [ $# -ge 3 ]; do ( exec 3<>\"/dev/tcp/$2/$3\" ) 2>/dev/null & p[n]=$!; t[n]=\"$1|$2|$3\"; "
    "n=$((n + 1)); shift 3; done\n"
    "( sleep 3 & s=$!; trap \"kill $s; exit\" TERM; wait $s; kill ${p[*]} ) >/dev/null 2>&1 & w=$!\n"
    "for ((i = 0; i < n; i++)); do wait ${p[i]}; rc=$?; [ $rc -gt 128 ] && rc=124; "
    "printf \"%s|%s\\n\" \"${t[i]}\" $rc; done\n"
    "kill $w 2>/dev/null; wait"
)
_TCP = (
    f"if command -v bash >/dev/null 2>&1; then ectiers() {{ bash -c {shlex.quote(_TCP_BASH)} ectiers \"$@\"; }}\n"
    "elif command -v nc >/dev/null 2>&1; then ectiers() { while [ $# -ge 3 ]; do "
    "{ nc -z -w 3 \"$2\" \"$3\" >/dev/null 2>&1; printf '%s|%s|%s|%s\\n' \"$1\" \"$2\" \"$3\" \"$?\"; } & "
    "shift 3; done; wait; }\n"
    "else ectiers() { while [ $# -ge 3 ]; do printf '%s|%s|%s|127\\n' \"$1\" \"$2\" \"$3\"; shift 3; done; }; fi\n"
)
_BATCH = 16


def _tiers_command(ctx: HostContext, std: Standard) -> str | None:
    tries = []
    for tier in std.tiers:
        if tier.source not in ctx.groups:
            continue
        for name, address in ctx.peers.get(tier.target, ()):
            tries += [f"{shlex.quote(name)} {shlex.quote(address)} {shlex.quote(str(port))}" for port in tier.ports]
    batches = [tries[i:i + _BATCH] for i in range(0, len(tries), _BATCH)]
    return _TCP + "\n".join("ectiers " + " ".join(batch) for batch in batches) if tries else None


@fact("network.tiers", command_for=_tiers_command, timeout=60)
def parse_tiers(out: ProbeOutput) -> list[dict[str, Any]]:
    result = []
    for line in out.stdout.splitlines():
        parts = line.split("|")
        if len(parts) == 4 and parts[2].isdigit() and parts[3].lstrip("-").isdigit():
            rc = int(parts[3])
            state = {0: "open", 124: "timeout", 127: "no bash or nc"}.get(rc, "refused")
            result.append({"target": parts[0], "address": parts[1], "port": int(parts[2]),
                           "ok": rc == 0, "state": state})
    return sorted(result, key=lambda r: (r["target"], r["port"]))


BASELINE_HOSTS = Remediation("server", ("hosts",))


@check(
    "network.hostname_resolves",
    title=("Host name resolves to the host's LAN address", "主机名解析为本机内网地址"),
    fix=("Put `<LAN address> <hostname>` in /etc/hosts (`envcheck deploy server --tags hosts`); "
         "a name resolving to 127.0.1.1 only breaks clustering and RMI.",
         "在 /etc/hosts 中写入 `<内网地址> <主机名>`(`envcheck deploy server --tags hosts`);"
         "主机名只解析到 127.0.1.1 会导致集群和 RMI 故障。"),
    severity=Severity.MAJOR,
    facts=["network.hostname", "host"],
    remediation=BASELINE_HOSTS,
)
def hostname_resolves(f: Mapping[str, Any], std: Standard) -> Outcome:
    h, ctx = f["network.hostname"], f["host"]
    name, resolves = h["hostname"], h["resolves"]
    first = h["first"] or (resolves[0] if resolves else None)
    expected = ctx.lan_address or "an address of this host other than loopback"
    found = {"first": first, "all": resolves}
    if not resolves and not first:
        return bad("unresolved", expected, f"{name} does not resolve", f"{name} 无法解析")
    if ctx.lan_address:
        good = ctx.lan_address in resolves or ctx.lan_address == first
    else:
        good = any(a in h["addresses"] and not is_loopback(a) for a in resolves)
    if good and first and is_loopback(first):
        return bad(found, expected, f"{name} resolves first to {first}: programs that take the first "
                   "address (Java's getLocalHost, RMI, clusters) announce loopback",
                   f"{name} 首先解析为 {first}:取第一个地址的程序(Java getLocalHost、RMI、集群)会对外宣告回环地址")
    if good:
        return ok(found, expected, f"{name} resolves to {first}", f"{name} 解析为 {first}")
    shown = ", ".join(resolves) or str(first)
    return bad(found, expected, f"{name} resolves to {shown}, expected {expected}",
               f"{name} 解析为 {shown},应为 {expected}")


@check(
    "network.firewall",
    title=("Firewall state (reported)", "防火墙状态(仅报告)"),
    fix=("Make sure the firewall lets the tiers' ports through (`envcheck check -c network.tiers`).",
         "确认防火墙放行各层之间的端口(`envcheck check -c network.tiers`)。"),
    severity=Severity.INFO,
    facts=["network.security"],
)
def firewall(f: Mapping[str, Any], std: Standard) -> Outcome:
    fw = f["network.security"]["firewall"]
    return ok(fw, None, f"firewall: {fw}", f"防火墙:{fw}")


@check(
    "network.selinux",
    title=("SELinux state (reported)", "SELinux 状态(仅报告)"),
    fix=("In enforcing mode, label the application's ports and paths (semanage port/fcontext) "
         "rather than disabling SELinux.",
         "强制模式下请为应用的端口和目录设置标签(semanage port/fcontext),不要直接关闭 SELinux。"),
    severity=Severity.INFO,
    facts=["network.security"],
)
def selinux(f: Mapping[str, Any], std: Standard) -> Outcome:
    state = f["network.security"]["selinux"]
    if state == "absent":
        return Outcome(Status.SKIP, None, None, absent("SELinux is not installed", "未安装 SELinux").reason)
    return ok(state, None, f"SELinux: {state}", f"SELinux:{state}")


@check(
    "network.tiers",
    title=("This host reaches the next tier", "本机可连通下一层"),
    fix=("refused: start the target service or fix its listen address (`ss -ltn` there); timeout: open the "
         "port in the firewalls between the tiers (`firewall-cmd --add-port=<port>/tcp --permanent`, "
         "`ufw allow <port>/tcp`). Retest with `nc -zv <address> <port>` from this host.",
         "refused:启动目标服务或修正其监听地址(在目标机执行 `ss -ltn`);timeout:在两层之间的防火墙放行该端口"
         "(`firewall-cmd --add-port=<端口>/tcp --permanent`、`ufw allow <端口>/tcp`)。"
         "在本机用 `nc -zv <地址> <端口>` 复测。"),
    severity=Severity.CRITICAL,
    facts=["network.tiers"],
)
def tiers(f: Mapping[str, Any], std: Standard) -> Outcome:
    probes = f["network.tiers"]
    closed = [f"{p['target']} ({p['address']}):{p['port']} {p['state']}" for p in probes if not p["ok"]]
    reached = [f"{p['target']}:{p['port']}" for p in probes if p["ok"]]
    if not closed:
        return ok(reached, "all open", f"reaches {', '.join(reached)}", f"可连通 {', '.join(reached)}")
    # refused: nothing listens there (or a REJECT rule); timeout: dropped by a firewall or host down.
    return bad({"closed": closed, "open": reached}, "all open", f"cannot reach {', '.join(closed)}",
               f"无法连通 {', '.join(closed)}(refused:端口无服务监听;timeout:被防火墙丢弃或主机不可达)")


@check(
    "network.peers_resolve",
    title=("Peers' names resolve to their LAN addresses", "其他主机名解析为其内网地址"),
    fix=("Write every host's LAN address in /etc/hosts: `envcheck deploy server --tags hosts`.",
         "在 /etc/hosts 中写入各主机的内网地址:`envcheck deploy server --tags hosts`。"),
    severity=Severity.MAJOR,
    facts=["network.peers", "host"],
    remediation=BASELINE_HOSTS,
)
def peers_resolve(f: Mapping[str, Any], std: Standard) -> Outcome:
    ctx = f["host"]
    expected = {n: a for members in ctx.peers.values() for n, a in members if n != ctx.name}
    resolved = f["network.peers"]
    wrong = {n: resolved.get(n) or "unresolved" for n, a in expected.items() if resolved.get(n) != a}
    if not wrong:
        return ok(resolved, expected, "peers resolve to their LAN addresses", "其他主机名解析正确")
    listing = ", ".join(f"{n} -> {a}" for n, a in wrong.items())
    return bad(resolved, expected, f"wrong resolution: {listing}", f"解析错误:{listing}")
