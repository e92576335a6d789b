"""The parts of the site probes: one per resource type and host, whatever the number of entries
(one `stat` for every file, one `systemctl list-units` for every service, one `ss` for every
port; what they read from files added to the probe's one awk, READER), put together into at
most four probes by envcheck.sitechecks; one probe per `command` and `http` entry, which run a
program of their own anyway. Every value from the inventory is shlex.quote()d; a part's text is
a fixed frame around quoted words."""

from __future__ import annotations

from collections.abc import Sequence
from shlex import quote as q

from envcheck.sitechecks.spec import Entry

# Section marks in a probe's output: a line of their own, never a value's.
MARK = "--"


def _mark(name: str) -> str:
    return f"printf '%s\\n' {q(MARK + name)}"


def part_mark(part: str) -> str:
    """The line above a part's output in its probe (`--@file`): parse_probe cuts the output there."""
    return MARK + "@" + part


def _words(values: Sequence[str]) -> str:
    return " ".join(q(v) for v in dict.fromkeys(values))


# The awk work of a probe, done by one awk at its end (an exec costs a lab host 0.5 to 1.5 ms:
# the system probe of bench/site200.py ran six awks, the site part cost 43.5 ms a run against
# 41.2 now, bench/README.md). Each part adds its words to the probe's "$@" with
# `set -- "$@" ...` (defer()); the reader takes them in order: `@part TEXT` and `@mark TEXT`
# print TEXT (a part's mark, a section's); another `@MODE` says how the paths after it are read:
#   lines   every line                      first   `<path>:<first line>`, as grep -H
#   marked  `--F|<path>`, then its lines    keys    the [Install] keys of a unit file, `<path>:<line>`
#   dpkg    dpkg's status file, a record at a time (RS=""): what
#           `dpkg-query -W -f='${db:Status-Abbrev}|${Version}|${Package}'` prints for the names in
#           ECP (one a line, NAME or NAME:ARCH)
#   passwd, group   the lines of the names in ECWpasswd, ECWgroup (exit bit 1, 2: one is not there)
#   match   no paths: for k < ECN, does a line of file ECFk match the extended regex ECRk?
#           "G|<ECTk>|0" yes, 1 no, 2 unreadable
# Every file is opened with getline: one that is gone (a process ended meanwhile, a folder a glob
# matched) is skipped, not an error. Values come from the environment, where awk reads them as
# they are (an -v assignment would take backslashes for escapes). Paths are absolute: never `@`.
READER = r"""function read(f, m,   l) {
  if (m == "marked") print "--F|" f
  while ((getline l < f) > 0) {
    if (m == "first") { print f ":" l; break }
    if (m != "keys") print l
    else if (l ~ /^[ \t]*(WantedBy|RequiredBy|UpheldBy|Alias|Also|DefaultInstance)[ \t]*=/) print f ":" l }
  close(f) }
function field(r, k,   i) {
  i = index("\n" r, "\n" k ": "); if (!i) return ""
  r = substr(r, i + length(k) + 2); i = index(r, "\n")
  return i ? substr(r, 1, i - 1) : r }
function dpkg(f,   r, x, w, n, i, want, ab, p, rs) {
  n = split(ENVIRON["ECP"], w, "\n"); for (i = 1; i <= n; i++) want[w[i]] = 1
  ab["not-installed"] = "n"; ab["config-files"] = "c"; ab["half-installed"] = "H"; ab["unpacked"] = "U"
  ab["half-configured"] = "F"; ab["triggers-awaited"] = "W"; ab["triggers-pending"] = "t"; ab["installed"] = "i"
  ab["unknown"] = "u"; ab["install"] = "i"; ab["hold"] = "h"; ab["deinstall"] = "r"; ab["purge"] = "p"
  rs = RS; RS = ""
  while ((getline r < f) > 0) {
    p = field(r, "Package")
    if (!(p in want) && !((p ":" field(r, "Architecture")) in want)) continue
    split(field(r, "Status"), x, " ")
    if (x[3] == "not-installed") x[1] = "unknown"  # as dpkg reads such a record
    print ab[x[1]] ab[x[3]] (x[2] == "ok" ? " " : "R") "|" field(r, "Version") "|" p }
  RS = rs; close(f) }
function accounts(f, db,   l, x, w, n, i, want) {
  n = split(ENVIRON["ECW" db], w, " "); for (i = 1; i <= n; i++) want[w[i]] = 1
  while ((getline l < f) > 0) { split(l, x, ":"); if (x[1] in want) { print l; delete want[x[1]] } }
  close(f)
  for (i in want) return 1
  return 0 }
function matches(   n, k, f, r, hit, rc, l) {
  n = ENVIRON["ECN"]
  for (k = 0; k < n; k++) { f = ENVIRON["ECF" k]; r = ENVIRON["ECR" k]; hit = 1
    while ((rc = (getline l < f)) > 0) if (l ~ r) { hit = 0; break }
    if (rc < 0) hit = 2
    close(f); print "G|" ENVIRON["ECT" k] "|" hit } }
BEGIN { m = "lines"; mp = mg = 0
  for (i = 1; i < ARGC; i++) { a = ARGV[i]
    if (a == "@part" || a == "@mark") print ARGV[++i]
    else if (a == "@match") matches()
    else if (a ~ /^@/) m = substr(a, 2)
    else if (m == "dpkg") dpkg(a)
    else if (m == "passwd") { if (accounts(a, m)) mp = 1 }
    else if (m == "group") { if (accounts(a, m)) mg = 1 }
    else read(a, m) }
  exit mp + 2 * mg }"""


