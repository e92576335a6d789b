"""Network: name resolution, firewall, SELinux, and tier-to-tier reachability tested from the
source host, the expected services and the expected listening ports."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from envcheck.checks.registry import HostContext, Remediation, absent, check, fact
from envcheck.checks.util.common import bad, key_values, ok, sections, unit_files_exist
from envcheck.checks.util.sample import peers_sample, tier_sample
from envcheck.model import Outcome, ProbeOutput, Severity, Status
from envcheck.paths import shell_text
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
    """The host's name and what it resolves to (`getent hosts`, `getent ahostsv4`); the host's own addresses
    (`ip -o addr`) where the inventory gives no lan_address."""
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
    """SELinux (`getenforce`), firewalld and ufw state, the number of nftables and iptables rules, and
    iptables' INPUT policy."""
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
    names = peers_sample(ctx, std).chosen
    if not names:
        return None
    # One getent for every peer of the sample, its output as it is: each name's
    # answer starts with the line that carries a canonical name, in the order asked (the
    # parser pairs them; the shell reading it line by line cost ~2 ms a host). If a name
    # does not resolve, that order is lost: then one getent per name, `name=address` lines.
    return (f"set -- {' '.join(shlex.quote(n) for n in names)}\n"
            "echo \"names: $*\"\n"
            "getent ahostsv4 \"$@\" 2>/dev/null || for n; do a=$(getent ahostsv4 \"$n\" 2>/dev/null); "
            "printf '%s=%s\\n' \"$n\" \"${a%%[[:space:]]*}\"; done")


@fact("network.peers", command_for=_peers_command)
def parse_peers(out: ProbeOutput) -> dict[str, str]:
    """What the names of the inventory's other hosts resolve to on this host: `getent ahostsv4`; beyond
    standard_peer_sample peers (16), this host's share of them (envcheck/checks/util/sample.py)."""
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
# Defines ectiers (bash's /dev/tcp, else nc), its bash form given as ECTCP.
_TCP = f"ECTCP={shlex.quote(shell_text('checks/util/tiers.bash'))}\n" + shell_text("checks/util/tiers.sh")
_BATCH = 16


def _tiers_command(ctx: HostContext, std: Standard) -> str | None:
    tries = []
    for tier in std.tiers:
        if tier.source not in ctx.groups:
            continue
        chosen = set(tier_sample(ctx, tier, std).chosen)
        for name, address in ctx.peers.get(tier.target, ()):
            if name in chosen:
                tries += [f"{shlex.quote(name)} {shlex.quote(address)} {shlex.quote(str(port))}"
                          for port in tier.ports]
    batches = [tries[i:i + _BATCH] for i in range(0, len(tries), _BATCH)]
    return _TCP + "\n".join("ectiers " + " ".join(batch) for batch in batches) if tries else None


@fact("network.tiers", command_for=_tiers_command, timeout=60)
def parse_tiers(out: ProbeOutput) -> list[dict[str, Any]]:
    """TCP connections from this host to every host of the next tier on the ports of standard_tiers (bash's
    /dev/tcp, else `nc`), 3 s each; beyond standard_peer_sample hosts of the next tier (16), this host's
    share of them (envcheck/checks/util/sample.py)."""
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
    facts=["network.tiers", "host"],
)
def tiers(f: Mapping[str, Any], std: Standard) -> Outcome:
    probes = f["network.tiers"]
    closed = [f"{p['target']} ({p['address']}):{p['port']} {p['state']}" for p in probes if not p["ok"]]
    reached = [f"{p['target']}:{p['port']}" for p in probes if p["ok"]]
    note = _tiers_note(f.get("host"), std)
    if not closed:
        found: Any = {"open": reached, **note} if note else reached
        return ok(found, "all open", f"reaches {', '.join(reached)}" + _said(note, "en"),
                  f"可连通 {', '.join(reached)}" + _said(note, "zh"))
    # refused: nothing listens there (or a REJECT rule); timeout: dropped by a firewall or host down.
    return bad({"closed": closed, "open": reached, **note}, "all open",
               f"cannot reach {', '.join(closed)}" + _said(note, "en"),
               f"无法连通 {', '.join(closed)}(refused:端口无服务监听;timeout:被防火墙丢弃或主机不可达)"
               + _said(note, "zh"))


def _tiers_note(ctx: Any, std: Standard) -> dict[str, Any]:
    """{"sampled": ..., "inferred": ...} where this host probed a share of the next tier only."""
    if not isinstance(ctx, HostContext):
        return {}
    probed = inferred = 0
    for tier in std.tiers:
        if tier.source in ctx.groups:
            sample = tier_sample(ctx, tier, std)
            probed, inferred = probed + len(sample.chosen), inferred + sample.inferred
    return {"sampled": probed, "inferred": inferred} if inferred else {}


