"""The 200 site checks of the `envcheck-site200` way (issue 23): what a site's checklist holds on
a plain Debian host, every resource type represented, most of them passing. The entries are
data; bench/ways.site_inventory puts them in the fleet's group_vars/all.yml."""

from __future__ import annotations

from typing import Any

FILES = ["/etc/passwd", "/etc/group", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/etc/fstab",
         "/etc/os-release", "/etc/debian_version", "/etc/login.defs", "/etc/profile", "/etc/bash.bashrc",
         "/etc/ssh/sshd_config", "/etc/ssh/ssh_config", "/etc/nsswitch.conf", "/etc/shells", "/etc/issue",
         "/etc/environment", "/etc/adduser.conf", "/etc/deluser.conf", "/etc/mke2fs.conf", "/etc/ld.so.conf",
         "/etc/host.conf", "/etc/inputrc", "/etc/mime.types", "/etc/sysctl.conf", "/etc/machine-id",
         "/etc/timezone", "/etc/localtime", "/etc/xattr.conf", "/etc/gai.conf"]
DIRS = ["/etc", "/var/log", "/var/lib", "/usr/bin", "/usr/sbin", "/opt", "/srv", "/tmp", "/var/tmp", "/root",
        "/etc/ssh", "/etc/systemd", "/etc/default", "/etc/cron.d", "/usr/local", "/var/cache", "/etc/apt",
        "/var/lib/dpkg", "/usr/share", "/home"]
PACKAGES = ["bash", "coreutils", "dpkg", "apt", "openssh-server", "openssh-client", "curl", "systemd", "sudo",
            "tar", "gzip", "grep", "sed", "findutils", "util-linux", "mount", "procps", "iproute2", "passwd",
            "login", "libc6", "base-files", "debianutils", "hostname", "ncurses-base", "perl-base",
            "python3", "ca-certificates", "tzdata", "locales"]
SERVICES = ["ssh", "systemd-journald", "systemd-logind", "dbus", "systemd-tmpfiles-setup", "getty.target",
            "multi-user.target", "sockets.target", "timers.target", "basic.target", "sysinit.target",
            "systemd-journald.socket", "dbus.socket", "paths.target", "slices.target", "local-fs.target",
            "dpkg-db-backup.timer", "remote-fs.target", "swap.target", "e2scrub_all.timer"]
PARAMS = [("net.ipv4.ip_forward", "0"), ("kernel.pid_max", "4194304"), ("vm.swappiness", "60"),
          ("net.core.somaxconn", "4096"), ("kernel.ostype", "Linux"), ("net.ipv4.tcp_sack", "1"),
          ("net.ipv4.tcp_syncookies", "1"), ("net.ipv4.ip_local_port_range", "32768 60999"),
          ("vm.overcommit_memory", "0"), ("net.ipv4.tcp_timestamps", "1"), ("net.ipv4.tcp_fin_timeout", "60"),
          ("net.ipv4.tcp_keepalive_time", "7200"), ("net.ipv4.conf.all.rp_filter", "0"),
          ("vm.max_map_count", "65530"), ("kernel.core_pattern", "core"), ("net.ipv4.tcp_window_scaling", "1"),
          ("net.ipv6.conf.all.disable_ipv6", "0"), ("net.ipv4.tcp_tw_reuse", "2"), ("vm.overcommit_ratio", "50"),
          ("vm.dirty_ratio", "20")]
USERS = ["root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "nobody", "sshd"]
GROUPS = ["root", "daemon", "bin", "sys", "adm", "tty", "disk", "mail", "users", "nogroup"]


def _title(what: str) -> dict[str, str]:
    return {"en": what, "zh": f"站点检查：{what}"}


def entries() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(kind: str, what: str, **fields: Any) -> None:
        out.append({"id": f"b{len(out):03d}", "type": kind, "title": _title(what), **fields})

    for path in FILES:
        add("file", path, path=path, owner="root")
    for path in FILES[:10]:
        add("file", f"{path} text", path=path, contains=".", not_contains="^EVIL", utf8=True)
    for path in DIRS:
        add("file", path, path=path, filetype="directory")
    for path in ["/", "/proc", "/sys", "/dev", "/run"]:
        add("mount", path, path=path, min_size="1K" if path == "/" else None)
    for name in PACKAGES:
        add("package", name, name=name, version=">= 0.1")
    for name in SERVICES:
        add("service", name, name=name)
    for port in (22, 80, 443, 8080, 3306, 5432, 9100, 9090, 25, 111):
        add("port", f"port {port}", port=port, listening=port == 22, process="sshd" if port == 22 else None)
    for name in ["sshd", "systemd", "systemd-journal", "systemd-logind", "dbus-daemon", "cron", "rsyslogd",
                 "java", "nginx", "postgres"]:
        add("process", name, name=name, running=name in ("sshd", "systemd", "systemd-journal", "systemd-logind",
                                                         "dbus-daemon"))
    for name, value in PARAMS:
        add("kernel_param", name, name=name, value=value)
    for name, value in PARAMS[:10]:
        add("kernel_param", f"{name} again", name=name, value=value)
    for name in USERS:
        add("user", name, name=name)
    for name in GROUPS:
        add("group", name, name=name)
    for rx in ["e2scrub", "e2scrub_all_cron", "SERVICE_MODE", "^30 3", "root test"]:
        add("cron", rx, match=rx)
    add("java", "JDK 17", version=">= 17")
    add("java", "vendor JDK", java_home="/opt/jdk", version="17")
    for i, cmd in enumerate(["test -d /etc", "id -u", "uname -r", "hostname", "date +%Z"]):
        add("command", f"command {i}", command=cmd)
    add("http", "local web", url="http://127.0.0.1/")
    add("http", "local app", url="http://127.0.0.1:8080/health")
    return [{k: v for k, v in e.items() if v is not None} for e in out[:200]]
