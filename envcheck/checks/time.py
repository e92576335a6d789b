"""Time: the zone of the OS (however it was set) and NTP synchronisation."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

from envcheck.checks.registry import HostContext, Remediation, absent, check, fact
from envcheck.checks.util.common import bad, existing_dirs, key_values, ok, sections
from envcheck.model import Outcome, ProbeOutput, Severity, Status
from envcheck.standard import Standard

BASELINE_TIME = Remediation("server", ("timezone",))
BASELINE_NTP = Remediation("server", ("ntp",))
# No timedatectl: it asks systemd-timedated over D-Bus, started on demand, which was seen
# taking seconds to come up (3 calls stalled a host 6 s), and it only re-reads /etc/localtime
# and the NTP daemons' state, which the probes read directly.


_TZ_ENV_FILES = ("/etc/environment", "/etc/profile", "/etc/profile.d/*.sh", "/etc/default/locale")
_TZ_UNIT_DIRS = ("/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system", "/run/systemd/system")
_TZ_VALUE = re.compile(r"\bTZ=[\"']?([^\"'\s]*)")
_TZ_ASSIGNED = re.compile(r"\s*(export\s+)?TZ=")  # a shell assignment (environment files)
_TZ_IN_UNIT = re.compile(r"\s*Environment=.*\bTZ=")  # a unit's Environment= line


def _zone_command(ctx: HostContext, std: Standard) -> str:
    # The expected zone is compared byte for byte, to name a copied /etc/localtime.
    expected = shlex.quote("/usr/share/zoneinfo/" + std.timezone)
    return (
        # The resolved path is read only where the link does not name a zoneinfo file
        # itself (the parser takes the zone from the link first).
        'if [ -L /etc/localtime ]; then echo kind=symlink; l=$(readlink /etc/localtime 2>/dev/null); '
        'echo "link=$l"; case "$l" in *zoneinfo/*) ;; *) echo "resolved=$(readlink -f /etc/localtime 2>/dev/null)";; '
        'esac; else echo kind=file; echo link=; echo resolved=/etc/localtime; fi\n'
        'z=; { IFS= read -r z </etc/timezone; } 2>/dev/null; echo "etc_timezone=$z"\n'
        # The offset and abbreviation of the bootstrap's clock line (one date fewer).
        'case "$ECNOW" in *" "*) d=${ECNOW#* };; *) d=$(date "+%z %Z");; esac\n'
        'echo "utc_offset=${d%% *}"; echo "abbrev=${d#* }"\n'
        # Where /etc/localtime is the expected file itself (-ef), there is nothing to compare;
        # a symlink's zone is named by its link (aliases such as PRC are links or hard links
        # of one file: -ef), so only a copied file is compared byte for byte.
        f"s=no; if [ /etc/localtime -ef {expected} ]; then s=yes; elif [ ! -L /etc/localtime ] && "
        f"[ -e /etc/localtime ] && cmp -s /etc/localtime {expected}; then s=yes; fi; echo \"same_as_expected=$s\"\n"
    )


@fact("time.zone", command_for=_zone_command, may_block=False)
def parse_zone(out: ProbeOutput) -> dict[str, Any]:
    """The OS zone: /etc/localtime (the zone its link names, or a copied file compared byte for byte with the
    standard zone's), /etc/timezone, and the UTC offset and abbreviation of the session's clock line."""
    kv = key_values(out.stdout)
    zone = _zone_from_path(kv.get("link", "")) or _zone_from_path(kv.get("resolved", ""))
    return {
        "kind": kv.get("kind", ""),
        "zone": zone or kv.get("etc_timezone") or None,
        "etc_timezone": kv.get("etc_timezone") or None,
        "utc_offset": kv.get("utc_offset", ""),
        "abbrev": kv.get("abbrev", ""),
        "same_as_expected": kv.get("same_as_expected") == "yes",
    }


def _zone_from_path(path: str) -> str | None:
    match = re.search(r"zoneinfo/(?:posix/|right/)?(.+)$", path)
    return match.group(1) if match else None


# One grep (-o: the match, not the line) over the environment files, the unit folders and
# every process's environment: a shell assignment at a line's start, a unit's Environment=
# line up to its TZ value, or TZ= after a NUL (environ) or punctuation. A comment's `# TZ=`
# or `"TZ=$TZ"` matches as text that the parser does not take for an assignment.
_TZ_GREP = ("^[[:space:]]*(export[[:space:]]+)?TZ=[^[:space:][:cntrl:]]*"
            "|^[[:space:]]*Environment=.*TZ=[^[:space:][:cntrl:]\"']*"
            "|(^|[^A-Za-z0-9_[:space:]#])TZ=[[:alnum:]/_+:.-]*")


@fact(
    "time.tz_env",
    # Each unit folder once: with a merged /usr, /lib/systemd/system is /usr/lib/systemd/system.
    existing_dirs("d", _TZ_UNIT_DIRS) + "\n"
    "ectz=$(grep -rsaoHE " + shlex.quote(_TZ_GREP) + " " + " ".join(_TZ_ENV_FILES)
    + " $d /proc/[0-9]*/environ 2>/dev/null)\n"
    # Our own sessions are not services: their shells may carry the login TZ, and a probe run
    # in a forked subshell shows its shell's environment. Skipped: every process in the
    # session of the probe or of an ancestor (the login, sudo), walked from /proc/self with
    # shell builtins only, and only once a process with a TZ is found (the sh reads each stat
    # file a byte at a time). The matches are read back from a here-document, not a pipe.
    "echo '== files =='; ecp=; [ -z \"$ectz\" ] || { sids=; while IFS= read -r l; do "
    "case \"$l\" in /proc/[0-9]*/environ:*) ;; *) printf '%s\\n' \"$l\"; continue;; esac\n"
    "[ -n \"$ecp\" ] || { ecp=1; echo '== processes =='; }\n"
    "[ -n \"$sids\" ] || { read -r st < /proc/self/stat; a=${st%% *}; sids=' '; "
    "while [ \"${a:-1}\" -gt 1 ] 2>/dev/null; do read -r st 2>/dev/null </proc/$a/stat || break; st=${st##*) }; "
    "set -- $st; sids=\"$sids$4 \"; a=$2; done; }\n"
    "p=${l#/proc/}; p=${p%%/*}; "
    "read -r st 2>/dev/null </proc/$p/stat || continue; st=${st##*) }; set -- $st; "
    "case \"$sids\" in *\" $4 \"*) continue;; esac; read -r c 2>/dev/null </proc/$p/comm; "
    "echo \"$c TZ=${l#*TZ=}\"; done <<ECEOF\n$ectz\nECEOF\n}; [ -n \"$ecp\" ] || echo '== processes =='; true",
    sudo=True,
)
def parse_tz_env(out: ProbeOutput) -> dict[str, list[str]]:
    """TZ set in /etc/environment, /etc/profile, /etc/profile.d/*.sh, /etc/default/locale, systemd unit files
    and the environments of running processes (/proc/PID/environ), found with one grep."""
    parts = sections(out.stdout)
    found: dict[str, set[str]] = {"environment": set(), "units": set(), "processes": set()}
    for line in parts.get("files", "").splitlines():
        where, _, text = line.partition(":")
        area = "units" if where.startswith(_TZ_UNIT_DIRS) else "environment"
        m = _TZ_VALUE.search(text)
        if m and (_TZ_IN_UNIT if area == "units" else _TZ_ASSIGNED).match(text):
            found[area].add(f"{where}: TZ={m.group(1)}")
    for line in parts.get("processes", "").splitlines():
        m = _TZ_VALUE.search(line)
        if m:
            found["processes"].add(f"{line.split(' ', 1)[0]}: TZ={m.group(1)}")
    return {area: sorted(entries) for area, entries in found.items()}


@fact(
    "time.sync",
    "echo \"container=$ECCONT\"\n"
    "if command -v chronyc >/dev/null 2>&1; then echo daemon=chrony; "
    "chronyc -n tracking 2>&1 | sed 's/^/tracking./'; "
    "chronyc -n sources 2>/dev/null | awk '/^[\\^=#]/ {print \"source=\" $2}'; "
    "elif command -v ntpq >/dev/null 2>&1; then echo daemon=ntpd; "
    "ntpq -pn 2>/dev/null | awk 'NR>2 {print \"source=\" $1}'; "
    "elif { [ -e /lib/systemd/systemd-timesyncd ] || [ -e /usr/lib/systemd/systemd-timesyncd ]; } && "
    "systemctl is-active -q systemd-timesyncd 2>/dev/null; then echo daemon=timesyncd; "
    "if [ -e /run/systemd/timesync/synchronized ]; then echo synchronized=yes; else echo synchronized=no; fi; "
    "else echo daemon=none; fi\n",
)
def parse_sync(out: ProbeOutput) -> dict[str, Any]:
    """The NTP daemon and its state: `chronyc -n tracking` and `sources`, else `ntpq -pn`, else
    systemd-timesyncd's synchronised flag; and whether the host is a container."""
    daemon = "none"
    container: str | None = None
    synchronized: bool | None = None
    sources: list[str] = []
    tracking: dict[str, str] = {}
    for line in out.stdout.splitlines():
        key, _, value = line.partition("=")
        if key == "daemon":
            daemon = value
        elif key == "container":
            container = value if value and value != "none" else None
        elif key == "synchronized" and value:
            synchronized = value == "yes"
        elif key == "source":
            sources.append(value.lstrip("*+-#?x~"))
        elif line.startswith("tracking."):
            k, _, v = line[len("tracking."):].partition(":")
            tracking[k.strip()] = v.strip()
    offset_ms = None
    match = re.match(r"([\d.]+) seconds (fast|slow)", tracking.get("System time", ""))
    if match:
        offset_ms = round(float(match.group(1)) * 1000 * (1 if match.group(2) == "fast" else -1), 6)
    leap = tracking.get("Leap status")
    running = not (daemon == "chrony" and "Cannot talk to daemon" in out.stdout)
    if daemon == "chrony" and leap:
        synchronized = leap == "Normal"
    if not running:
        synchronized = False
    return {"daemon": daemon, "running": running, "synchronized": synchronized,
            "offset_ms": offset_ms, "sources": sources, "container": container}


def _in_container(sync: Mapping[str, Any]) -> Outcome | None:
    """A container's clock is its host's: NTP is checked there (the fleet skew check still
    measures this one)."""
    if sync.get("container"):
        return Outcome(Status.SKIP, f"{sync['container']} container", None, absent(
            f"runs in a {sync['container']} container: its clock is the host's, check NTP there",
            f"运行在 {sync['container']} 容器中:时钟由宿主机维护,请在宿主机上检查 NTP").reason)
    return None


@check(
    "time.timezone",
    title=("OS timezone is the standard zone", "操作系统时区符合标准"),
    fix=("Set it with `timedatectl set-timezone <zone>` (or run `envcheck deploy server --tags "
         "timezone`), then restart the services so they pick it up.",
         "执行 `timedatectl set-timezone <时区>`(或 `envcheck deploy server --tags timezone`),"
         "然后重启各服务使其生效。"),
    severity=Severity.CRITICAL,
    facts=["time.zone"],
    remediation=BASELINE_TIME,
)
def timezone(f: Mapping[str, Any], std: Standard) -> Outcome:
    z = f["time.zone"]
    if z["zone"] == std.timezone:
        if z["kind"] == "file" and not z["same_as_expected"]:
            return bad(z["zone"], std.timezone,
                       "/etc/localtime is a copied file that differs from the standard zone",
                       "/etc/localtime 是复制的文件,且与标准时区文件不同")
        return ok(z["zone"], std.timezone, f"timezone is {std.timezone}", f"时区为 {std.timezone}")
    if z["kind"] == "file" and z["same_as_expected"]:
        return ok(std.timezone, std.timezone,
                  f"/etc/localtime is a copy of {std.timezone}",
                  f"/etc/localtime 是 {std.timezone} 的副本")
    found = z["zone"] or f"unknown ({z['abbrev']} {z['utc_offset']})"
    return bad(found, std.timezone, f"timezone is {found}, expected {std.timezone}",
               f"时区为 {found},应为 {std.timezone}")


@check(
    "time.timezone_consistent",
    title=("Timezone settings agree with each other", "各处时区设置一致"),
    fix=("Use `timedatectl set-timezone`, which updates /etc/localtime and /etc/timezone together.",
         "使用 `timedatectl set-timezone` 同时更新 /etc/localtime 和 /etc/timezone。"),
    severity=Severity.MAJOR,
    facts=["time.zone"],
    remediation=BASELINE_TIME,
)
def timezone_consistent(f: Mapping[str, Any], std: Standard) -> Outcome:
    z = f["time.zone"]
    if z["kind"] == "file":
        zone = std.timezone if z["same_as_expected"] else None
    else:
        zone = z["zone"]
    claims = {"/etc/localtime": zone, "/etc/timezone": z["etc_timezone"]}
    named = {k: v for k, v in claims.items() if v}
    if len(set(named.values())) <= 1:
        return ok(named, None, "timezone settings agree", "时区设置一致")
    return bad(named, None, f"timezone settings disagree: {named}", f"时区设置互相矛盾:{named}")


@check(
    "time.tz_environment",
    title=("No TZ override in the environment or service units", "环境变量和服务单元中无冲突的 TZ"),
    fix=("Remove TZ= from /etc/environment, profiles and systemd units, or set it to the "
         "standard zone; restart the affected services.",
         "从 /etc/environment、profile 和 systemd 单元中删除 TZ=,或改为标准时区,并重启相关服务。"),
    severity=Severity.MAJOR,
    facts=["time.tz_env"],
)
def tz_environment(f: Mapping[str, Any], std: Standard) -> Outcome:
    found = [e for entries in f["time.tz_env"].values() for e in entries]
    wrong = [e for e in found if not e.endswith("TZ=" + std.timezone) and not e.endswith("TZ=:" + std.timezone)]
    if not wrong:
        return ok(found, f"TZ unset or {std.timezone}", "no conflicting TZ", "无冲突的 TZ 设置")
    return bad(wrong, f"TZ unset or {std.timezone}", f"TZ overrides the zone: {'; '.join(wrong)}",
               f"TZ 覆盖了系统时区:{'; '.join(wrong)}")


@check(
    "time.ntp_synchronized",
    title=("Clock synchronised by NTP", "时钟已通过 NTP 同步"),
    fix=("Install and enable chrony with reachable NTP servers (`envcheck deploy server --tags ntp`); "
         "check `chronyc sources`.",
         "安装并启用 chrony 且配置可达的 NTP 服务器(`envcheck deploy server --tags ntp`);"
         "用 `chronyc sources` 检查。"),
    severity=Severity.MAJOR,
    facts=["time.sync"],
    remediation=BASELINE_NTP,
)
def ntp_synchronized(f: Mapping[str, Any], std: Standard) -> Outcome:
    s = f["time.sync"]
    if (skip := _in_container(s)) is not None:
        return skip
    if s["daemon"] == "none":
        return bad("no NTP daemon", "synchronised", "no NTP client runs (chrony, ntpd, timesyncd)",
                   "没有运行任何 NTP 客户端(chrony、ntpd、timesyncd)")
    if s["synchronized"]:
        return ok(s["daemon"], "synchronised", f"{s['daemon']} is synchronised", f"{s['daemon']} 已同步")
    if not s.get("running", True):
        return bad(f"{s['daemon']}, not running", "synchronised",
                   f"{s['daemon']} is installed but its daemon does not run",
                   f"已安装 {s['daemon']},但其守护进程未运行")
    return bad(f"{s['daemon']}, not synchronised", "synchronised",
               f"{s['daemon']} runs but the clock is not synchronised",
               f"{s['daemon']} 在运行,但时钟未同步")


@check(
    "time.ntp_offset",
    title=("NTP offset within the limit", "NTP 时间偏差在允许范围内"),
    fix=("Check the NTP sources (`chronyc sources -v`); a large offset is stepped by "
         "`chronyc makestep`.", "检查 NTP 源(`chronyc sources -v`);偏差过大可执行 `chronyc makestep`。"),
    severity=Severity.MAJOR,
    facts=["time.sync"],
    remediation=BASELINE_NTP,
)
def ntp_offset(f: Mapping[str, Any], std: Standard) -> Outcome:
    if (skip := _in_container(f["time.sync"])) is not None:
        return skip
    offset = f["time.sync"]["offset_ms"]
    limit = std.max_clock_offset_ms
    if offset is None:
        return Outcome(Status.SKIP, None, limit, absent(
            "no NTP offset reported (chrony not in use)", "未获得 NTP 偏差(未使用 chrony)").reason)
    if abs(offset) <= limit:
        return ok(round(offset, 3), f"<= {limit} ms", f"offset {offset:.1f} ms", f"偏差 {offset:.1f} 毫秒")
    return bad(round(offset, 3), f"<= {limit} ms", f"offset {offset:.1f} ms exceeds {limit} ms",
               f"偏差 {offset:.1f} 毫秒,超过 {limit} 毫秒")


@check(
    "time.ntp_servers",
    title=("NTP uses the standard servers", "NTP 使用标准服务器"),
    fix=("List the standard servers in chrony.conf (`envcheck deploy server --tags ntp`).",
         "在 chrony.conf 中配置标准 NTP 服务器(`envcheck deploy server --tags ntp`)。"),
    severity=Severity.MINOR,
    facts=["time.sync"],
    remediation=BASELINE_NTP,
)
def ntp_servers(f: Mapping[str, Any], std: Standard) -> Outcome:
    if not std.ntp_servers:
        return Outcome(Status.SKIP, f["time.sync"]["sources"], None, absent(
            "the standard names no NTP servers", "标准中未指定 NTP 服务器").reason)
    sources = f["time.sync"]["sources"]
    missing = [s for s in std.ntp_servers if s not in sources]
    if not missing:
        return ok(sources, list(std.ntp_servers), "NTP servers as standard", "NTP 服务器符合标准")
    return bad(sources, list(std.ntp_servers), f"NTP servers missing: {', '.join(missing)}",
               f"缺少 NTP 服务器:{', '.join(missing)}")