def _said(note: Mapping[str, Any], lang: str) -> str:
    """The sample, said: what this host probed and that the rest is other hosts' result."""
    if not note:
        return ""
    n, rest = note["sampled"], note["inferred"]
    if lang == "zh":
        return f"(本机抽样探测 {n} 台;其余 {rest} 台由其他主机探测,结果据此推断)"
    return f" (a sample: {n} hosts probed from here; the other {rest} are probed by other hosts and inferred)"


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
    sample = peers_sample(ctx, std)
    chosen = set(sample.chosen)
    expected = {n: a for members in ctx.peers.values() for n, a in members if n in chosen}
    resolved = f["network.peers"]
    wrong = {n: resolved.get(n) or "unresolved" for n, a in expected.items() if resolved.get(n) != a}
    note = {"sampled": len(chosen), "inferred": sample.inferred} if sample.sampled else {}
    found: Any = {"resolved": resolved, **note} if note else resolved
    if not wrong:
        return ok(found, expected, "peers resolve to their LAN addresses" + _said(note, "en"),
                  "其他主机名解析正确" + _said(note, "zh"))
    listing = ", ".join(f"{n} -> {a}" for n, a in wrong.items())
    return bad(found, expected, f"wrong resolution: {listing}" + _said(note, "en"),
               f"解析错误:{listing}" + _said(note, "zh"))


# -- Services: the standard's services active and enabled, its ports listening. --
# A service of the standard by the unit names it has on the OS families we support.
UNIT_NAMES = {
    "mysql": ("mariadb", "mysqld", "mysql"),
    "mariadb": ("mariadb", "mysqld", "mysql"),
    "postgresql": ("postgresql", "postgresql-16", "postgresql-15", "postgresql-13"),
    "apache": ("apache2", "httpd"),
    "tomcat": ("tomcat10", "tomcat9", "tomcat"),
    "chrony": ("chrony", "chronyd"),
    "ntp": ("chrony", "chronyd", "ntp", "ntpd", "systemd-timesyncd"),
}


def _units(service: str) -> tuple[str, ...]:
    return UNIT_NAMES.get(service, (service,))


def _services_command(ctx: HostContext, std: Standard) -> str | None:
    if not std.services:
        return None
    lines, patterns, cases = [], [], []
    for service in std.services:
        units = _units(service)
        # Each value quoted on its own, so that it stays one word whatever it holds.
        lines.append(f"printf 'want|%s|%s\\n' {shlex.quote(service)} {shlex.quote(','.join(units))}")
        patterns += [f"{shlex.quote(u)}.service {shlex.quote(u)}'@*.service'" for u in units]
        cases += [f"{shlex.quote(u)}.service|{shlex.quote(u)}@*.service" for u in units]
    pats = " ".join(patterns)
    # Two systemctl calls for all services: loaded units with their state, installed unit
    # files; none where no unit file of these services exists.
    lines.append(unit_files_exist("|".join(cases)))
    lines.append(f"if [ -n \"$ecu\" ]; then systemctl list-units --all --type=service --plain --no-legend --full "
                 f"{pats} 2>/dev/null | awk '{{print \"unit|\" $1 \"|\" $3 \"|\" $4}}'")
    lines.append(f"systemctl list-unit-files --type=service --no-legend --plain {pats} 2>/dev/null | "
                 "awk '{print \"file|\" $1 \"|\" $2}'; fi")
    return "\n".join(lines)


_ENABLED = ("enabled", "enabled-runtime", "generated", "indirect")


def _unit_of(unit: str, names: tuple[str, ...]) -> bool:
    """Whether a unit is one of the names, or an instance of one (postgresql@15-main)."""
    base = unit.removesuffix(".service")
    return base in names or ("@" in base and base.partition("@")[0] in names)


@fact("network.services", command_for=_services_command)
def parse_services(out: ProbeOutput) -> dict[str, dict[str, Any]]:
    """The systemd units of standard_services: running (`systemctl list-units`) and enabled at boot
    (`systemctl list-unit-files`)."""
    wanted: dict[str, tuple[str, ...]] = {}
    units: dict[str, tuple[str, str]] = {}  # unit -> (active state, sub state)
    files: dict[str, str] = {}  # unit file -> enablement
    for line in out.stdout.splitlines():
        parts = line.split("|")
        if parts[0] == "want" and len(parts) == 3:
            wanted[parts[1]] = tuple(parts[2].split(","))
        elif parts[0] == "unit" and len(parts) == 4:
            units[parts[1]] = (parts[2], parts[3])
        elif parts[0] == "file" and len(parts) == 3 and "@." not in parts[1]:
            files[parts[1]] = parts[2]
    found: dict[str, dict[str, Any]] = {}
    for service, names in wanted.items():
        loaded = {u: st for u, st in units.items() if _unit_of(u, names)}
        # Debian's postgresql.service is a oneshot umbrella, "active (exited)" even with every
        # cluster (postgresql@15-main) down: an exited unit counts only when nothing else runs.
        running = [u for u, (act, sub) in loaded.items() if act == "active" and sub != "exited"]
        if not running and not any("@" in u for u in loaded):
            running = [u for u, (act, _) in loaded.items() if act == "active"]
        enabled = [u for u, state in files.items() if _unit_of(u, names) and state in _ENABLED]
        installed = sorted({*loaded, *(u for u in files if _unit_of(u, names))})
        found[service] = {"units": installed, "active": running, "enabled": enabled}
    return found


