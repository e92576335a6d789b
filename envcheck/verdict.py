"""The verdict, decided here and nowhere else: the terminal summary, the JSON, JUnit and
Markdown of `check` and the HTML and Markdown report all say what `judge` says.

A run is Ready only when it is complete, every host it was asked to check answered, the whole
catalogue (or the site's declared selection, `envcheck_checks`) ran on the whole inventory,
and nothing failed or erred beyond the waivers in force. Otherwise the verdict gives every
reason: incomplete, N of M hosts unreachable, K of L checks run, limited hosts, failures,
errors, expired waivers, open items of verify and deploy.

Both the check outputs and the report judge the same document, a check run's result.json
(envcheck.output.json_format.as_dict): one path from the data to the words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from envcheck.i18n import colon, t
from envcheck.model import Waiver


@dataclass(frozen=True)
class Scope:
    """What a check run was asked to cover, kept in its result.json and run.json."""

    inventory: tuple[str, ...] = ()  # the sources as given (none: this machine)
    inventory_paths: tuple[str, ...] = ()  # the same, absolute: how runs of one inventory are told
    limit: str | None = None
    selection: tuple[str, ...] = ()  # -c ids or areas as given
    checks_run: tuple[str, ...] = ()  # the ids that ran
    checks_required: tuple[str, ...] = ()  # the site's declared selection, or the whole catalogue
    declared: bool = False  # checks_required is the site's selection (envcheck_checks)
    site: Mapping[str, str] = field(default_factory=dict)  # customer, project, site, environment, ...
    waivers: tuple[Waiver, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"inventory": list(self.inventory), "inventory_paths": list(self.inventory_paths),
                "limit": self.limit, "selection": list(self.selection), "checks_run": list(self.checks_run),
                "checks_required": list(self.checks_required), "declared": self.declared,
                "site": dict(self.site), "waivers": [w.to_json() for w in self.waivers]}


@dataclass(frozen=True)
class Coverage:
    complete: bool
    hosts: tuple[str, ...]  # every host the run was asked to check
    unreachable: tuple[str, ...]
    pending: tuple[str, ...]  # not finished when the run was interrupted
    checks_run: int  # of the required ones
    checks_required: int
    declared: bool
    limit: str | None
    inventory: tuple[str, ...]
    counts: Mapping[str, int]  # result status -> number
    expired: int  # results whose waiver has expired
    recorded: bool = True  # False: a run of an older envcheck, its selection not recorded

    @property
    def answered(self) -> int:
        return len(self.hosts) - len(self.unreachable) - len(self.pending)

    def lines(self, lang: str) -> list[str]:
        """The coverage, one line each: hosts, checks, inventory."""
        what = t("coverage.declared" if self.declared else "coverage.catalogue", lang)
        inventory = ", ".join(self.inventory) if self.inventory else t("coverage.local", lang)
        limit = f" (--limit {self.limit})" if self.limit else ""
        checks = (t("coverage.checks", lang, run=self.checks_run, required=self.checks_required, what=what)
                  if self.recorded else t("coverage.checks_unknown", lang, run=self.checks_run))
        return [t("coverage.hosts", lang, answered=self.answered, total=len(self.hosts)) + limit, checks,
                f"{t('coverage.inventory', lang)}{colon(lang)}{inventory}"]


@dataclass(frozen=True)
class Reason:
    key: str  # a key of envcheck.i18n: "verdict.failed"
    values: Mapping[str, Any] = field(default_factory=dict)

    def say(self, lang: str) -> str:
        return t(self.key, lang, **self.values)


@dataclass(frozen=True)
class Verdict:
    ready: bool
    reasons: tuple[Reason, ...]  # why not (empty when ready)
    notes: tuple[Reason, ...]  # what a reader should know anyway (waived, warnings)
    coverage: Coverage | None  # None: no check run

    @property
    def unreachable(self) -> bool:
        return bool(self.coverage and self.coverage.unreachable)

    def headline(self, lang: str) -> str:
        return t("verdict.ready" if self.ready else "verdict.not_ready", lang)

    def text(self, lang: str) -> str:
        """"Not ready: interrupted ...; 2 of 5 hosts unreachable; 6 failed"."""
        sep = t("verdict.sep", lang)
        if self.ready:
            body = t("verdict.all_good", lang)
        else:
            body = sep.join(r.say(lang) for r in self.reasons)
        notes = sep.join(n.say(lang) for n in self.notes)
        return f"{self.headline(lang)}{colon(lang)}{body}" + (f"{sep}{notes}" if notes else "")

    def to_json(self, lang: str) -> dict[str, Any]:
        return {"ready": self.ready, "text": self.text(lang),
                "reasons": [{"key": r.key.removeprefix("verdict."), **r.values, "text": r.say(lang)}
                            for r in self.reasons],
                "coverage": self.coverage.lines(lang) if self.coverage else []}


def coverage_of(doc: Mapping[str, Any], record: Mapping[str, Any] | None = None) -> Coverage:
    """The coverage of a check run from its result.json (and run.json, for older runs whose
    result.json lacks the scope and the pending hosts)."""
    record = record or {}
    scope = doc.get("scope") or record.get("scope") or {}
    hosts_seen = [h for h in doc.get("hosts", []) if isinstance(h, Mapping)]
    pending = tuple(str(h) for h in (doc.get("pending") or record.get("pending") or ()))
    names = [str(h.get("name")) for h in hosts_seen]
    asked = [str(h) for h in (record.get("hosts") or ())]
    hosts = tuple(dict.fromkeys([*asked, *names, *pending]))
    unreachable = tuple(str(h.get("name")) for h in hosts_seen if not h.get("reachable", True))
    results = [r for r in doc.get("results", []) if isinstance(r, Mapping)]
    counts = Counter(str(r.get("status")) for r in results)
    expired = sum(1 for r in results if isinstance(r.get("waiver"), Mapping) and r["waiver"].get("expired"))
    ran = _ran(results, set(names) - set(unreachable))
    required = list(scope.get("checks_required") or sorted(ran))
    complete = bool(doc.get("complete", True)) and bool(record.get("complete", True))
    return Coverage(complete, hosts, unreachable, pending, sum(1 for c in required if c in ran), len(required),
                    bool(scope.get("declared")), scope.get("limit"),
                    tuple(scope.get("inventory") or record.get("inventory") or ()), dict(counts), expired,
                    bool(scope.get("checks_required")))


def _ran(results: list[Mapping[str, Any]], answered: set[str]) -> set[str]:
    """The checks that ran: evaluated on a host that answered (a skip counts: it was judged
    not to apply there); a check across hosts when any host answered."""
    return {str(r.get("check")) for r in results
            if (r.get("host") in answered) or (r.get("host") is None and answered)}


def judge(coverage: Coverage | None, open_items: int = 0) -> Verdict:
    """The verdict on a check run's coverage (None: there is none), with `open_items` more
    blocking items found elsewhere (failed verify tests, failed deploy tasks)."""
    reasons: list[Reason] = []
    notes: list[Reason] = []
    if coverage is None:
        reasons.append(Reason("verdict.no_check"))
    else:
        c = coverage
        if not c.complete:
            reasons.append(Reason("verdict.interrupted", {"pending": len(c.pending), "total": len(c.hosts)})
                           if c.pending else Reason("verdict.incomplete"))
        if not c.hosts:
            reasons.append(Reason("verdict.no_host"))
        if c.unreachable:
            reasons.append(Reason("verdict.unreachable", {"n": len(c.unreachable), "m": len(c.hosts)}))
        if not c.recorded:
            reasons.append(Reason("verdict.unknown_selection"))
        elif c.checks_run < c.checks_required:
            reasons.append(Reason("verdict.partial", {"k": c.checks_run, "l": c.checks_required}))
        if c.limit:
            reasons.append(Reason("verdict.limited", {"limit": c.limit}))
        failed = c.counts.get("fail", 0)
        if failed:
            reasons.append(Reason("verdict.failed", {"n": failed}))
        if c.expired:
            reasons.append(Reason("verdict.expired", {"n": c.expired}))
        if c.counts.get("error", 0):
            reasons.append(Reason("verdict.errors", {"n": c.counts["error"]}))
        if c.counts.get("waived", 0):
            notes.append(Reason("verdict.waived", {"n": c.counts["waived"]}))
        if c.counts.get("warn", 0):
            notes.append(Reason("verdict.warnings", {"n": c.counts["warn"]}))
    if open_items:
        reasons.append(Reason("verdict.open_items", {"n": open_items}))
    return Verdict(not reasons, tuple(reasons), tuple(notes), coverage)


def of_result(doc: Mapping[str, Any], record: Mapping[str, Any] | None = None) -> Verdict:
    return judge(coverage_of(doc, record))


def of_report(report: Any) -> Verdict:
    """The verdict on an AuditReport (the check outputs): judged on the fields of its JSON
    document that coverage_of reads, not the whole document (2,660 results rendered to JSON
    again were 11 ms of a 10-host run with 200 site checks, after the last host answered)."""
    return of_result({
        "complete": report.complete,
        "pending": list(report.pending),
        "scope": report.scope.to_json(),
        "hosts": [{"name": h.status.name, "reachable": h.status.reachable} for h in report.hosts],
        "results": [{"host": r.host, "check": r.check, "status": str(r.status),
                     "waiver": r.waiver.to_json() if r.waiver is not None else None} for r in report.results],
    })
