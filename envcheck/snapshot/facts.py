"""The probes a snapshot adds to the check's: packages, services, listening ports, sysctl,
limits, locales, zone, JVM options, database settings, files and users. Each parser returns
flat items {"area/item": value}; items with one meaning read the same on every OS.

They are not in the check catalogue (no check reads them): the snapshot's run adds them to
the catalogue's facts (envcheck.audit.engine.run_audit's `extra`)."""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Callable, Mapping, Sequence

from envcheck.checks.registry import Fact, HostContext
from envcheck.checks.util.common import sections
from envcheck.model import ProbeOutput
from envcheck.standard import Standard

Items = dict[str, str]
ABSENT = "absent"
MAX_FILES = 2000  # files hashed at most per host (snapshot_paths may name folders)

_PACKAGES = (
    "if command -v dpkg-query >/dev/null 2>&1; then "
    "dpkg-query -W -f '${db:Status-Abbrev}\\t${Package}\\t${Version}\\n' "
    "| awk -F '\\t' '$1 ~ /^ii/ {print $2 \"\\t\" $3}'; "
    "else rpm -qa --qf '%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}.%{ARCH}\\n'; fi"
)
# Enablement read from the unit folders (systemctl list-unit-files costs 4-9 s of a loaded
# host: it reads every unit file); the state from one `systemctl list-units` (~60 ms).
_SERVICES = (
    "echo '== enabled =='; for f in /etc/systemd/system/*.wants/*.service /etc/systemd/system/*.requires/*.service; "
    "do [ -L \"$f\" ] && echo \"${f##*/}\"; done\n"
    "echo '== enabled-runtime =='; for f in /run/systemd/system/*.wants/*.service; do [ -L \"$f\" ] && "
    "echo \"${f##*/}\"; done\n"
    "echo '== masked =='; find /etc/systemd/system /run/systemd/system -maxdepth 1 -name '*.service' "
    "-lname /dev/null 2>/dev/null | sed 's|.*/||'\n"
    "echo '== installable =='; grep -ls '^\\[Install\\]' /etc/systemd/system/*.service /lib/systemd/system/*.service "
    "/usr/lib/systemd/system/*.service | sed 's|.*/||'\n"
    "echo '== units =='; systemctl list-units --type=service --all --no-legend --no-pager --plain 2>/dev/null"
)
_PORTS = "ss -Htlnp 2>/dev/null"
# One grep over /proc/sys: 2.5x less than `sysctl -a` (55-120 ms against 150-240 ms on a lab host).
_SYSCTL = "cd /proc/sys && grep -rs '' . ; true  # grep says 2 for the write-only files"
_LOCALES = "cat /etc/default/locale /etc/locale.conf 2>/dev/null; true"
_JVM = (
    "for p in /proc/[0-9]*; do read -r c < $p/comm 2>/dev/null || continue; [ \"$c\" = java ] || continue; "
    "u=$(sed -n 's|^0::.*/\\([^/]*\\.service\\).*|\\1|p' $p/cgroup 2>/dev/null); "
    "echo \"== ${u:-${p#/proc/}} ==\"; tr '\\0' '\\n' < $p/cmdline; done"
)
_PG_SERVER = "ecany /usr/lib/postgresql/*/bin/postgres /usr/pgsql-*/bin/postgres /usr/bin/postgres"
_POSTGRESQL = (
    "cd / && if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- psql -XAtq -F '|' "
    "-c 'SELECT name, setting FROM pg_settings ORDER BY name'; "
    "else su postgres -s /bin/sh -c \"psql -XAtq -F '|' -c 'SELECT name, setting FROM pg_settings'\"; fi"
)
_MY_SERVER = "ecany /usr/sbin/mariadbd /usr/sbin/mysqld /usr/libexec/mysqld"
_MYSQL = "$(command -v mariadb || command -v mysql) -N -B -e 'SHOW GLOBAL VARIABLES'"


def _lines(out: ProbeOutput) -> list[str]:
    return [line for line in out.stdout.splitlines() if line.strip()]


def parse_packages(out: ProbeOutput) -> Items:
    """Installed packages and versions: dpkg-query (Debian family) or rpm."""
    items: Items = {}
    for line in _lines(out):
        name, _, version = line.partition("\t")
        items[f"packages/{name}"] = version.removeprefix("0:")
    return items


