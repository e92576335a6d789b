"""The parts of the site probes: one per resource type and host, whatever the number of entries
(one `stat` for every file, one `systemctl list-units` for every service, one `ss` for every
port, small files read by one awk), put together into at most four probes by
envcheck.sitechecks; one probe per `command` and `http` entry, which run a program of their own
anyway. Every value from the inventory is shlex.quote()d; a part's text is a fixed frame around
quoted words."""

from __future__ import annotations

from collections.abc import Sequence
from shlex import quote as q

from envcheck.sitechecks.spec import Entry

# Section marks in a probe's output: a line of their own, never a value's.
MARK = "--"


def _mark(name: str) -> str:
    return f"printf '%s\\n' {q(MARK + name)}"


def _words(values: Sequence[str]) -> str:
    return " ".join(q(v) for v in dict.fromkeys(values))


# For k < ECN: does a line of file ECFk match the extended regex ECRk? "G|<ECTk>|0" yes, 1 no,
# 2 unreadable. The values come from the environment, where awk reads them as they are (an -v
# assignment would take backslashes for escapes).
_AWK_MATCH = """BEGIN { n = ENVIRON["ECN"]
  for (k = 0; k < n; k++) { f = ENVIRON["ECF" k]; r = ENVIRON["ECR" k]; hit = 1
    while ((rc = (getline line < f)) > 0) if (line ~ r) { hit = 0; break }
    if (rc < 0) hit = 2
    close(f); print "G|" ENVIRON["ECT" k] "|" hit } }"""


# Small files read by one awk (the shell's `read` takes a byte at a time: a mount table is
# thousands of read calls), each opened with getline, so a file that is not there (a process
# ended meanwhile, a folder the glob matched) is skipped, not an error. ECM says what to print:
# lines (every line), marked (each file's lines under a line `--F|<path>`), first (`<path>:<first
# line>`, as grep -H), keys (the [Install] keys of unit files, `<path>:<line>`).
_AWK_READ = """BEGIN { m = ENVIRON["ECM"]
  for (i = 1; i < ARGC; i++) { f = ARGV[i]
    if (m == "marked") print "--F|" f
    while ((getline l < f) > 0) {
      if (m == "first") { print f ":" l; break }
      if (m != "keys") print l
      else if (l ~ /^[ \t]*(WantedBy|RequiredBy|UpheldBy|Alias|Also|DefaultInstance)[ \t]*=/) print f ":" l }
    close(f) } }"""


def read_files(mode: str, files: str) -> str:
    """The shell text that reads `files` (shell words: quoted values or globs) by _AWK_READ."""
    return with_awk(f"ECM={mode} awk {q(_AWK_READ)} {files} </dev/null")


# Printed instead of a part's lines where the host has no awk (a stripped image): its entries are
# then errors that say so, not checks failing for want of what was never read.
NO_AWK = MARK + "noawk"


def with_awk(text: str) -> str:
    return f"if command -v awk >/dev/null 2>&1; then {text}; else printf '%s\\n' {NO_AWK}; fi"


def file_command(entries: Sequence[Entry]) -> str:
    paths = [e.get("path") for e in entries]
    lines = [_mark("S"), f"stat -L -c 'S|%F|%a|%U|%G|%s|%n' -- {_words(paths)} 2>/dev/null"]
    links = [e.get("path") for e in entries if e.get("filetype") == "symlink"]
    if links:
        lines += [_mark("L"), f"for ecf in {_words(links)}; do [ -L \"$ecf\" ] && printf 'L|%s\\n' \"$ecf\"; done"]
    pairs = [(f"{i}|{kind}|{j}", e.get("path"), rx) for i, e in enumerate(entries)
             for kind in ("contains", "not_contains") for j, rx in enumerate(e.get(kind, ()))]
    if pairs:  # one awk for every regex of every file, not a grep each
        env = " ".join(f"ECT{k}={q(tag)} ECF{k}={q(path)} ECR{k}={q(rx)}" for k, (tag, path, rx) in enumerate(pairs))
        lines.append(with_awk(f"ECN={len(pairs)} {env} awk {q(_AWK_MATCH)} </dev/null"))
    utf8 = [e.get("path") for e in entries if e.get("utf8")]
    if utf8:  # lines that are not whole UTF-8 characters, counted per file, by one grep
        lines += [_mark("U"), f"grep -caxvHs -e '.*' -- {_words(utf8)}"]
    return "\n".join(lines) + "\n:"


def mount_command(entries: Sequence[Entry]) -> str:
    """The mount table read by awk; one df only for the entries that ask for a size."""
    sized = [e.get("path") for e in entries if e.get("min_size") is not None]
    df = [_mark("D"), f"df -P -B1 -- {_words(sized)} 2>/dev/null"] if sized else []
    return "\n".join([_mark("M"), read_files("lines", "/proc/self/mounts"), *df, ":"])