def defer(part: str, mode: str, files: str = "", section: str = "", awk_only: bool = True) -> str:
    """Shell text that adds to the probe's one awk run: `part`'s mark (`@part`; `@mark` where the
    part has an answer without awk, awk_only False), `section`'s mark, then `files` (shell
    words: quoted values, globs) read in `mode`."""
    words = ["@part" if awk_only else "@mark", q(part_mark(part))]
    words += ["@mark", q(MARK + section)] if section else []
    return 'set -- "$@" ' + " ".join([*words, f"@{mode}", *([files] if files else [])])


# Printed instead of a part's lines where the host has no awk (a stripped image): its entries are
# then errors that say so, not checks failing for want of what was never read.
NO_AWK = MARK + "noawk"


def run_reader(locale: str) -> str:
    """The probe's last lines: its one awk over the words the parts deferred (`$ecaw`: the
    reader's exit code, 3 where there is no awk: every part that deferred a read is marked
    NO_AWK then; `@mark` lines, the accounts' getent fallback, are not)."""
    return ('ecaw=0\n'
            'if [ $# -gt 0 ]; then\n'
            f'  if command -v awk >/dev/null 2>&1; then LC_ALL={locale} awk {q(READER)} "$@" </dev/null; ecaw=$?\n'
            '  else ecaw=3; ecm=\n'
            f'    for eca do [ "$ecm" = @part ] && printf \'%s\\n\' "$eca" {NO_AWK}; ecm=$eca; done\n'
            '  fi\n'
            'fi')


def file_command(entries: Sequence[Entry]) -> str:
    paths = [e.get("path") for e in entries]
    lines = [_mark("S"), f"stat -L -c 'S|%F|%a|%U|%G|%s|%n' -- {_words(paths)} 2>/dev/null"]
    links = [e.get("path") for e in entries if e.get("filetype") == "symlink"]
    if links:
        lines += [_mark("L"), f"for ecf in {_words(links)}; do [ -L \"$ecf\" ] && printf 'L|%s\\n' \"$ecf\"; done"]
    pairs = [(f"{i}|{kind}|{j}", e.get("path"), rx) for i, e in enumerate(entries)
             for kind in ("contains", "not_contains") for j, rx in enumerate(e.get(kind, ()))]
    if pairs:  # every regex of every file by the probe's one awk, not a grep each
        env = " ".join(f"ECT{k}={q(tag)} ECF{k}={q(path)} ECR{k}={q(rx)}" for k, (tag, path, rx) in enumerate(pairs))
        lines += [f"export ECN={len(pairs)} {env}", defer("file", "match", section="G")]
    utf8 = [e.get("path") for e in entries if e.get("utf8")]
    if utf8:  # lines that are not whole UTF-8 characters, counted per file, by one grep
        lines += [_mark("U"), f"grep -caxvHs -e '.*' -- {_words(utf8)}"]
    return "\n".join(lines)


