"""Resources and kernel: disk and inodes, memory, swap, open-file limits, sysctls, THP."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

from envcheck.checks.common import bad, key_values, ok
from envcheck.checks.registry import HostContext, Remediation, absent, check, fact
from envcheck.model import Outcome, ProbeOutput, Severity, Status
from envcheck.standard import Standard

BASELINE_SYSCTL = Remediation("server", ("sysctl",))
BASELINE_LIMITS = Remediation("server", ("limits",))
SERVICE_PROCESSES = ("java", "mysqld", "mariadbd", "postgres", "nginx", "apache2", "httpd")


def _disk_command(ctx: HostContext, std: Standard) -> str | None:
    paths = " ".join(shlex.quote(p) for p in std.disk_paths)
    return (f"for p in {paths}; do [ -e \"$p\" ] || {{ echo \"missing|$p\"; continue; }}; "
            "echo \"space|$p|$(df -P \"$p\" | awk 'NR==2 {print $2\"|\"$4\"|\"$6}')\"; "
            "echo \"inodes|$p|$(df -Pi \"$p\" | awk 'NR==2 {print $2\"|\"$4\"|\"$6}')\"; done")


@fact("resources.disk", command_for=_disk_command)
def parse_disk(out: ProbeOutput) -> dict[str, dict[str, Any]]:
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


@fact("resources.memory", "grep -E '^(MemTotal|MemAvailable|SwapTotal|SwapFree):' /proc/meminfo")
def parse_memory(out: ProbeOutput) -> dict[str, int]:
    kv = key_values(out.stdout, ":")
    return {k: int(v.split()[0]) // 1024 for k, v in kv.items()}  # MiB


@fact(
    "resources.kernel",
    "for k in vm/swappiness net/core/somaxconn fs/file-max; do "
    "echo \"$k=$(cat /proc/sys/$k 2>/dev/null)\"; done; "
    "echo \"thp=$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)\"; "
    "echo \"container=$(systemd-detect-virt -c 2>/dev/null)\"",
)
def parse_kernel(out: ProbeOutput) -> dict[str, Any]:
    kv = key_values(out.stdout)
    thp = re.search(r"\[(\w+)\]", kv.get("thp", ""))
    return {
        "vm.swappiness": int(kv["vm/swappiness"]) if kv.get("vm/swappiness", "").isdigit() else None,
        "net.core.somaxconn": int(kv["net/core/somaxconn"]) if kv.get("net/core/somaxconn", "").isdigit() else None,
        "transparent_hugepage": thp.group(1) if thp else None,
        "container": kv.get("container") if kv.get("container") not in (None, "", "none") else None,
    }


def _host_kernel(kernel: Mapping[str, Any]) -> Outcome | None:
    """In a container these are the host kernel's settings, set and checked there."""
    if kernel.get("container"):
        return Outcome(Status.SKIP, f"{kernel['container']} container", None, absent(
            f"runs in a {kernel['container']} container: kernel settings are the host's",
            f"运行在 {kernel['container']} 容器中:内核参数由宿主机设置").reason)
    return None


def _limits_command(ctx: HostContext, std: Standard) -> str | None:
    user = shlex.quote(std.service_user)
    names = " ".join(SERVICE_PROCESSES)
    return (
        f"if id {user} >/dev/null 2>&1; then echo \"user|$(su -s /bin/sh -c 'ulimit -n' {user} 2>/dev/null)\"; "
        "else echo 'user|absent'; fi\n"
        "for p in /proc/[0-9]*; do read -r c < $p/comm 2>/dev/null || continue; "
        f"case \" {names} \" in *\" $c \"*) ;; *) continue;; esac; "
        "echo \"proc|$c|$(awk '/^Max open files/ {print $4}' $p/limits 2>/dev/null)\"; done; true"
    )


@fact("resources.limits", command_for=_limits_command, sudo=True)
def parse_limits(out: ProbeOutput) -> dict[str, Any]:
    user: int | str | None = None
    services: dict[str, int] = {}
    for line in out.stdout.splitlines():
        parts = line.split("|")
        if parts[0] == "user" and len(parts) == 2:
            user = int(parts[1]) if parts[1].isdigit() else parts[1] or None
        elif parts[0] == "proc" and len(parts) == 3 and parts[2].isdigit():
            name = "mysqld" if parts[1] == "mariadbd" else parts[1]
            services[name] = min(services.get(name, 1 << 30), int(parts[2]))
    return {"user": user, "services": services}


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
    if not found:
        return Outcome(Status.SKIP, None, minimum, absent("no path to measure", "没有可测量的目录").reason)
    low = {p: v for p, v in found.items() if v < minimum}
    shown = {p: f"{v}% free" for p, v in found.items()}
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
    fix=("Raise it in /etc/sysctl.d/ (`envcheck deploy server --tags sysctl`); a small accept "
         "queue drops connections under load.",
         "在 /etc/sysctl.d/ 中调大(`envcheck deploy server --tags sysctl`);队列过小高峰时会丢连接。"),
    severity=Severity.MINOR,
    facts=["resources.kernel"],
    remediation=BASELINE_SYSCTL,
)
def somaxconn(f: Mapping[str, Any], std: Standard) -> Outcome:
    if (skip := _host_kernel(f["resources.kernel"])) is not None:
        return skip
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


@check(
    "resources.nofile",
    title=("Open-file limit of the service user and services", "服务用户及服务的打开文件数限制"),
    fix=("Raise nofile in /etc/security/limits.d/ and LimitNOFILE= in the units, then restart "
         "the services (`envcheck deploy server --tags limits`).",
         "在 /etc/security/limits.d/ 中调大 nofile,并在服务 unit 中设置 LimitNOFILE=,然后重启服务"
         "(`envcheck deploy server --tags limits`)。"),
    severity=Severity.MAJOR,
    facts=["resources.limits"],
    remediation=BASELINE_LIMITS,
)
def nofile(f: Mapping[str, Any], std: Standard) -> Outcome:
    lim = f["resources.limits"]
    found = dict(lim["services"])
    if isinstance(lim["user"], int):
        found[f"user {std.service_user}"] = lim["user"]
    if not found:
        return Outcome(Status.SKIP, None, std.nofile, absent(
            f"no service user {std.service_user} and no service running",
            f"没有服务用户 {std.service_user},也没有运行中的服务").reason)
    low = {k: v for k, v in found.items() if v < std.nofile}
    if not low:
        return ok(found, f">= {std.nofile}", "open-file limits are high enough", "打开文件数限制足够")
    listing = ", ".join(f"{k} {v}" for k, v in low.items())
    return bad(found, f">= {std.nofile}", f"open-file limit too low: {listing}", f"打开文件数限制过低:{listing}")
