"""Site checks: the site's own musts declared in the inventory (`site_checks`), compiled per
host into facts of its one probe script and checks evaluated like the catalogue's
(docs/site-checks.md)."""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from envcheck.checks.registry import Check, Fact
from envcheck.model import FactError, Outcome, ProbeOutput, Status, Text
from envcheck.sitechecks import facts as parsers
from envcheck.sitechecks import probes
from envcheck.sitechecks.evaluate import EVALUATE
from envcheck.sitechecks.spec import Entry, declaring_file, parse_host, variables_of

if TYPE_CHECKING:
    from envcheck.inventory import InventoryHost

AREA = "site"

# type -> (its part of a probe, the part's command for every entry of the type, its parser)
_PARTS: dict[str, tuple[str, Callable[[Sequence[Entry]], str], Callable[..., Any]]] = {
    "file": ("file", probes.file_command, parsers.parse_file),
    "mount": ("mount", probes.mount_command, parsers.parse_mount),
    "java": ("java", probes.java_command, parsers.parse_java),
    "package": ("package", probes.package_command, parsers.parse_package),
    "service": ("service", probes.service_command, parsers.parse_service),
    "port": ("port", probes.port_command, parsers.parse_port),
    "process": ("process", probes.process_command, parsers.parse_process),
    "kernel_param": ("kernel", probes.kernel_command, parsers.parse_kernel),
    "user": ("account", probes.account_command, parsers.parse_account),
    "group": ("account", probes.account_command, parsers.parse_account),
    "cron": ("cron", lambda _: probes.CRON_COMMAND, parsers.parse_cron),
}
# The parts that read the site's own paths (a dead NFS mount can hang them) run in one probe,
# those that read the system's tables in another, and what needs root apart from what does
# not (a host where sudo fails still answers the rest): at most four probes however many
# types and entries, plus one per `command` and `http` entry. A probe costs the host a
# subshell and the watchdog's bookkeeping (0.75 ms); one per type was 11 (bench/README.md).
_PATH_PARTS = ("file", "mount", "java")


def _needs_root(e: Entry) -> bool:
    return e.type in ("file", "cron") or bool(e.type == "port" and e.get("process"))


class SiteChecks:
    """A host's site checks: the facts its probe script gains and the checks that read them."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = tuple(entries)
        self.facts: list[Fact] = []
        self.checks: list[Check] = []
        batched = [e for e in self.entries if e.type in _PARTS]
        for e in self.entries:
            if e.type not in _PARTS:
                self._single(e)
        # A part needs root when one of its entries does; fact id -> part -> entries, as declared.
        rooted = {_PARTS[e.type][0] for e in batched if _needs_root(e)}
        by_probe: dict[str, dict[str, list[Entry]]] = {}
        for e in batched:
            part = _PARTS[e.type][0]
            fact_id = "site:" + ("paths" if part in _PATH_PARTS else "system") + ("-root" if part in rooted else "")
            by_probe.setdefault(fact_id, {}).setdefault(part, []).append(e)
        for fact_id, parts in by_probe.items():
            members = {part: tuple(es) for part, es in parts.items()}
            self.facts.append(Fact(fact_id, _command(members), partial(_parse, members),
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


def _part_mark(part: str) -> str:
    return probes.MARK + "@" + part


def _command(members: Mapping[str, Sequence[Entry]]) -> str:
    """One probe's text: each part under its mark (`--@file`), the parts' own marks below it."""
    types = {part: _PARTS[es[0].type] for part, es in members.items()}
    return "\n".join(f"printf '%s\\n' {_part_mark(part)}\n{types[part][1](es)}" for part, es in members.items())


def _parse(members: Mapping[str, Sequence[Entry]], out: ProbeOutput) -> dict[str, Any]:
    """part -> what its parser read from the lines under the part's mark (a FactError where
    the part printed nothing, or its parser failed: the other parts stand)."""
    marks = {_part_mark(part): part for part in members}
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
            values[part] = _PARTS[es[0].type][2](ProbeOutput("\n".join(texts[part]) + "\n", out.rc, out.stderr), es)
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


def for_host(variables: Mapping[str, Any], sources: Sequence[str]) -> SiteChecks:
    """A host's site checks from its inventory variables (hosts declaring the same lists share
    one compiled set); a malformed entry is BadInput naming file, entry and field."""
    declared = {k: variables[k] for k in variables_of(variables)}
    key = json.dumps(declared, sort_keys=True, default=str)
    if key not in _CACHE:
        if len(_CACHE) >= 256:  # `serve` re-reads an inventory that may be edited: bounded
            _CACHE.clear()
        _CACHE[key] = SiteChecks(parse_host(declared, lambda var: declaring_file(sources, var)))
    return _CACHE[key]


# host object's id -> its site checks, for as long as the host object lives: a run asks for a
# host's checks four times (the selection, the scope twice, the audit), and the key for_host
# computes (its lists as JSON) was 2 ms a host for 200 entries (0.02 s of a 10-host run, serial).
_OF_HOST: dict[int, SiteChecks] = {}


def of_host(host: InventoryHost, sources: Sequence[str]) -> SiteChecks:
    """for_host(host.variables, sources), once per inventory host object."""
    key = id(host)
    found = _OF_HOST.get(key)
    if found is None:
        found = _OF_HOST[key] = for_host(host.variables, sources)
        weakref.finalize(host, _OF_HOST.pop, key, None)
    return found


__all__ = ["AREA", "Entry", "SiteChecks", "for_host", "of_host"]
