"""Site checks: the site's own musts declared in the inventory (`site_checks`), compiled per
host into facts of its one probe script and checks evaluated like the catalogue's
(docs/site-checks.md)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from envcheck.checks.registry import Check, Fact
from envcheck.model import Outcome, ProbeOutput
from envcheck.sitechecks import facts as parsers
from envcheck.sitechecks import probes
from envcheck.sitechecks.evaluate import EVALUATE
from envcheck.sitechecks.spec import Entry, declaring_file, parse_host, variables_of

AREA = "site"

# type -> (fact id, the probe of every entry of the type, its parser, sudo, may block)
_BATCHED: dict[str, tuple[str, Callable[[Sequence[Entry]], str], Callable[..., Any], bool, bool]] = {
    "file": ("site:file", probes.file_command, parsers.parse_file, True, True),
    "mount": ("site:mount", probes.mount_command, parsers.parse_mount, False, True),
    "package": ("site:package", probes.package_command, parsers.parse_package, False, True),
    "service": ("site:service", probes.service_command, parsers.parse_service, False, True),
    "port": ("site:port", probes.port_command, parsers.parse_port, False, True),
    "process": ("site:process", probes.process_command, parsers.parse_process, False, False),
    "kernel_param": ("site:kernel", probes.kernel_command, parsers.parse_kernel, False, False),
    "user": ("site:account", probes.account_command, parsers.parse_account, False, True),
    "group": ("site:account", probes.account_command, parsers.parse_account, False, True),
    "cron": ("site:cron", lambda _: probes.CRON_COMMAND, parsers.parse_cron, True, False),
    "java": ("site:java", probes.java_command, parsers.parse_java, False, True),
}


class SiteChecks:
    """A host's site checks: the facts its probe script gains and the checks that read them."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = tuple(entries)
        self.facts: list[Fact] = []
        self.checks: list[Check] = []
        groups: dict[str, list[Entry]] = {}
        for e in self.entries:
            if e.type in _BATCHED:
                groups.setdefault(_BATCHED[e.type][0], []).append(e)
            else:
                self._single(e)
        for fact_id, members in groups.items():
            _, command, parse, sudo, may_block = _BATCHED[members[0].type]
            entries = tuple(members)
            self.facts.append(Fact(fact_id, command(entries), partial(_parse, parse, entries),
                                   sudo=sudo and any(self._needs_root(e) for e in entries), may_block=may_block,
                                   timeout=30.0))
            for i, e in enumerate(entries):
                self.checks.append(_check(e, fact_id, i))

    @staticmethod
    def _needs_root(e: Entry) -> bool:
        return e.type in ("file", "cron") or bool(e.type == "port" and e.get("process"))

    def _single(self, e: Entry) -> None:
        fact_id = f"site:{e.type}:{e.name}"
        if e.type == "command":
            fact = Fact(fact_id, e.get("command"), partial(_parse, parsers.parse_command, (e,)),
                        sudo=bool(e.get("sudo")), timeout=float(e.get("timeout", 10)))
        else:
            fact = Fact(fact_id, probes.http_command(e), partial(_parse, parsers.parse_http, (e,)),
                        timeout=float(e.get("timeout", 5)) + 5)
        self.facts.append(fact)
        self.checks.append(_check(e, fact_id, 0))

    def selected(self, only: Sequence[str]) -> list[Check]:
        """The checks a selection names (`site`, a `site.<name>`), all without one."""
        if not only:
            return self.checks
        return [c for c in self.checks if AREA in only or c.id in only]


def _parse(parse: Callable[[ProbeOutput, Sequence[Entry]], Any], entries: Sequence[Entry], out: ProbeOutput) -> Any:
    return parse(out, entries)


def _check(e: Entry, fact_id: str, index: int) -> Check:
    evaluate = EVALUATE[e.type]

    def run(values: Mapping[str, Any], _std: Any) -> Outcome:
        return evaluate(e, index, values[fact_id])

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


__all__ = ["AREA", "Entry", "SiteChecks", "for_host"]
