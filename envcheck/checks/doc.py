"""docs/checks.md, written from the check registry: `python -m envcheck.checks.doc docs/checks.md`
(`make docs`). Every check that `envcheck checks list` prints, host and fleet checks: its id,
severity, title and fix (en/zh), the facts it reads (each described by its parser's docstring)
and the playbook that fixes it. tests/unit/test_checks_doc.py fails when the file is not what
this module writes now.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from envcheck.audit.engine import HOST_FACT
from envcheck.checks import CHECKS, FACTS, FLEET_CHECKS, Check, Fact, FleetCheck, load_catalogue
from envcheck.checks.registry import Remediation
from envcheck.model import Severity

GENERATOR = "python -m envcheck.checks.doc"
_SEVERITIES = {
    Severity.CRITICAL: "breaks the go-live (a wrong timezone, garbled Chinese text)",
    Severity.MAJOR: "will hurt under load or at the first incident",
    Severity.MINOR: "worth fixing, not a blocker",
    Severity.INFO: "reported for the record",
}
_HOST_FACT = "the inventory's view of this host and its peers (names, groups, LAN addresses); no probe"
_NO_FACTS = ("no probe of its own: what each host's session measured (reachable or not, the clock "
             "offset of the clock exchange)")


def describe(fact: Fact) -> str:
    """What a fact reads: the first paragraph of its parser's docstring, else the first line of
    its probe command."""
    doc = (fact.parse.__doc__ or "").strip()
    if doc:
        return " ".join(doc.split("\n\n", 1)[0].split())
    if fact.command:
        return f"`{fact.command.strip().splitlines()[0]}`"
    return "a probe built for each host from the inventory and the standard"


def _md(text: str) -> str:
    """Text for Markdown: outside `code` spans, * < > are escaped."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("*", "\\*").replace("<", "&lt;").replace(">", "&gt;")
    return "`".join(parts)


def _fixed_by(rem: Remediation) -> str:
    if rem.manual:
        return "by hand: `envcheck fix` lists the failure with its fix / 需手动修复"
    tags = "".join(f" --tags {t}" for t in rem.tags)
    return (f"`envcheck deploy {rem.playbook}{tags}`, which `envcheck fix` runs on the failing hosts "
            "/ 可由 `envcheck fix` 修复")


def _reads(fact_ids: Sequence[str]) -> list[str]:
    lines = []
    for fid in fact_ids:
        if fid == HOST_FACT:
            lines.append(f"  - `{fid}`: {_md(_HOST_FACT)}")
            continue
        fact = FACTS[fid]
        root = " (as root)" if fact.sudo else ""
        lines.append(f"  - `{fid}`{root}: {_md(describe(fact))}")
    return lines or [f"  - {_md(_NO_FACTS)}"]


def _entry(check: Check | FleetCheck) -> list[str]:
    return [
        f"### {check.id}",
        "",
        f"**{check.severity}** · {_md(check.title.get('en'))} / {_md(check.title.get('zh'))}",
        "",
        "- Reads / 读取:",
        *_reads(check.facts),
        f"- Fix: {_md(check.fix.get('en'))}",
        f"- 修复:{_md(check.fix.get('zh'))}",
        f"- Fixed by / 修复方式: {_fixed_by(check.remediation)}",
        "",
    ]


def _areas(checks: Iterable[Check]) -> dict[str, list[Check]]:
    by_area: dict[str, list[Check]] = {}
    for c in checks:
        by_area.setdefault(c.area, []).append(c)
    return by_area


def render() -> str:
    """The whole of docs/checks.md."""
    load_catalogue()
    host, fleet = list(CHECKS.values()), list(FLEET_CHECKS.values())
    areas = _areas(host)
    out = [
        "# Checks / 检查项",
        "",
        f"<!-- Written by `{GENERATOR} docs/checks.md` (`make docs`) from the check registry. "
        "Do not edit: change the checks, then run `make docs`. -->",
        "",
        f"{len(host) + len(fleet)} checks, as `envcheck checks list` prints them: {len(host)} host checks, "
        f"run on every host, and {len(fleet)} fleet checks, which compare the hosts with each other. "
        "`envcheck check -c ID` (or `-c AREA`) runs some of them. A check whose subject is not on a host "
        "(no MySQL there) is skipped on it.",
        "",
        f"共 {len(host) + len(fleet)} 项检查:{len(host)} 项在每台主机上执行,{len(fleet)} 项跨主机比对。",
        "",
        "Severities / 严重程度: " + "; ".join(f"**{s}**: {_SEVERITIES[s]}" for s in Severity) + ".",
        "",
        "Each check reads *facts*: what one probe prints on the host, parsed on the controller; every "
        "probe of a host runs in the one SSH session of that host (docs/design.md).",
        "",
        "| area | checks |",
        "| --- | --- |",
        *(f"| {area} | {', '.join(c.id for c in checks)} |" for area, checks in areas.items()),
        f"| fleet | {', '.join(c.id for c in fleet)} |",
        "",
    ]
    for area, checks in areas.items():
        out += [f"## {area}", ""]
        for c in checks:
            out += _entry(c)
    out += ["## fleet", "", "Compared across all hosts of the run / 跨主机比对。", ""]
    for fc in fleet:
        out += _entry(fc)
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print(f"usage: {GENERATOR} [OUTPUT]  (default: standard output)", file=sys.stderr)
        return 2
    text = render()
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
