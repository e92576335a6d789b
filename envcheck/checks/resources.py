"""Resources and kernel: disk and inodes, memory, swap, open-file limits, sysctls, THP."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

from envcheck.checks.registry import HostContext, Remediation, absent, check, fact
from envcheck.checks.util.common import bad, key_values, ok, sections, unit_files_exist
from envcheck.checks.util.pamlimits import limit_value, lower, pam_limits
from envcheck.model import Outcome, ProbeOutput, Severity, Status
from envcheck.standard import Standard

BASELINE_SYSCTL = Remediation("server", ("sysctl",))
BASELINE_LIMITS = Remediation("server", ("limits",))
SERVICE_PROCESSES = ("java", "mysqld", "mariadbd", "postgres", "nginx", "apache2", "httpd")


def _disk_command(ctx: HostContext, std: Standard) -> str | None:
    paths = " ".join(shlex.quote(p) for p in std.disk_paths)
    row = "printf '%s|%s|%s|%s|%s\\n' \"$k\" \"$p\" \"$t\" \"$f\" \"$m\""
    # One df for all the paths, space and inodes together (GNU df --output, a line per path,
    # in order); where that fails, one df -P and one df -Pi, and where those fail, a df per
    # path. printf, not echo: dash's echo would turn a backslash in a path into an escape.
    return (f"set --; for p in {paths}; do if [ -e \"$p\" ]; then set -- \"$@\" \"$p\"; "
            "else printf 'missing|%s\\n' \"$p\"; fi; done\n"
            "[ $# -gt 0 ] && if d=$(df -k --output=size,avail,itotal,iavail,target \"$@\" 2>/dev/null); then\n"
            f"{{ read -r _; for p; do read -r st sf it iv m; k=space; t=$st; f=$sf; {row}; "
            f"k=inodes; t=$it; f=$iv; {row}; done; }} <<ECEOF\n$d\nECEOF\n"
            "else for k in space inodes; do o=-P; [ $k = inodes ] && o=-Pi\n"
            "if d=$(df $o \"$@\" 2>/dev/null); then\n"
            f"{{ read -r _; for p; do read -r _ t _ f _ m; {row}; done; }} <<ECEOF\n$d\nECEOF\n"
            f"else for p; do df $o \"$p\" 2>/dev/null | {{ read -r _; read -r _ t _ f _ m; {row}; }}; done; fi\n"
            "done; fi; true")


@fact("resources.disk", command_for=_disk_command)
def parse_disk(out: ProbeOutput) -> dict[str, dict[str, Any]]:
    """Free space and free inodes of each path of standard_disk_paths: `df`."""
    result: dict[str, dict[str, Any]] = {}
    for line in out.stdout.splitlines():
        parts = line.split("|")
        if parts[0] == "missing" and len(parts) == 2:
            result[parts[1]] = {"missing": True}
        elif len(parts) == 5 and parts[2].isdigit():
            total, free, mount = int(parts[2]), int(parts[3]), parts[4]
            entry = result.setdefault(parts[1], {"missing": False, "mount": mount})
            # Filesystems without inode accounting report 0 inodes: nothing to measure.
            entry[f"{parts[0]}_free_percent"] = round(100 * free / total, 1) if total else None
    return result


@fact("resources.memory",
      # Read by the shell up to the last of the four lines (the first ~16 of the file): a
      # quarter of the CPU of a grep exec. /proc/meminfo, unlike a sysctl file, reads right
      # a byte at a time.
      "n=0; while IFS= read -r l; do case $l in MemTotal:*|MemAvailable:*|SwapTotal:*|SwapFree:*) "
      "echo \"$l\"; n=$((n + 1)); [ $n = 4 ] && break;; esac; done </proc/meminfo",
      may_block=False)
def parse_memory(out: ProbeOutput) -> dict[str, int]:
    """MemTotal, MemAvailable, SwapTotal and SwapFree from /proc/meminfo."""
    kv = key_values(out.stdout, ":")
    return {k: int(v.split()[0]) // 1024 for k, v in kv.items()}  # MiB


@fact(
    "resources.kernel",
    # One grep for both files, not `read`: sh reads a byte at a time, and a sysctl file
    # read past offset 0 answers end-of-file (swappiness 60 reads as "6"). grep's
    # `file:value` is the form of every line here (no pipe, no loop).
    "grep -Hs '' /proc/sys/vm/swappiness /proc/sys/net/core/somaxconn; "
    "v=; { IFS= read -r v </sys/kernel/mm/transparent_hugepage/enabled; } 2>/dev/null; echo \"thp:$v\"; "
    "echo \"container:$ECCONT\"",
    may_block=False,
)
def parse_kernel(out: ProbeOutput) -> dict[str, Any]:
    """vm.swappiness and net.core.somaxconn from /proc/sys, transparent hugepages from /sys/kernel/mm, and
    whether the host is a container."""
    kv = {k.removeprefix("/proc/sys/"): v for k, v in key_values(out.stdout, ":").items()}
    thp = re.search(r"\[(\w+)\]", kv.get("thp", ""))
    return {
        "vm.swappiness": int(kv["vm/swappiness"]) if kv.get("vm/swappiness", "").isdigit() else None,
        "net.core.somaxconn": int(kv["net/core/somaxconn"]) if kv.get("net/core/somaxconn", "").isdigit() else None,
        "transparent_hugepage": thp.group(1) if thp else None,
        "container": kv.get("container") if kv.get("container") not in (None, "", "none") else None,
    }


def _host_kernel(kernel: Mapping[str, Any]) -> Outcome | None:
    """In a container vm.* and THP are the host kernel's settings, set and checked there
    (net.core.somaxconn is not: each network namespace has its own)."""
    if kernel.get("container"):
        return Outcome(Status.SKIP, f"{kernel['container']} container", None, absent(
            f"runs in a {kernel['container']} container: kernel settings are the host's",
            f"运行在 {kernel['container']} 容器中:内核参数由宿主机设置").reason)
    return None


# Units of the services we know, by name pattern (any OS family); oneshot units (Debian's
# postgresql.service umbrella) run nothing and are left out.
UNIT_PATTERNS = ("mariadb*", "mysql*", "postgresql*", "tomcat*", "nginx*", "apache2*", "httpd*")


def _limits_command(ctx: HostContext, std: Standard) -> str | None:
    user = shlex.quote(std.service_user)
    names = " ".join(SERVICE_PROCESSES)
    patterns = " ".join(shlex.quote(p + ".service") for p in UNIT_PATTERNS)
    return (
        # One `id` for the uid and the group names: uid=N(name) gid=N(name) groups=N(name),...
        f"u={user}; if o=$(id \"$u\" 2>/dev/null); then i=${{o#uid=}}; i=${{i%%(*}}; g=; set -f; IFS=,; "
        "for x in ${o##*groups=}; do x=${x#*\\(}; g=\"$g${g:+,}${x%\\)}\"; done; unset IFS; set +f; "
        "echo \"user|$u|$i|$g\"; else echo \"user|$u|absent\"; fi\n"
        "echo '== limits =='; grep -sHE '^[[:space:]]*[^#[:space:]]+[[:space:]]+(soft|hard|-)[[:space:]]+"
        "(nofile|nproc)[[:space:]]' /etc/security/limits.conf /etc/security/limits.d/*.conf\n"
        "echo '== units =='; " + unit_files_exist("|".join(p + ".service" for p in UNIT_PATTERNS), fixed=True) + "\n"
        "[ -n \"$ecu\" ] && units=$( { systemctl list-units --all --type=service --plain --no-legend --full "
        f"{patterns}; systemctl list-unit-files --type=service --no-legend --plain {patterns}; }} 2>/dev/null "
        "| awk '$1 !~ /@\\.service$/ {print $1}' | sort -u)\n"
        "[ -n \"$units\" ] && systemctl show -p Id -p Type -p ActiveState -p LimitNOFILESoft -p LimitNPROCSoft "
        "$units 2>/dev/null\n"
        "echo '== processes =='; for p in /proc/[0-9]*; do read -r c < $p/comm 2>/dev/null || continue; "
        f"case \" {names} \" in *\" $c \"*) ;; *) continue;; esac; "
        "awk -v c=\"$c\" '/^Max open files/ {n=$4} /^Max processes/ {u=$3} END {print c \"|\" n \"|\" u}' "
        "$p/limits 2>/dev/null; done; true"
    )


@fact("resources.limits", command_for=_limits_command, sudo=True)
def parse_limits(out: ProbeOutput) -> dict[str, Any]:
    """nofile and nproc: the service user's in /etc/security/limits.conf and limits.d, the units' of the
    databases, Tomcat and web servers (`systemctl show`), and those of their running processes
    (/proc/PID/limits)."""
    parts = sections(out.stdout)
    head = parts.get("", "").strip().split("|")
    user: dict[str, Any] | None = None
    if len(head) == 4 and head[0] == "user":
        name, uid, groups = head[1], head[2], head[3].split(",")
        user = {"name": name, **pam_limits(parts.get("limits", ""), name, int(uid), groups)}
    units: dict[str, dict[str, Any]] = {}
    for block in parts.get("units", "").split("\n\n"):
        kv = key_values(block)
        if kv.get("Id") and kv.get("Type") != "oneshot":
            units[kv["Id"]] = {"active": kv.get("ActiveState") == "active",
                               "nofile": limit_value(kv.get("LimitNOFILESoft", "")),
                               "nproc": limit_value(kv.get("LimitNPROCSoft", ""))}
    services: dict[str, dict[str, Any]] = {}
    for line in parts.get("processes", "").splitlines():
        fields = line.split("|")
        if len(fields) != 3:
            continue
        name = "mysqld" if fields[0] == "mariadbd" else fields[0]
        entry = services.setdefault(name, {})
        for item, text in (("nofile", fields[1]), ("nproc", fields[2])):
            value = limit_value(text)
            if value is not None and (item not in entry or lower(value, entry[item])):
                entry[item] = value  # the lowest of the service's processes
    return {"user": user, "units": units, "services": services}


@check(
    "resources.disk_free",
    title=("Enough free disk space on key paths", "关键目录磁盘剩余空间充足"),
    fix=("Free space (old logs, backups, core files) or grow the filesystem before go-live; "
         "`du -xh --max-depth=2 <path> | sort -h | tail` finds what takes it.",
         "上线前清理空间(旧日志、备份、core 文件)或扩容;"
         "`du -xh --max-depth=2 <目录> | sort -h | tail` 可找出占用大户。"),
    severity=Severity.CRITICAL,
    facts=["resources.disk"],
)
def disk_free(f: Mapping[str, Any], std: Standard) -> Outcome:
    return _free(f["resources.disk"], "space_free_percent", std.min_free_disk_percent, "disk space", "磁盘空间")


@check(
    "resources.inodes_free",
    title=("Enough free inodes on key paths", "关键目录 inode 剩余充足"),
    fix=("Delete masses of small files (session files, spool, cache) under the path.",
         "删除该目录下大量小文件(会话文件、队列、缓存)。"),
    severity=Severity.MAJOR,
    facts=["resources.disk"],
)
def inodes_free(f: Mapping[str, Any], std: Standard) -> Outcome:
    return _free(f["resources.disk"], "inodes_free_percent", std.min_free_inodes_percent, "inodes", "inode")


def _free(disk: Mapping[str, Any], key: str, minimum: float, en: str, zh: str) -> Outcome:
    found = {p: d.get(key) for p, d in disk.items() if not d.get("missing") and d.get(key) is not None}
    shown: dict[str, str] = {p: f"{v}% free ({disk[p]['mount']})" for p, v in found.items()}
    shown.update({p: "not present" for p, d in disk.items() if d.get("missing")})
    if not found:
        return Outcome(Status.SKIP, shown or None, minimum,
                       absent("no path to measure", "没有可测量的目录").reason)
    low = {p: v for p, v in found.items() if v < minimum}
    if not low:
        return ok(shown, f">= {minimum}% free", f"{en} free on every path", f"各目录{zh}充足")
    listing = ", ".join(f"{p} {v}%" for p, v in low.items())
    return bad(shown, f">= {minimum}% free", f"low free {en}: {listing}", f"{zh}不足:{listing}")


@check(
    "resources.memory",
    title=("Enough memory", "内存充足"),
    fix=("Add memory or lower the JVM heap and database buffers to fit.",
         "增加内存,或调低 JVM 堆和数据库缓冲区以适配。"),
    severity=Severity.MAJOR,
    facts=["resources.memory"],
)
def memory(f: Mapping[str, Any], std: Standard) -> Outcome:
    total = f["resources.memory"].get("MemTotal", 0)
    if total >= std.min_memory_mb:
        return ok(f"{total} MiB", f">= {std.min_memory_mb} MiB", f"{total} MiB of memory", f"内存 {total} MiB")
    return bad(f"{total} MiB", f">= {std.min_memory_mb} MiB", f"only {total} MiB of memory",
               f"内存仅 {total} MiB", Status.WARN)


@check(
    "resources.swap",
    title=("Swap is configured (reported)", "已配置交换空间(仅报告)"),
    fix=("Without swap the kernel kills a process (often the database) when memory runs out; "
         "add a swap file sized to the site's policy.",
         "没有交换空间时内存耗尽内核会直接杀进程(常是数据库);按现场规范添加交换文件。"),
    severity=Severity.INFO,
    facts=["resources.memory"],
)
def swap(f: Mapping[str, Any], std: Standard) -> Outcome:
    total = f["resources.memory"].get("SwapTotal", 0)
    if total:
        return ok(f"{total} MiB", None, f"{total} MiB of swap", f"交换空间 {total} MiB")
    return bad("none", None, "no swap configured", "未配置交换空间", Status.WARN)


@check(
    "resources.swappiness",
    title=("vm.swappiness as standard", "vm.swappiness 符合标准"),
    fix=("Set it in /etc/sysctl.d/ and `sysctl --system` (`envcheck deploy server --tags sysctl`).",
         "在 /etc/sysctl.d/ 中设置并执行 `sysctl --system`(`envcheck deploy server --tags sysctl`)。"),
    severity=Severity.MINOR,
    facts=["resources.kernel"],
    remediation=BASELINE_SYSCTL,
)
def swappiness(f: Mapping[str, Any], std: Standard) -> Outcome:
    if (skip := _host_kernel(f["resources.kernel"])) is not None:
        return skip
    value = f["resources.kernel"]["vm.swappiness"]
    if value == std.vm_swappiness:
        return ok(value, std.vm_swappiness, f"vm.swappiness = {value}", f"vm.swappiness = {value}")
    return bad(value, std.vm_swappiness, f"vm.swappiness is {value}, expected {std.vm_swappiness}",
               f"vm.swappiness 为 {value},应为 {std.vm_swappiness}")


@check(
    "resources.somaxconn",
    title=("net.core.somaxconn large enough", "net.core.somaxconn 足够大"),
    fix=("Raise it in /etc/sysctl.d/ and `sysctl --system` (`envcheck deploy server --tags sysctl`); in a "
         "container it belongs to the container's network namespace (`docker run --sysctl "
         "net.core.somaxconn=<n>`). A small accept queue drops connections under load.",
         "在 /etc/sysctl.d/ 中调大并执行 `sysctl --system`(`envcheck deploy server --tags sysctl`);"
         "容器中该值属于容器自己的网络命名空间(`docker run --sysctl net.core.somaxconn=<n>`)。"
         "队列过小高峰时会丢连接。"),
    severity=Severity.MINOR,
    facts=["resources.kernel"],
    remediation=BASELINE_SYSCTL,
)
def somaxconn(f: Mapping[str, Any], std: Standard) -> Outcome:
    value = f["resources.kernel"]["net.core.somaxconn"]
    if value is not None and value >= std.net_core_somaxconn:
        return ok(value, f">= {std.net_core_somaxconn}", f"somaxconn = {value}", f"somaxconn = {value}")
    return bad(value, f">= {std.net_core_somaxconn}", f"somaxconn is {value}", f"somaxconn 为 {value}")


@check(
    "resources.transparent_hugepage",
    title=("Transparent hugepages as standard", "透明大页设置符合标准"),
    fix=("Databases stall with THP on: set it to never at boot (`envcheck deploy server --tags sysctl`).",
         "开启透明大页会导致数据库卡顿:开机时设为 never(`envcheck deploy server --tags sysctl`)。"),
    severity=Severity.MINOR,
    facts=["resources.kernel"],
    remediation=BASELINE_SYSCTL,
)
def transparent_hugepage(f: Mapping[str, Any], std: Standard) -> Outcome:
    if (skip := _host_kernel(f["resources.kernel"])) is not None:
        return skip
    value = f["resources.kernel"]["transparent_hugepage"]
    if value is None:
        return Outcome(Status.SKIP, None, std.transparent_hugepage,
                       absent("the kernel has no transparent hugepages", "内核不支持透明大页").reason)
    if value == std.transparent_hugepage:
        return ok(value, std.transparent_hugepage, f"THP {value}", f"透明大页 {value}")
    return bad(value, std.transparent_hugepage, f"THP is {value}", f"透明大页为 {value}")


def _limit_check(lim: Mapping[str, Any], item: str, minimum: int, service_user: str) -> Outcome:
    found: dict[str, Any] = {name: v[item] for name, v in lim["services"].items() if item in v}
    # A stopped service gets its unit's limit when it starts.
    found.update({f"{unit} (stopped)": v[item] for unit, v in lim["units"].items()
                  if not v["active"] and v[item] is not None})
    user = lim["user"]
    if user is not None:
        pam = user[item]
        found[f"user {user['name']}"] = pam["value"] if pam else "not set in limits.conf (default)"
    if not found:
        return Outcome(Status.SKIP, None, minimum, absent(
            f"no service user {service_user} and no service here",
            f"没有服务用户 {service_user},也没有相关服务").reason)
    low = {k: v for k, v in found.items() if (isinstance(v, str) and v != "unlimited") or
           (isinstance(v, int) and v < minimum)}
    if not low:
        return ok(found, f">= {minimum}", f"{item} limits are high enough", f"{item} 限制足够")
    listing = ", ".join(f"{k} {v}" for k, v in low.items())
    return bad(found, f">= {minimum}", f"{item} limit too low: {listing}", f"{item} 限制过低:{listing}")


@check(
    "resources.nofile",
    title=("Open-file limit of the service user and services", "服务用户及服务的打开文件数限制"),
    fix=("Raise nofile in /etc/security/limits.d/ and LimitNOFILE= in the units (`systemctl edit <unit>`), "
         "then restart the services (`envcheck deploy server --tags limits`).",
         "在 /etc/security/limits.d/ 中调大 nofile,并在服务 unit 中设置 LimitNOFILE="
         "(`systemctl edit <服务>`),然后重启服务(`envcheck deploy server --tags limits`)。"),
    severity=Severity.MAJOR,
    facts=["resources.limits"],
    remediation=BASELINE_LIMITS,
)
def nofile(f: Mapping[str, Any], std: Standard) -> Outcome:
    return _limit_check(f["resources.limits"], "nofile", std.nofile, std.service_user)


@check(
    "resources.nproc",
    title=("Process/thread limit of the service user and services", "服务用户及服务的进程数(线程数)限制"),
    fix=("Raise nproc in /etc/security/limits.d/ (RHEL's 20-nproc.conf caps every user at 4096) and "
         "LimitNPROC= in the units; a JVM that hits it fails with `unable to create native thread` "
         "(`envcheck deploy server --tags limits`).",
         "在 /etc/security/limits.d/ 中调大 nproc(RHEL 的 20-nproc.conf 将所有用户限制为 4096),"
         "并在 unit 中设置 LimitNPROC=;JVM 触及该限制会报 `unable to create native thread`"
         "(`envcheck deploy server --tags limits`)。"),
    severity=Severity.MINOR,
    facts=["resources.limits"],
    remediation=BASELINE_LIMITS,
)
def nproc(f: Mapping[str, Any], std: Standard) -> Outcome:
    return _limit_check(f["resources.limits"], "nproc", std.nproc, std.service_user)
