"""Site checks: the site's own musts declared in the inventory (`site_checks`), compiled per
host into facts of its one probe script and checks evaluated like the catalogue's
(docs/site-checks.md)."""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from envcheck.checks.registry import Check, Fact
from envcheck.model import FactError, Outcome, ProbeOutput, Status, Text
from envcheck.sitechecks import facts as parsers
from envcheck.sitechecks import probes
from envcheck.sitechecks.evaluate import EVALUATE
from envcheck.sitechecks.spec import Entry, declaring_file, parse_host, variables_of

if TYPE_CHECKING:
    from envcheck.inventory import InventoryHost

AREA = "site"

class Part(NamedTuple):
    """A resource type's part of a probe: its name, its command for every entry of the type,
    its parser; what runs after the probe's one awk (account_fallback); whether its programs
    read text as UTF-8 (file regexes, `java -version`): the others run under LC_ALL=C, which
    spares every exec loading the C.UTF-8 locale (0.18 ms each on a lab host, measured)."""

    name: str
    command: Callable[[Sequence[Entry]], str]
    parse: Callable[..., Any]
    after: Callable[[Sequence[Entry]], str] | None = None
    utf8: bool = False


_PARTS: dict[str, Part] = {
    "file": Part("file", probes.file_command, parsers.parse_file, utf8=True),
    "mount": Part("mount", probes.mount_command, parsers.parse_mount),
    "java": Part("java", probes.java_command, parsers.parse_java, utf8=True),
    "package": Part("package", probes.package_command, parsers.parse_package),
    "service": Part("service", probes.service_command, parsers.parse_service),
    "port": Part("port", probes.port_command, parsers.parse_port),
    "process": Part("process", probes.process_command, parsers.parse_process),
    "kernel_param": Part("kernel", probes.kernel_command, parsers.parse_kernel),
    "user": Part("account", probes.account_command, parsers.parse_account, probes.account_fallback),
    "group": Part("account", probes.account_command, parsers.parse_account, probes.account_fallback),
    "cron": Part("cron", lambda _: probes.CRON_COMMAND, parsers.parse_cron),
}
# The parts that read the site's own paths (a dead NFS mount can hang them) run in one probe,
# those that read the system's tables in another, and what needs root apart from what does
# not (a host where sudo fails still answers the rest): at most four probes however many
# types and entries, plus one per `command` and `http` entry. A probe costs the host a
# subshell and the watchdog's bookkeeping (0.75 ms); one per type was 11 (bench/README.md).
# Where the login is root there is no sudo to fail: two probes, one awk fewer each (1.3 ms).
_PATH_PARTS = ("file", "mount", "java")


def _needs_root(e: Entry) -> bool:
    return e.type in ("file", "cron") or bool(e.type == "port" and e.get("process"))


class SiteChecks:
    """A host's site checks: the facts its probe script gains and the checks that read them."""

    def __init__(self, entries: Sequence[Entry], as_root: bool = False) -> None:
        """`as_root`: the host's login is root (every probe runs as root, none needs sudo)."""
        self.entries = tuple(entries)
        self.facts: list[Fact] = []
        self.checks: list[Check] = []
        batched = [e for e in self.entries if e.type in _PARTS]
        for e in self.entries:
            if e.type not in _PARTS:
                self._single(e)
        # A part needs root when one of its entries does; fact id -> part -> entries, as declared.
        rooted = {_PARTS[e.type].name for e in batched if as_root or _needs_root(e)}
        by_probe: dict[str, dict[str, list[Entry]]] = {}
        for e in batched:
            part = _PARTS[e.type].name
            fact_id = "site:" + ("paths" if part in _PATH_PARTS else "system") + ("-root" if part in rooted else "")
            by_probe.setdefault(fact_id, {}).setdefault(part, []).append(e)
        for fact_id, parts in by_probe.items():
            members = {part: tuple(es) for part, es in parts.items()}
            self.facts.append(Fact(fact_id, probe_text(members), partial(parse_probe, members),
                                   sudo=fact_id.endswith("-root"), may_block=True, timeout=30.0))
            for part, es in members.items():
                self.checks += [_check(e, fact_id, part, i) for i, e in enumerate(es)]
        order = {e.id: n for n, e in enumerate(self.entries)}
        self.checks.sort(key=lambda c: order[c.id])

    def _single(self, e: Entry) -> None:
        fact_id = f"site:{e.type}:{e.name}"
        if e.type == "command":
            fact = Fact(fact_id, e.get("command"), partial(_parse_single, parsers.parse_command, e),
                        sudo=bool(e.get("sudo")), timeout=float(e.get("timeout", 10)))
        else:
            fact = Fact(fact_id, probes.http_command(e), partial(_parse_single, parsers.parse_http, e),
                        timeout=float(e.get("timeout", 5)) + 5)
        self.facts.append(fact)
        self.checks.append(_check(e, fact_id, None, 0))

    def selected(self, only: Sequence[str]) -> list[Check]:
        """The checks a selection names (`site`, a `site.<name>`), all without one."""
        if not only:
            return self.checks
        return [c for c in self.checks if AREA in only or c.id in only]