_KEPT_STATES = ("enabled", "disabled", "masked", "enabled-runtime")


def parse_services(out: ProbeOutput) -> Items:
    """Services: enablement (the unit folders' .wants links, masks; `disabled` for a unit with
    an [Install] section not enabled, else `static`) and state (systemctl list-units), as
    `enabled active/running`; static units only when they run or failed."""
    parts = {k: set(v.split()) for k, v in sections(out.stdout).items() if k != "units"}
    state = {}
    for line in sections(out.stdout).get("units", "").splitlines():
        words = line.split()
        if len(words) >= 4 and words[0].endswith(".service"):
            state[words[0]] = (words[1], f"{words[2]}/{words[3]}")
    items = {}
    for unit in sorted(set(state).union(*parts.values())):
        if "@." in unit:
            continue
        load, active = state.get(unit, ("", "inactive/dead"))
        if load == "not-found":
            continue
        file_state = next((k for k in ("masked", "enabled", "enabled-runtime") if unit in parts.get(k, ())),
                          "disabled" if unit in parts.get("installable", ()) else "static")
        if file_state in _KEPT_STATES or active.startswith(("active", "failed")):
            items[f"services/{unit.removesuffix('.service')}"] = f"{file_state} {active}"
    return items


def _address_kind(address: str) -> str:
    """A listening address as what it means, not as this host's own number: `*` (every
    address), a loopback address as it is, `host` (one of this host's addresses)."""
    address = address.strip("[]").split("%")[0]
    if address in ("*", "0.0.0.0", "::"):  # noqa: S104 (read, never bound)
        return "*"
    try:
        return address if ipaddress.ip_address(address).is_loopback else "host"
    except ValueError:
        return "host"


_PROC = re.compile(r'\(\("([^"]+)"')


def parse_ports(out: ProbeOutput) -> Items:
    """Listening TCP ports and their processes (ss -tlnp as root): `ports/tcp/80` = `nginx *`."""
    found: dict[str, set[str]] = {}
    for line in _lines(out):
        words = line.split()
        proto = "tcp"
        if words[0] == "udp":
            proto, words = "udp", words[1:]
        if len(words) < 4:
            continue
        local = words[3]
        address, _, port = local.rpartition(":")
        match = _PROC.search(line)
        process = match.group(1) if match else "?"
        found.setdefault(f"ports/{proto}/{port}", set()).add(f"{process} {_address_kind(address)}")
    return {k: ", ".join(sorted(v)) for k, v in sorted(found.items())}


def parse_sysctl(out: ProbeOutput) -> Items:
    """Every kernel setting under /proc/sys, named as sysctl names them (`vm.swappiness`; a
    value of several lines on one, whitespace made single)."""
    values: dict[str, list[str]] = {}
    for line in out.stdout.splitlines():
        path, sep, value = line.partition(":")
        if sep and path.startswith("./"):
            name = path[2:].translate(_SYSCTL_NAME)
            values.setdefault(f"sysctl/{name}", []).append(" ".join(value.split()))
    return {k: " ".join(v) for k, v in values.items()}


_SYSCTL_NAME = str.maketrans({"/": ".", ".": "/"})


def parse_locales(out: ProbeOutput) -> Items:
    """The system locale (/etc/default/locale, /etc/locale.conf): `locales/system/LANG`. The
    installed ones and the zone come from the check's facts (envcheck.snapshot.items)."""
    items: Items = {}
    for line in _lines(out):
        name, sep, value = line.partition("=")
        if sep and not name.strip().startswith("#"):
            items[f"locales/system/{name.strip()}"] = value.strip().strip('"')
    return items


_SIZED = ("-Xmx", "-Xms", "-Xss", "-Xmn")


# Options whose value is the next word of the command line.
_TAKES_NEXT = ("-cp", "-classpath", "--class-path", "-p", "--module-path", "--add-opens", "--add-exports",
               "--add-modules", "-jar")