# dpkg's own database read by awk: what `dpkg-query -W -f='${db:Status-Abbrev}|${Version}|${Package}'`
# prints for the names in ECP (one a line, NAME or NAME:ARCH), half its CPU (no dpkg-query
# start, no reading of the available and triggers files). Only where no update of the database
# is pending (dpkg-query would read /var/lib/dpkg/updates first), and an awk is there.
_AWK_DPKG = """BEGIN { n = split(ENVIRON["ECP"], w, "\\n"); for (i = 1; i <= n; i++) want[w[i]] = 1
  ab["not-installed"] = "n"; ab["config-files"] = "c"; ab["half-installed"] = "H"; ab["unpacked"] = "U"
  ab["half-configured"] = "F"; ab["triggers-awaited"] = "W"; ab["triggers-pending"] = "t"; ab["installed"] = "i"
  ab["unknown"] = "u"; ab["install"] = "i"; ab["hold"] = "h"; ab["deinstall"] = "r"; ab["purge"] = "p" }
function out() { if (ss == "not-installed") sw = "unknown"  # as dpkg reads such a record
  if (p in want || (p ":" a) in want) print ab[sw] ab[ss] (se == "ok" ? " " : "R") "|" v "|" p
  p = "" }
/^Package: / { p = $2; a = v = sw = se = ss = ""; next }
/^Architecture: / { a = $2; next }
/^Status: / { sw = $2; se = $3; ss = $4; next }
/^Version: / { v = $2; next }
/^$/ { if (p != "") out() }
END { if (p != "") out() }"""

_DPKG_QUERY = "dpkg-query -W -f='${db:Status-Abbrev}|${Version}|${Package}\\n' -- "


def package_command(entries: Sequence[Entry]) -> str:
    listed = list(dict.fromkeys(e.get("name") for e in entries))
    names = _words(listed)
    return (f"if command -v dpkg-query >/dev/null 2>&1; then {_mark('dpkg')}; "
            "set -- /var/lib/dpkg/updates/[0-9]*; "
            "if [ -r /var/lib/dpkg/status ] && [ ! -e \"$1\" ] && command -v awk >/dev/null 2>&1; then "
            f"ECP={q(chr(10).join(listed))} "
            f"awk {q(_AWK_DPKG)} /var/lib/dpkg/status; else {_DPKG_QUERY}{names} 2>/dev/null; fi; "
            f"elif command -v rpm >/dev/null 2>&1; then {_mark('rpm')}; "
            f"rpm -q --qf 'ii |%{{VERSION}}-%{{RELEASE}}|%{{NAME}}\\n' {names} 2>/dev/null; "
            f"else {_mark('none')}; fi; :")


def unit(name: str) -> str:
    return name if "." in name else name + ".service"


# Where systemd looks for unit files, in its order (`systemd-analyze unit-paths`): the first
# file of a name is the unit's. Read by the shell (a test per folder), not by `systemctl
# is-enabled` or `list-unit-files`, which read every unit file of the host (32-34 ms of a lab
# host's CPU); `systemctl show` of 20 units costs 22 ms (PID 1 sends every property of each),
# `list-units` of the same 9 ms (bench/README.md).
UNIT_DIRS = ("/etc/systemd/system.control", "/run/systemd/transient", "/run/systemd/generator.early",
             "/etc/systemd/system", "/etc/systemd/system.attached", "/run/systemd/system",
             "/run/systemd/generator", "/usr/local/lib/systemd/system", "/lib/systemd/system",
             "/usr/lib/systemd/system", "/run/systemd/generator.late")
# Links that enable a unit: in a .wants, .requires or .upholds folder of /etc (enabled) or of
# /run, the generators' included (enabled-runtime). Every such link is listed (a template is
# enabled by its instances' links); the folders are globbed once, not once per unit.
_LINK_DIRS = ("/etc/systemd/system", "/run/systemd/system", "/run/systemd/transient", "/run/systemd/generator.early",
              "/run/systemd/generator", "/run/systemd/generator.late")
_ENABLING = " ".join(f"{d}/*.{kind}/*" for d in _LINK_DIRS for kind in ("wants", "requires", "upholds"))
# For each unit: F|unit|its file|L (a link) or - ; N|unit (masked: the file is /dev/null);
# A|unit|name (an alias: the link's target's name, the one unit systemctl knows it by). Then
# the enabling links, the [Install] keys of the files found, and the load and active states
# of the units (and of the aliases' targets) from PID 1.
_UNIT_FILES = (
    'set --; ecnames=; ecdirs=\n'
    'for ecd in {dirs}; do [ -d "$ecd" ] && ecdirs="$ecdirs $ecd"; done\n'
    'for ecu in {units}; do\n'
    '  ect=${{ecu%%@*}}; [ "$ect" = "$ecu" ] || ect="$ect@.${{ecu##*.}}"\n'
    '  for ecd in $ecdirs; do for ecf in "$ecd/$ecu" "$ecd/$ect"; do\n'
    '    [ -L "$ecf" ] || [ -e "$ecf" ] || continue\n'
    '    if [ -L "$ecf" ]; then printf \'F|%s|%s|L\\n\' "$ecu" "$ecf"; else printf \'F|%s|%s|-\\n\' "$ecu" "$ecf"; fi\n'
    '    if [ "$ecf" -ef /dev/null ]; then printf \'N|%s\\n\' "$ecu"\n'
    '    elif [ -L "$ecf" ]; then ecl=$(readlink -f -- "$ecf"); ecl=${{ecl##*/}}\n'
    '      [ "$ecl" = "${{ecf##*/}}" ] || {{ printf \'A|%s|%s\\n\' "$ecu" "$ecl"; ecnames="$ecnames $ecl"; }}\n'
    '      set -- "$@" "$ecf"\n'
    '    else set -- "$@" "$ecf"; fi\n'
    '    break 2\n'
    '  done; done\n'
    'done\n'
)