def mount_command(entries: Sequence[Entry]) -> str:
    """The mount table read by the probe's awk; one df only for the entries that ask for a size."""
    sized = [e.get("path") for e in entries if e.get("min_size") is not None]
    df = [_mark("D"), f"df -P -B1 -- {_words(sized)} 2>/dev/null"] if sized else []
    return "\n".join([defer("mount", "lines", "/proc/self/mounts", "M"),
                      *df])


_DPKG_QUERY = "dpkg-query -W -f='${db:Status-Abbrev}|${Version}|${Package}\\n' -- "


def package_command(entries: Sequence[Entry]) -> str:
    """dpkg's own database read by the probe's awk (half of dpkg-query's CPU: no start, no
    reading of the available and triggers files), where no update of it is pending
    (dpkg-query would read /var/lib/dpkg/updates first) and awk is there; else dpkg-query,
    or rpm on RPM hosts."""
    listed = list(dict.fromkeys(e.get("name") for e in entries))
    names = _words(listed)
    read = defer("package", "dpkg", "/var/lib/dpkg/status", "dpkg")
    return (f"if command -v dpkg-query >/dev/null 2>&1; then {_mark('dpkg')}; ecpend=\n"
            "  for ecf in /var/lib/dpkg/updates/[0-9]*; do [ -e \"$ecf\" ] && ecpend=1; done\n"
            "  if [ -r /var/lib/dpkg/status ] && [ -z \"$ecpend\" ] && command -v awk >/dev/null 2>&1; then\n"
            f"    export ECP={q(chr(10).join(listed))}\n"
            f"    {read}\n"
            f"  else {_DPKG_QUERY}{names} 2>/dev/null; fi\n"
            f"elif command -v rpm >/dev/null 2>&1; then {_mark('rpm')}\n"
            f"  rpm -q --qf 'ii |%{{VERSION}}-%{{RELEASE}}|%{{NAME}}\\n' {names} 2>/dev/null\n"
            f"else {_mark('none')}; fi")


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
# A|unit|name (an alias: the link's target's name, the one unit systemctl knows it by). The
# files found are added to the probe's awk run (their [Install] keys). Then the enabling links,
# and the load and active states of the units (and of the aliases' targets) from PID 1.
_UNIT_FILES = (
    'ecnames=; ecdirs=\n'
    'for ecd in {dirs}; do [ -d "$ecd" ] && ecdirs="$ecdirs $ecd"; done\n'
    'for ecu in {units}; do\n'
    '  ect=${{ecu%%@*}}; if [ "$ect" = "$ecu" ]; then ect=; else ect="$ect@.${{ecu##*.}}"; fi\n'
    '  for ecd in $ecdirs; do\n'  # the unit's own name, then its template's (an instance's)
    '    ecf=$ecd/$ecu\n'
    '    if ! [ -L "$ecf" ] && ! [ -e "$ecf" ]; then\n'
    '      [ -n "$ect" ] || continue\n'
    '      ecf=$ecd/$ect; [ -L "$ecf" ] || [ -e "$ecf" ] || continue\n'
    '    fi\n'
    '    if [ -L "$ecf" ]; then printf \'F|%s|%s|L\\n\' "$ecu" "$ecf"; else printf \'F|%s|%s|-\\n\' "$ecu" "$ecf"; fi\n'
    '    if [ "$ecf" -ef /dev/null ]; then printf \'N|%s\\n\' "$ecu"\n'
    '    elif [ -L "$ecf" ]; then ecl=$(readlink -f -- "$ecf"); ecl=${{ecl##*/}}\n'
    '      [ "$ecl" = "${{ecf##*/}}" ] || {{ printf \'A|%s|%s\\n\' "$ecu" "$ecl"; ecnames="$ecnames $ecl"; }}\n'
    '      set -- "$@" "$ecf"\n'
    '    else set -- "$@" "$ecf"; fi\n'
    '    break\n'
    '  done\n'
    'done\n'
)


