"""Parsers of the site probes' output (envcheck.sitechecks.probes): pure functions of the text,
one per resource type, each reading what its one probe printed for every entry of the type."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from envcheck.model import ProbeOutput
from envcheck.sitechecks.probes import MARK, kernel_path, unit
from envcheck.sitechecks.spec import Entry


def sections(text: str) -> dict[str, list[str]]:
    """The lines under each `--NAME` mark (lines before the first mark under "")."""
    out: dict[str, list[str]] = {"": []}
    current = ""
    for line in text.splitlines():
        if line.startswith(MARK) and len(line) > 2:
            current = line[2:]
            out.setdefault(current, [])
        else:
            out[current].append(line)
    return out


@dataclass(frozen=True)
class FileFacts:
    # path -> type, mode, owner, group, size
    stat: dict[str, tuple[str, str, str, str, int]] = field(default_factory=dict)
    links: frozenset[str] = frozenset()
    grep: dict[tuple[int, str, int], int] = field(default_factory=dict)  # (entry, kind, regex) -> grep's code
    bad_lines: dict[str, int] = field(default_factory=dict)  # path -> lines that are not UTF-8


def parse_file(out: ProbeOutput, _entries: Sequence[Entry]) -> FileFacts:
    s = sections(out.stdout)
    stat = {}
    for line in s.get("S", []):
        parts = line.split("|", 6)
        if len(parts) == 7 and parts[5].isdigit():
            stat[parts[6]] = (parts[1], parts[2], parts[3], parts[4], int(parts[5]))
    grep = {}
    for line in s.get("G", []):
        g = re.fullmatch(r"G\|(\d+)\|(\w+)\|(\d+)\|(\d+)", line)
        if g:
            grep[(int(g.group(1)), g.group(2), int(g.group(3)))] = int(g.group(4))
    bad = {}
    for line in s.get("U", []):
        path, _, count = line.rpartition(":")
        if path and count.isdigit():
            bad[path] = int(count)
    links = frozenset(line[2:] for line in s.get("L", []) if line.startswith("L|"))
    return FileFacts(stat, links, grep, bad)


def unescape_mount(text: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)


def parse_mount(out: ProbeOutput, _entries: Sequence[Entry]) -> dict[str, Any]:
    s = sections(out.stdout)
    mounts: dict[str, tuple[str, tuple[str, ...]]] = {}
    for line in s.get("M", []):
        parts = line.split()
        if len(parts) >= 4:  # the last mount on a path is the one seen there
            mounts[unescape_mount(parts[1])] = (parts[2], tuple(parts[3].split(",")))
    sizes = {}
    for line in s.get("D", [])[1:]:
        parts = line.split()
        if len(parts) >= 6 and parts[1].isdigit():
            sizes[" ".join(parts[5:])] = int(parts[1])
    return {"mounts": mounts, "sizes": sizes}


def parse_package(out: ProbeOutput, _entries: Sequence[Entry]) -> dict[str, Any]:
    s = sections(out.stdout)
    manager = next((m for m in ("dpkg", "rpm", "none") if m in s), "none")
    pkgs: dict[str, tuple[bool, str]] = {}
    for line in s.get(manager, []):
        parts = line.split("|", 2)
        if len(parts) == 3:
            installed = len(parts[0]) > 1 and parts[0][1] == "i"
            pkgs[parts[2].split(":")[0]] = (installed, parts[1])
    return {"manager": manager, "packages": pkgs}


_GENERATED = ("/run/systemd/generator.early", "/run/systemd/generator", "/run/systemd/generator.late")
_INSTALLING = ("WantedBy", "RequiredBy", "UpheldBy", "Alias")


def unit_file_state(file: str | None, link: bool, masked: bool, alias: bool, enabling: Sequence[str],
                    keys: set[str]) -> str:
    """What `systemctl is-enabled` says of a unit, from its first file in the unit folders, the
    links that enable it and the keys of its [Install] section (systemd's unit_file_lookup_state,
    for the states it can print)."""
    if file is None:
        return ""
    folder = file.rsplit("/", 1)[0]
    if masked:
        return "masked-runtime" if folder.startswith("/run/") else "masked"
    if folder in _GENERATED:
        return "generated"
    if folder == "/run/systemd/transient":
        return "transient"
    if alias:
        return "alias"
    if any(not w.startswith("/run/") for w in enabling):
        return "enabled"
    if enabling:
        return "enabled-runtime"
    if link and not folder.startswith(("/lib/", "/usr/")):
        return "linked-runtime" if folder.startswith("/run/") else "linked"
    if keys & set(_INSTALLING):
        return "disabled"
    return "indirect" if "Also" in keys else "static"


def parse_service(out: ProbeOutput, entries: Sequence[Entry]) -> dict[str, dict[str, str]]:
    """unit -> Id, LoadState, ActiveState (PID 1's, an alias's from its target), UnitFileState."""
    s = sections(out.stdout)
    files: dict[str, tuple[str, bool]] = {}
    masked: set[str] = set()
    aliases: dict[str, str] = {}
    enabling: dict[str, list[str]] = {}
    for line in s.get("files", []):
        kind, _, rest = line.partition("|")
        if kind == "F":
            name, path, flag = rest.rsplit("|", 2)
            files[name] = (path, flag == "L")
        elif kind == "N":
            masked.add(rest)
        elif kind == "A":
            name, target = rest.split("|", 1)
            aliases[name] = target
    for link_path in s.get("links", []):
        enabling.setdefault(link_path.rsplit("/", 1)[-1], []).append(link_path)
    keys: dict[str, dict[str, str]] = {}  # unit file -> [Install] key -> value
    for line in s.get("install", []):
        m = re.match(r"(.*):\s*(\w+)\s*=\s*(.*)", line)
        if m:
            keys.setdefault(m.group(1), {})[m.group(2)] = m.group(3).strip()
    loaded = {}
    for line in s.get("units", []):
        words = line.split()
        if len(words) >= 4:
            loaded[words[0]] = (words[1], words[2])
    found = {}
    for name in dict.fromkeys(unit(e.get("name")) for e in entries):
        path, link = files.get(name, ("", False))
        install = keys.get(path, {})
        links = enabling.get(name, [])
        if "@." in name and install.get("DefaultInstance"):  # a template: its default instance's links
            links = links or enabling.get(name.replace("@.", f"@{install['DefaultInstance']}.", 1), [])
        state = unit_file_state(path or None, link, name in masked, name in aliases, links, set(install))
        if state in ("disabled", "static") and "@." in name and \
                any(n.startswith(name.split("@")[0] + "@") for n in enabling):
            state = "indirect"  # a template whose other instances are enabled, as systemctl says it
        load, active = loaded.get(aliases.get(name, name), ("loaded" if path else "not-found", "inactive"))
        if name in masked:
            load = "masked"
        found[name] = {"Id": aliases.get(name, name), "LoadState": load, "ActiveState": active,
                       "UnitFileState": state}
    return found


def parse_port(out: ProbeOutput, _entries: Sequence[Entry]) -> list[tuple[str, int, tuple[str, ...]]]:
    s = sections(out.stdout)
    found = []
    for proto in ("tcp", "udp"):
        for line in s.get(proto, []):
            words = line.split()
            local = next((w for w in words if re.fullmatch(r".*:(\d+|\*)", w)), None)
            if local is None or not local.rsplit(":", 1)[1].isdigit():
                continue
            names = tuple(re.findall(r'\("([^"]+)",pid=', line))
            found.append((proto, int(local.rsplit(":", 1)[1]), names))
    return found


def parse_process(out: ProbeOutput, _entries: Sequence[Entry]) -> list[tuple[str, str]]:
    s = sections(out.stdout)
    owners = {}
    for line in s.get("O", []):
        user, _, path = line.partition("|")
        owners[path.removeprefix("/proc/")] = user
    found = []
    for line in s.get("C", []):
        read = re.fullmatch(r"/proc/(\d+)/comm:(.*)", line)
        if read is None:
            continue
        pid, comm = read.groups()
        if pid in owners or "O" not in s:  # owners are read only when an entry names a user
            found.append((owners.get(pid, ""), comm))
    return found


def parse_kernel(out: ProbeOutput, entries: Sequence[Entry]) -> dict[int, str | None]:
    """Each entry's value (its first line), None where the parameter is not there."""
    read: dict[str, str] = {}
    for line in out.stdout.splitlines():
        path, sep, value = line.partition(":")
        if sep and path not in read:
            read[path] = value
    return {i: read.get(kernel_path(e.get("name"))) for i, e in enumerate(entries)}