def service_command(entries: Sequence[Entry]) -> str:
    units = _words([unit(e.get("name")) for e in entries])
    dirs = " ".join(UNIT_DIRS)
    return "\n".join([
        _mark("files"), _UNIT_FILES.format(units=units, dirs=dirs).rstrip("\n"),
        _mark("links"), f'for ecf in {_ENABLING}; do [ -L "$ecf" ] && printf \'%s\\n\' "$ecf"; done',
        _mark("install"),
        "[ $# = 0 ] || " + read_files("keys", '"$@"'),
        _mark("units"), "set -f",  # the aliases' names, word by word, never globs
        f"systemctl list-units --all --plain --no-legend --no-pager -- {units} $ecnames 2>/dev/null",
        "set +f", ":"])  # the parts after this one glob again


def port_command(entries: Sequence[Entry]) -> str:
    p = "p" if any(e.get("process") for e in entries) else ""
    lines = [_mark("tcp"), f"ss -Htn{p} state listening 2>/dev/null"]
    if any(e.get("proto") == "udp" for e in entries):
        lines += [_mark("udp"), f"ss -Huln{p} 2>/dev/null"]
    return "\n".join([*lines, ":"])


# Names (comm) read by one awk, owners (when an entry names a user) with one stat: no ps needed
# (a minimal host has none).
def process_command(entries: Sequence[Entry]) -> str:
    owners = [_mark("O"), "stat -c '%U|%n' /proc/[0-9]* 2>/dev/null"] if any(e.get("user") for e in entries) else []
    return "\n".join([*owners, _mark("C"), read_files("first", "/proc/[0-9]*/comm"), ":"])


def kernel_path(name: str) -> str:
    return "/proc/sys/" + name.replace(".", "/")


def kernel_command(entries: Sequence[Entry]) -> str:
    """Every parameter's first line, by one awk (the kernel answers a read of /proc/sys past
    offset 0 with end of file: the shell's byte-at-a-time `read` would get one character)."""
    return read_files("first", _words([kernel_path(e.get("name")) for e in entries])) + "; :"


# The passwd or group lines of the names in ECW; exit 1 when one is not in the file (then getent
# asks NSS: LDAP, sssd).
_AWK_ACCOUNTS = """BEGIN { FS = ":"; n = split(ENVIRON["ECW"], w, " "); for (i = 1; i <= n; i++) want[w[i]] = 1 }
($1 in want) { print; delete want[$1] }
END { for (k in want) exit 1 }"""


def account_command(entries: Sequence[Entry]) -> str:
    users = [e.get("name") for e in entries if e.type == "user"]
    groups = [e.get("name") for e in entries if e.type == "group"] + \
             [e.get("group") for e in entries if e.type == "user" and e.get("group")]
    lines = []
    for mark, db, names in (("P", "passwd", users), ("G", "group", groups)):
        if names:  # the local file read by awk; getent only when a name is not there
            listed = list(dict.fromkeys(names))
            lines += [_mark(mark), f"ECW={q(' '.join(listed))} awk {q(_AWK_ACCOUNTS)} /etc/{db} 2>/dev/null || "
                      f"getent {db} -- {_words(listed)} 2>/dev/null"]
    for e in entries:
        if e.type == "user" and e.get("groups"):
            lines += [_mark("I|" + e.get("name")), f"id -Gn -- {q(e.get('name'))} 2>/dev/null"]
    return "\n".join([*lines, ":"])


# Fixed text: the crontabs of the system and of every user (root reads the spool).
CRON_COMMAND = read_files("marked", "/etc/crontab /etc/cron.d/* /var/spool/cron/crontabs/* /var/spool/cron/*") + "; :"


def java_command(entries: Sequence[Entry]) -> str:
    lines = []
    for i, e in enumerate(entries):
        home = e.get("java_home")
        find = f"ecj={q(home)}" if home else \
            'ecj=$(command -v java) && ecj=$(readlink -f "$ecj") && ecj=${ecj%/bin/java}'
        lines += [_mark(f"J|{i}"), f"if {find}; then printf 'H|%s\\n' \"$ecj\"; "
                  "if [ -r \"$ecj/release\" ]; then eccat \"$ecj/release\"; "
                  "elif [ -x \"$ecj/bin/java\" ]; then \"$ecj/bin/java\" -version 2>&1; fi; fi"]
    return "\n".join([*lines, ":"])


def http_command(e: Entry) -> str:
    return (f"command -v curl >/dev/null 2>&1 || {{ {_mark('nocurl')}; exit 0; }}\n"
            f"curl -sS -m {int(e.get('timeout', 5))} -D - {q(e.get('url'))}")