def parse_jvm(out: ProbeOutput) -> Items:
    """The options of every running JVM, keyed by its systemd unit: `jvm/tomcat10/-Xmx` =
    `512m`, `jvm/tomcat10/-Dfile.encoding` = `UTF-8`, `jvm/tomcat10/-XX:UseG1GC` = `on`."""
    items: Items = {}
    for unit, body in sections(out.stdout).items():
        if not unit:
            continue
        name = unit.removesuffix(".service")
        words = body.splitlines()[1:]  # the first line is the java binary
        i = 0
        while i < len(words) and words[i].startswith("-"):  # then the main class and its arguments
            option = words[i]
            sized = next((s for s in _SIZED if option.startswith(s)), None)
            if sized:
                key, value = sized, option[len(sized):]
            elif option.startswith("-XX:") and option[4:5] in "+-":
                key, value = "-XX:" + option[5:], "on" if option[4] == "+" else "off"
            elif option in _TAKES_NEXT and i + 1 < len(words):
                i += 1
                key, value = option, words[i]
            else:
                key, sep, value = option.partition("=")
                value = value if sep else "on"
            if f"jvm/{name}/{key}" in items:  # repeated (--add-opens): every value, in order
                value = f"{items[f'jvm/{name}/{key}']} {value}"
            items[f"jvm/{name}/{key}"] = value
            i += 1
    return items


def _settings(area: str, separator: str) -> Callable[[ProbeOutput], Items]:
    def parse(out: ProbeOutput) -> Items:
        if out.stdout.strip() == "ABSENT" or out.rc != 0:
            return {}
        items = {}
        for line in _lines(out):
            name, _, value = line.partition(separator)
            items[f"{area}/{name}"] = value
        return items

    return parse


def parse_files(out: ProbeOutput) -> Items:
    """sha256 and size of each file: `files/etc/x.conf` = `sha256:… 1234 bytes`, or `absent`."""
    sizes, digests, items = {}, {}, {}
    for line in _lines(out):
        kind, _, rest = line.partition(" ")
        if kind == "A":
            items[f"files{rest}"] = ABSENT
        elif kind == "S":
            size, _, path = rest.partition(" ")
            sizes[path] = size
        elif len(kind) == 64:  # sha256sum's own line: digest, two spaces, path
            digests[rest.lstrip(" *")] = kind
    for path, digest in digests.items():
        items[f"files{path}"] = f"sha256:{digest} {sizes.get(path, '?')} bytes"
    return items


def parse_users(out: ProbeOutput) -> Items:
    """The users and groups of the standard (getent, id): uid, primary group, groups, home,
    shell; a group's gid and members."""
    parts = sections(out.stdout)
    groups = dict(line.split(" ", 1) for line in parts.get("ids", "").splitlines() if " " in line)
    items = {f"users/user/{name}": ABSENT for name in parts.get("users", "").split()}
    items |= {f"users/group/{name}": ABSENT for name in parts.get("groups", "").split()}
    for line in parts.get("accounts", "").splitlines():
        f = line.split(":")
        if len(f) == 7:
            items[f"users/user/{f[0]}"] = (f"uid={f[2]} gid={f[3]} groups={','.join(groups.get(f[0], '').split())} "
                                           f"home={f[5]} shell={f[6]}")
    for line in parts.get("group", "").splitlines():
        f = line.split(":")
        if len(f) == 4:
            items[f"users/group/{f[0]}"] = f"gid={f[2]} members={f[3]}"
    return items


def parse_limits(out: ProbeOutput) -> Items:
    """Effective nofile and nproc (soft/hard) of the standard's users: a login through PAM
    (runuser, else su) reads /proc/self/limits. (The services' own limits come from the check's fact.)"""
    items = {}
    for line in _lines(out):
        parts = line.split("|")
        if len(parts) == 4 and parts[0] == "user":
            items[f"users/limits/{parts[1]}/nofile"] = parts[2]
            items[f"users/limits/{parts[1]}/nproc"] = parts[3]
    return items


def glob_quote(path: str) -> str:
    """A path for the shell, quoted but for its `*`, which matches on the host."""
    return "*".join(shlex.quote(part) if part else "" for part in path.split("*"))