def parse_account(out: ProbeOutput, _entries: Sequence[Entry]) -> dict[str, Any]:
    s = sections(out.stdout)
    passwd = {p[0]: p for p in (line.split(":") for line in s.get("P", [])) if len(p) >= 7}
    group = {p[0]: p for p in (line.split(":") for line in s.get("G", [])) if len(p) >= 4}
    ids = {k[2:]: tuple(" ".join(v).split()) for k, v in s.items() if k.startswith("I|")}
    return {"passwd": passwd, "group": group, "ids": ids}


def parse_cron(out: ProbeOutput, _entries: Sequence[Entry]) -> list[tuple[str, str]]:
    found = []
    for name, lines in sections(out.stdout).items():
        if name.startswith("F|"):
            found += [(name[2:], line) for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return found


def parse_java(out: ProbeOutput, _entries: Sequence[Entry]) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for name, lines in sections(out.stdout).items():
        if not name.startswith("J|"):
            continue
        info: dict[str, str] = {}
        for line in lines:
            if line.startswith("H|"):
                info["home"] = line[2:]
            kv = re.fullmatch(r'(JAVA_VERSION|IMPLEMENTOR)="(.*)"', line)
            ver = re.search(r'version "([^"]+)"', line)
            if kv:
                info[kv.group(1).lower()] = kv.group(2)
            elif ver and "java_version" not in info:
                info["java_version"] = ver.group(1)
            elif "Runtime Environment" in line and "implementor" not in info:
                info["implementor"] = line.strip()
        found[int(name[2:])] = info
    return found


def parse_http(out: ProbeOutput, _entries: Sequence[Entry]) -> dict[str, Any]:
    if out.stdout.startswith(MARK + "nocurl"):
        return {"error": "curl is not installed on the host"}
    if out.rc != 0 and not out.stdout:
        return {"error": out.stderr.strip() or f"curl exited {out.rc}"}
    head, _, body = out.stdout.replace("\r\n", "\n").partition("\n\n")
    while re.match(r"HTTP/\S+ 1\d\d", head) and body.startswith("HTTP/"):  # 100 Continue first
        head, _, body = body.partition("\n\n")
    lines = head.splitlines()
    status = re.match(r"HTTP/\S+ (\d{3})", lines[0]) if lines else None
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return {"status": int(status.group(1)) if status else None, "headers": headers, "body": body}


def parse_command(out: ProbeOutput, _entries: Sequence[Entry]) -> dict[str, Any]:
    return {"rc": out.rc, "stdout": out.stdout, "stderr": out.stderr}