def service_command(entries: Sequence[Entry]) -> str:
    units = _words([unit(e.get("name")) for e in entries])
    dirs = " ".join(UNIT_DIRS)
    return "\n".join([
        defer("service", "keys", section="install"),
        _mark("files"), _UNIT_FILES.format(units=units, dirs=dirs).rstrip("\n"),
        _mark("links"), f'for ecf in {_ENABLING}; do [ -L "$ecf" ] && printf \'%s\\n\' "$ecf"; done',
        _mark("units"), "set -f",  # the aliases' names, word by word, never globs
        f"systemctl list-units --all --plain --no-legend --no-pager -- {units} $ecnames 2>/dev/null",
        "set +f"])  # the parts after this one glob again


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
    return "\n".join([*owners, defer("process", "first", "/proc/[0-9]*/comm", "C")])


def kernel_path(name: str) -> str:
    return "/proc/sys/" + name.replace(".", "/")


def kernel_command(entries: Sequence[Entry]) -> str:
    """Every parameter's first line, by one awk (the kernel answers a read of /proc/sys past
    offset 0 with end of file: the shell's byte-at-a-time `read` would get one character)."""
    return defer("kernel", "first", _words([kernel_path(e.get("name")) for e in entries]))


def _accounts(entries: Sequence[Entry]) -> tuple[tuple[str, str, list[str]], ...]:
    """(section mark, database, names) of the passwd and group lines the entries need."""
    users = [e.get("name") for e in entries if e.type == "user"]
    groups = [e.get("name") for e in entries if e.type == "group"] + \
             [e.get("group") for e in entries if e.type == "user" and e.get("group")]
    return tuple((mark, db, list(dict.fromkeys(names)))
                 for mark, db, names in (("P", "passwd", users), ("G", "group", groups)) if names)


def account_command(entries: Sequence[Entry]) -> str:
    """The local files read by the probe's awk (`@mark`, not `@part`: where there is no awk,
    getent answers instead, account_fallback); each user's groups by id."""
    lines = []
    for mark, db, names in _accounts(entries):
        lines += [f"export ECW{db}={q(' '.join(names))}",
                  defer("account", db, f"/etc/{db}", mark, awk_only=False)]
    for e in entries:
        if e.type == "user" and e.get("groups"):
            lines += [_mark("I|" + e.get("name")), f"id -Gn -- {q(e.get('name'))} 2>/dev/null"]
    return "\n".join(lines)


def account_fallback(entries: Sequence[Entry]) -> str:
    """After the probe's awk: getent (NSS: LDAP, sssd) for a database where a name was not in
    the local file, or where there is no awk (`$ecaw` bit 1 passwd, bit 2 group)."""
    return "\n".join(f"[ $((ecaw & {bit})) = 0 ] || {{ printf '%s\\n' {q(part_mark('account'))} {q(MARK + mark)}; "
                     f"getent {db} -- {_words(names)} 2>/dev/null; }}"
                     for mark, db, names in _accounts(entries) for bit in [1 if db == "passwd" else 2])


# Fixed text: the crontabs of the system and of every user (root reads the spool).
CRON_COMMAND = defer("cron", "marked", "/etc/crontab /etc/cron.d/* /var/spool/cron/crontabs/* /var/spool/cron/*")


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
    """curl in the probe's place (exec: the shell's fork for it spared, 0.3 ms on a lab host).
    HTTPS is verified against the host's trust store, or the entry's `ca_file` (a site's own
    CA, on the host); `insecure` skips the verification (a self-signed certificate)."""
    tls = (" -k" if e.get("insecure") else "") + (f" --cacert {q(e.get('ca_file'))}" if e.get("ca_file") else "")
    return (f"command -v curl >/dev/null 2>&1 || {{ {_mark('nocurl')}; exit 0; }}\n"
            f"exec curl -sS -m {int(e.get('timeout', 5))}{tls} -D - {q(e.get('url'))}")
