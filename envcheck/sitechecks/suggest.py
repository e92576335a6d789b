"""`envcheck spec suggest`: a draft of site_checks for what runs on a known-good host and the
standard does not already cover (listening ports, enabled services, mounts, JDKs, big
directories). It reads the host through the same one-exec probe script as `check`, and only
proposes: the engineer reviews the draft, written to a file, and moves what holds into the
inventory. Nothing is applied."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from envcheck.checks.registry import Fact
from envcheck.model import ProbeOutput
from envcheck.sitechecks.facts import parse_port, sections, unescape_mount
from envcheck.sitechecks.spec import Entry
from envcheck.standard import Standard

BIG_MB = 500  # a directory this big under /opt, /srv, /data, /home or /var/lib is worth an entry
# What every Debian or RHEL host runs, or envcheck's own way in: not a site's own must.
_BASE_UNITS = re.compile(r"(systemd-.*|dbus.*|getty@.*|console-getty|serial-getty@.*|ssh|sshd|cron|crond|"
                         r"rsyslog|e2scrub.*|apt-daily.*|fstrim|logrotate|man-db|chrony|chronyd|ntp|"
                         r"networking|NetworkManager.*|wpa_supplicant|ufw|firewalld|auditd|tuned|irqbalance|"
                         r"polkit|udisks2|ModemManager|user@.*|user-runtime-dir@.*|dpkg-db-backup|sysstat|"
                         r"unattended-upgrades|rc-local|console-setup|keyboard-setup|kmod.*|lvm2.*|"
                         r"blk-availability|multipathd|qemu-guest-agent|open-vm-tools|vgauth|cloud-.*)")
_PSEUDO_FS = {"proc", "sysfs", "devtmpfs", "devpts", "tmpfs", "cgroup", "cgroup2", "securityfs", "pstore",
              "bpf", "debugfs", "tracefs", "configfs", "fusectl", "mqueue", "hugetlbfs", "autofs", "binfmt_misc",
              "overlay", "squashfs", "nsfs", "ramfs", "rpc_pipefs", "efivarfs", "selinuxfs"}

COMMAND = r"""printf '%s\n' --ports; ss -Htlnp state listening 2>/dev/null
printf '%s\n' --units; systemctl list-unit-files --type=service --state=enabled --no-legend --plain 2>/dev/null
printf '%s\n' --running; systemctl list-units --type=service --state=running --no-legend --plain 2>/dev/null
printf '%s\n' --mounts; eccat /proc/self/mounts
printf '%s\n' --df; df -P -B1 -x tmpfs -x devtmpfs -x overlay -x squashfs 2>/dev/null
printf '%s\n' --jdks; for ecj in /usr/lib/jvm/* /opt/*; do [ -r "$ecj/release" ] && [ ! -L "$ecj" ] &&
  { printf 'H|%s\n' "$ecj"; eccat "$ecj/release"; }; done
printf '%s\n' --big; du -smx /opt/* /srv/* /data*/* /home/* /var/lib/* 2>/dev/null
:"""


def fact() -> Fact:
    return Fact("site:suggest", COMMAND, lambda out: out, sudo=True, timeout=120.0)


def _taken(declared: tuple[Entry, ...], std: Standard) -> dict[str, set[Any]]:
    taken: dict[str, set[Any]] = {"port": set(std.ports) | {22}, "service": set(std.services), "mount": set(),
                                  "java": set(), "file": set(std.disk_paths)}
    for e in declared:
        key = {"port": "port", "service": "name", "mount": "path", "java": "java_home", "file": "path"}.get(e.type)
        if key:
            taken[e.type].add(e.get(key))
    return taken


def draft(out: ProbeOutput, declared: tuple[Entry, ...], std: Standard) -> list[dict[str, Any]]:
    """The proposed entries (mappings as the inventory holds them), from the host's answer."""
    s, taken, found = sections(out.stdout), _taken(declared, std), []

    def add(ident: str, kind: str, en: str, zh: str, **fields: Any) -> None:
        name = re.sub(r"_+", "_", re.sub(r"[^a-z0-9_-]+", "_", ident.lower())).strip("_")[:60]
        found.append({"id": name, "type": kind, "severity": "major", "title": {"en": en, "zh": zh}, **fields})

    for _proto, port, names in sorted(set(parse_port(ProbeOutput("--tcp\n" + "\n".join(s.get("ports", [])), 0),
                                                     ()))):
        if port not in taken["port"]:
            taken["port"].add(port)
            proc = {"process": names[0]} if names else {}
            add(f"port_{port}", "port", f"Port {port} listening", f"端口 {port} 正在监听", port=port, **proc)
    running = {line.split()[0].removesuffix(".service") for line in s.get("running", []) if line.split()}
    for line in s.get("units", []):
        unit = line.split()[0].removesuffix(".service") if line.split() else ""
        if unit and unit in running and not _BASE_UNITS.fullmatch(unit) and unit not in taken["service"]:
            add(f"service_{unit}", "service", f"Service {unit} running and enabled", f"服务 {unit} 运行中且开机启动",
                name=unit)
    sizes = {" ".join(p[5:]): int(p[1]) for p in (line.split() for line in s.get("df", [])[1:])
             if len(p) >= 6 and p[1].isdigit()}
    for line in s.get("mounts", []):
        parts = line.split()
        if len(parts) < 4 or parts[2] in _PSEUDO_FS or parts[1] in ("/", "/boot", "/boot/efi"):
            continue
        path = unescape_mount(parts[1])
        if path in taken["mount"] or path.startswith(("/proc", "/sys", "/dev", "/run")):
            continue
        taken["mount"].add(path)
        size = sizes.get(path)
        extra = {"min_size": f"{int(size * 0.9 / 1024**3)}G"} if size and size >= 2 * 1024**3 else {}
        add(f"mount_{path}", "mount", f"{path} mounted ({parts[2]})", f"{path} 已挂载（{parts[2]}）", path=path,
            fstype=parts[2], **extra)
    for name, lines in s.items():
        if name != "jdks":
            continue
        home, info = "", dict[str, str]()
        for line in [*lines, "H|"]:
            if line.startswith("H|"):
                if home and home not in taken["java"] and info.get("JAVA_VERSION"):
                    version = info["JAVA_VERSION"]
                    add(f"jdk_{home.rsplit('/', 1)[-1]}", "java", f"JDK {version} at {home}",
                        f"{home} 的 JDK 版本 {version}", java_home=home, version=f">= {version}")
                home, info = line[2:], {}
            elif "=" in line:
                key, _, value = line.partition("=")
                info[key] = value.strip('"')
    for line in s.get("big", []):
        mb, _, path = line.partition("\t")
        if mb.isdigit() and int(mb) >= BIG_MB and path not in taken["file"]:
            add(f"dir_{path}", "file", f"{path} in place ({int(mb)} MB)", f"{path} 存在（{int(mb)} MB）", path=path,
                filetype="directory")
    return found


def header(host: str, when: str) -> Mapping[str, str]:
    return {"en": f"Draft by `envcheck spec suggest` from {host} ({when}): what runs there that the standard "
                  "does not cover. Review every entry; keep what is a must for the site, correct titles and "
                  "values, and move them into the inventory (group_vars). Nothing has been applied.",
            "zh": f"由 `envcheck spec suggest` 根据 {host} 生成的草稿（{when}）：该主机上运行而标准未涵盖的内容。"
                  "请逐项审阅，保留站点必需的项，修正标题和取值，再移入清单（group_vars）。本草稿未做任何更改。"}