# ss asked for the LISTEN state alone: the kernel then reads just its table of listeners.
# `ss -l` asks for LISTEN and CLOSE, and /proc/net/tcp lists everything, so both walk the
# whole connection hash table (measured on a lab host: 6.8 ms against 2.6 ms, and growing
# with a busy server's connections). With one state asked, ss prints no State column.
@fact("network.ports", "ss -Htn state listening 2>/dev/null || netstat -ltn 2>/dev/null", may_block=False)
def parse_ports(out: ProbeOutput) -> list[dict[str, Any]]:
    """The listening TCP ports: `ss -Htn state listening` (`netstat -ltn` where there is no ss)."""
    listening = set()
    for line in out.stdout.splitlines():
        fields = line.split()
        # ss -H state listening: Recv-Q Send-Q Local Peer; ss -H -l: State Recv-Q Send-Q
        # Local Peer; netstat: Proto Recv-Q Send-Q Local Foreign State
        if "LISTEN" in fields and len(fields) >= 5:
            local = fields[3]
        elif len(fields) >= 4 and fields[0].isdigit() and fields[1].isdigit():
            local = fields[2]
        else:
            continue
        address, _, port = local.rpartition(":")
        if port.isdigit():
            listening.add((int(port), address))
    return [{"port": p, "address": a} for p, a in sorted(listening)]


@check(
    "network.services_active",
    title=("Expected services are running", "应运行的服务均在运行"),
    fix=("Start them with `systemctl start <unit>` and read `journalctl -u <unit>` for why they stopped.",
         "用 `systemctl start <服务>` 启动,并用 `journalctl -u <服务>` 查看停止原因。"),
    severity=Severity.CRITICAL,
    facts=["network.services"],
)
def services_active(f: Mapping[str, Any], std: Standard) -> Outcome:
    return _services(f["network.services"], "active", "running", "未运行")


@check(
    "network.services_enabled",
    title=("Expected services start at boot", "应运行的服务已设为开机启动"),
    fix=("Enable them: `systemctl enable <unit>`; otherwise the next reboot takes the system down.",
         "执行 `systemctl enable <服务>`;否则下次重启后系统将无法提供服务。"),
    severity=Severity.MAJOR,
    facts=["network.services"],
)
def services_enabled(f: Mapping[str, Any], std: Standard) -> Outcome:
    return _services(f["network.services"], "enabled", "enabled at boot", "未设为开机启动")


def _services(found: Mapping[str, Any], key: str, en: str, zh_bad: str) -> Outcome:
    state = {s: ", ".join(v[key]) if v[key] else (f"not {en}: " + ", ".join(v["units"]) if v["units"]
                                                  else "not installed")
             for s, v in found.items()}
    wrong = [s for s, v in found.items() if not v[key]]
    if not wrong:
        return ok(state, sorted(found), f"all expected services {en}", "所有应运行的服务状态正常")
    return bad(state, sorted(found), f"not {en}: " + ", ".join(f"{s} ({state[s]})" for s in wrong),
               f"{zh_bad}:{', '.join(wrong)}")


@check(
    "network.ports_listening",
    title=("Expected ports are listening", "应监听的端口均在监听"),
    fix=("Start the service that owns the port, or check its listen address and port settings.",
         "启动占用该端口的服务,或检查其监听地址和端口配置。"),
    severity=Severity.CRITICAL,
    facts=["network.ports"],
)
def ports_listening(f: Mapping[str, Any], std: Standard) -> Outcome:
    if not std.ports:
        return Outcome(Status.SKIP, None, None, absent("the standard expects no ports here",
                                                       "标准未要求此主机监听端口").reason)
    addresses: dict[int, list[str]] = {}
    for entry in f["network.ports"]:
        addresses.setdefault(entry["port"], []).append(entry["address"])
    found = {str(p): addresses.get(p, ["not listening"]) for p in std.ports}
    missing = [p for p in std.ports if p not in addresses]
    if missing:
        return bad(found, list(std.ports), f"ports not listening: {missing}", f"未监听的端口:{missing}")
    local = [p for p in std.ports if all(is_loopback(a) for a in addresses[p])]
    if local:
        return bad(found, list(std.ports), f"ports listening on loopback only (other hosts cannot connect): {local}",
                   f"端口仅监听回环地址(其他主机无法连接):{local}", Status.WARN)
    return ok(found, list(std.ports), "expected ports are listening", "应监听的端口均在监听")