def probe_text(members: Mapping[str, Sequence[Entry]]) -> str:
    """One probe's text: each part under its mark (`--@file`), in its locale, adding to "$@"
    what the probe's one awk reads at the end (probes.READER); then what runs after it."""
    parts = {name: _PARTS[es[0].type] for name, es in members.items()}
    utf8 = any(p.utf8 for p in parts.values())
    lines = ["set --"]
    for name, es in members.items():
        lines += [f"LC_ALL={'C.UTF-8' if parts[name].utf8 else 'C'}", f"printf '%s\\n' {probes.part_mark(name)}",
                  parts[name].command(es)]
    lines += ["LC_ALL=C.UTF-8", probes.run_reader("C.UTF-8" if utf8 else "C")]
    lines += [after(members[name]) for name, p in parts.items() if (after := p.after) is not None]
    return "\n".join([*lines, ":"])


def parse_probe(members: Mapping[str, Sequence[Entry]], out: ProbeOutput) -> dict[str, Any]:
    """part -> what its parser read from the lines under the part's mark (a FactError where
    the part printed nothing, or its parser failed: the other parts stand)."""
    marks = {probes.part_mark(part): part for part in members}
    texts: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in out.stdout.splitlines():
        if line in marks:
            current = texts.setdefault(marks[line], [])
        elif current is not None:
            current.append(line)
    values: dict[str, Any] = {}
    for part, es in members.items():
        if part not in texts:
            values[part] = FactError(f"the site probe stopped before its {part} part")
            continue
        if probes.NO_AWK in texts[part]:
            values[part] = FactError(f"awk is not installed on the host: the {part} entries cannot be read")
            continue
        try:
            values[part] = _PARTS[es[0].type].parse(ProbeOutput("\n".join(texts[part]) + "\n", out.rc, out.stderr), es)
        except Exception as exc:  # an output never seen: this part's entries are errors, not a crash
            values[part] = FactError(f"cannot read the site probe's {part} part: {type(exc).__name__}: {exc}")
    return values


def _parse_single(parse: Callable[[ProbeOutput, Sequence[Entry]], Any], e: Entry, out: ProbeOutput) -> Any:
    return parse(out, (e,))


def _check(e: Entry, fact_id: str, part: str | None, index: int) -> Check:
    evaluate = EVALUATE[e.type]

    def run(values: Mapping[str, Any], _std: Any) -> Outcome:
        read = values[fact_id] if part is None else values[fact_id][part]
        if isinstance(read, FactError):
            return Outcome(Status.ERROR, message=Text(read.message, read.message))
        return evaluate(e, index, read)

    return Check(e.id, e.title, e.fix, e.severity, (fact_id,), run)


_CACHE: dict[str, SiteChecks] = {}


def for_host(variables: Mapping[str, Any], sources: Sequence[str], as_root: bool = False) -> SiteChecks:
    """A host's site checks from its inventory variables (hosts declaring the same lists share
    one compiled set); a malformed entry is BadInput naming file, entry and field. `as_root`:
    the host's login is root."""
    declared = {k: variables[k] for k in variables_of(variables)}
    key = json.dumps([declared, as_root], sort_keys=True, default=str)
    if key not in _CACHE:
        if len(_CACHE) >= 256:  # `serve` re-reads an inventory that may be edited: bounded
            _CACHE.clear()
        _CACHE[key] = SiteChecks(parse_host(declared, lambda var: declaring_file(sources, var)), as_root)
    return _CACHE[key]


# host object's id -> its site checks, for as long as the host object lives: a run asks for a
# host's checks four times (the selection, the scope twice, the audit), and the key for_host
# computes (its lists as JSON) was 2 ms a host for 200 entries (0.02 s of a 10-host run, serial).
_OF_HOST: dict[int, SiteChecks] = {}


def of_host(host: InventoryHost, sources: Sequence[str]) -> SiteChecks:
    """for_host() of the host's variables and login, once per inventory host object."""
    key = id(host)
    found = _OF_HOST.get(key)
    if found is None:
        found = _OF_HOST[key] = for_host(host.variables, sources, host.target.user == "root")
        weakref.finalize(host, _OF_HOST.pop, key, None)
    return found


__all__ = ["AREA", "Entry", "SiteChecks", "for_host", "of_host", "parse_probe", "probe_text"]