def files_command(paths: Sequence[str]) -> str:
    """sha256 and size of each path (folders: the regular files under them, MAX_FILES in all),
    in one sha256sum and one stat for all."""
    quoted = " ".join(glob_quote(p) for p in paths)
    return (
        f"set --; for p in {quoted}; do if [ -d \"$p\" ]; then for f in $(find \"$p\" -xdev -type f 2>/dev/null "
        f"| sort | head -n {MAX_FILES}); do set -- \"$@\" \"$f\"; done; elif [ -e \"$p\" ]; then set -- \"$@\" \"$p\"; "
        "else echo \"A $p\"; fi; done\n"
        "[ $# -eq 0 ] || { stat -Lc 'S %s %n' -- \"$@\"; sha256sum -- \"$@\"; } 2>/dev/null"
    )


def users_command(users: Sequence[str], groups: Sequence[str]) -> str:
    names = " ".join(shlex.quote(u) for u in users)
    group_names = " ".join(shlex.quote(g) for g in groups)
    return (
        f"echo '== users =='; echo {names}; echo '== groups =='; echo {group_names}\n"
        f"echo '== accounts =='; getent passwd {names}\n"
        f"echo '== ids =='; for u in {names}; do g=$(id -Gn \"$u\" 2>/dev/null) && echo \"$u $g\"; done\n"
        f"echo '== group =='; getent group {group_names}; true"
    )


def limits_command(users: Sequence[str]) -> str:
    return (
        f"for u in {' '.join(shlex.quote(u) for u in users)}; do getent passwd \"$u\" >/dev/null || continue; "
        # runuser's PAM stack applies the limits without a logind session (su's starts a user manager).
        "{ runuser -u \"$u\" -- cat /proc/self/limits || su -s /bin/sh -c 'cat /proc/self/limits' \"$u\"; } "
        "2>/dev/null | awk -v u=\"$u\" "
        "'/^Max open files/ {n = $4 \"/\" $5} /^Max processes/ {p = $3 \"/\" $4} "
        "END {print \"user|\" u \"|\" n \"|\" p}'; done"
    )


def plain(fact_id: str, command: str, parse: Callable[[ProbeOutput], Items], **kw: object) -> Fact:
    return Fact(fact_id, command, parse, **kw)  # type: ignore[arg-type]


# Facts the same on every host (their command holds no inventory value).
FIXED: tuple[Fact, ...] = (
    plain("snapshot.packages", _PACKAGES, parse_packages, timeout=30, masked=False),
    plain("snapshot.services", _SERVICES, parse_services, timeout=30, masked=False),
    plain("snapshot.ports", _PORTS, parse_ports, sudo=True, masked=False),
    plain("snapshot.sysctl", _SYSCTL, parse_sysctl, may_block=False, masked=False),
    plain("snapshot.locales", _LOCALES, parse_locales, may_block=False, masked=False),
    plain("snapshot.jvm", _JVM, parse_jvm, may_block=False),
    plain("snapshot.postgresql", _POSTGRESQL, _settings("postgresql", "|"), sudo=True, timeout=20,
          present=_PG_SERVER),
    plain("snapshot.mysql", _MYSQL, _settings("mysql", "\t"), sudo=True, timeout=20, present=_MY_SERVER),
)


def per_host(files: Mapping[str, Sequence[str]], users: Mapping[str, tuple[Sequence[str], Sequence[str]]]
             ) -> tuple[Fact, ...]:
    """The facts whose command is the host's own (its managed files and snapshot_paths, the
    users and groups of its standard), from tables built from the inventory beforehand."""

    def files_for(ctx: HostContext, std: Standard) -> str | None:
        paths = files.get(ctx.name)
        return files_command(paths) if paths else None

    def users_for(ctx: HostContext, std: Standard) -> str | None:
        names, groups = users.get(ctx.name, ((), ()))
        return users_command(names, groups) if names and groups else None

    def limits_for(ctx: HostContext, std: Standard) -> str | None:
        names, _ = users.get(ctx.name, ((), ()))
        return limits_command(names) if names else None

    return (
        Fact("snapshot.files", "", parse_files, sudo=True, timeout=60, command_for=files_for, masked=False),
        Fact("snapshot.users", "", parse_users, command_for=users_for, masked=False),
        Fact("snapshot.limits", "", parse_limits, sudo=True, timeout=20, command_for=limits_for, masked=False),
    )


PARSERS: dict[str, Callable[[ProbeOutput], Items]] = {
    **{f.id: f.parse for f in FIXED},
    "snapshot.files": parse_files, "snapshot.users": parse_users, "snapshot.limits": parse_limits,
}
