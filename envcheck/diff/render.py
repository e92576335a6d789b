"""A diff as a table (terminal), JSON, Markdown or HTML (a section the report can include)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from itertools import groupby
from pathlib import Path

from envcheck.diff.compare import DiffResult, Pair
from envcheck.i18n import t
from envcheck.report.markup import md_cell
from envcheck.runs import json_text

TEMPLATE = Path(__file__).resolve().parents[1] / "report" / "templates" / "diff.html.j2"
FORMATS = ("table", "json", "markdown", "html")
_SHA = re.compile(r"sha256:([0-9a-f]{12})[0-9a-f]{52}")


def shown(value: str | None, lang: str) -> str:
    """A value for people: a missing one says so, a sha256 is cut to 12 digits."""
    if value is None:
        return t("diff.missing", lang)
    return _SHA.sub(r"sha256:\1…", value)


def _pair_title(p: Pair, lang: str) -> str:
    return t("diff.pair", lang, a=p.a.name, b=p.b.name, n=len(p.differences))


def _lists(result: DiffResult, lang: str) -> list[str]:
    lines = []
    for key, names in (("diff.only_a", result.only_a), ("diff.only_b", result.only_b),
                       ("diff.unreachable", result.unreachable)):
        if names:
            lines.append(t(key, lang, hosts=", ".join(names)))
    return lines


def render_table(result: DiffResult, lang: str) -> str:
    out = [t("diff.sides", lang, a=result.a, b=result.b)]
    for p in result.pairs:
        out.append("")
        out.append(_pair_title(p, lang))
        for name, group in groupby(p.differences, key=lambda d: d.area):
            out.append(f"  [{name}]")
            for d in group:
                out.append(f"    {d.item}")
                out.append(f"      A: {shown(d.a, lang)}")
                out.append(f"      B: {shown(d.b, lang)}")
        if p.ignored:
            out.append("  " + t("diff.ignored", lang, n=p.ignored))
        if p.not_compared:
            out.append("  " + t("diff.not_compared", lang, areas=", ".join(p.not_compared)))
    lists = _lists(result, lang)
    out += ["", *lists] if lists else []
    return "\n".join(out) + "\n"


def render_json(result: DiffResult, lang: str) -> str:
    return json_text(result.to_json())


def render_markdown(result: DiffResult, lang: str) -> str:
    say = partial(t, lang=lang)
    out = [f"## {say('diff.title')}", "", say("diff.sides", a=result.a, b=result.b), ""]
    for p in result.pairs:
        out += [f"### {_pair_title(p, lang)}", ""]
        if p.differences:
            out += [f"| {say('diff.area')} | {say('diff.item')} | A | B |", "| --- | --- | --- | --- |"]
            out += [f"| {d.area} | {md_cell(d.item)} | {md_cell(shown(d.a, lang))} | {md_cell(shown(d.b, lang))} |"
                    for d in p.differences]
            out.append("")
        if p.ignored:
            out += [say("diff.ignored", n=p.ignored), ""]
    out += [f"- {line}" for line in _lists(result, lang)]
    return "\n".join(out).rstrip("\n") + "\n"


def render_html(result: DiffResult, lang: str) -> str:
    """The diff section (<section id="diff">), for the report or on its own."""
    import jinja2  # noqa: PLC0415 (jinja2: ~23 ms, not for --help)

    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    template = env.from_string(TEMPLATE.read_text(encoding="utf-8"))
    def area_rows(p: Pair) -> list[tuple[str, list[object]]]:
        return [(name, list(group)) for name, group in groupby(p.differences, key=lambda d: d.area)]

    return template.render(r=result, area_rows=area_rows, t=partial(t, lang=lang), shown=partial(shown, lang=lang),
                           title=partial(_pair_title, lang=lang), lists=_lists(result, lang)) + "\n"


RENDER: dict[str, Callable[[DiffResult, str], str]] = {
    "table": render_table, "json": render_json, "markdown": render_markdown, "html": render_html}
