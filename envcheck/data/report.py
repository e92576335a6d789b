"""The report's "Data migration" section: the checklist of the latest `envcheck data compare`
run, rendered from its evidence by its own template (templates/data.html.j2) so the report
includes it as one piece of markup; Markdown for the Markdown report."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

from envcheck.data.checklist import figures_text
from envcheck.i18n import t
from envcheck.runs import latest_run

TEMPLATES = Path(__file__).resolve().parent / "templates"


def keys_text(group: dict[str, Any], limit: int = 20) -> str:
    """patient: 11, 12 (a one-column key as its value), (+n) for those not shown."""
    keys = [k[0] if isinstance(k, list) and len(k) == 1 else k for k in group["keys"][:limit]]
    more = f" (+{group['count'] - len(keys)})" if group.get("count", 0) > len(keys) else ""
    return f"{group['table']}: {', '.join(json.dumps(k, ensure_ascii=False) for k in keys)}{more}"


def _context(run: Path, lang: str) -> dict[str, Any]:
    doc = json.loads((run / "checklist.json").read_text(encoding="utf-8"))
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    failed = sum(1 for i in doc["items"] if i["status"] != "pass")
    return {"doc": doc, "lang": lang, "path": str(run), "failed": failed, "passed": len(doc["items"]) - failed,
            "started": str(record.get("started", ""))[:19].replace("T", " "), "t": partial(t, lang=lang),
            "keys_text": keys_text, "figures_text": figures_text}


def section_html(run: Path, lang: str) -> str:
    import jinja2  # noqa: PLC0415 (not for --help)

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    return env.get_template("data.html.j2").render(**_context(run, lang))


def section_markdown(run: Path, lang: str) -> str:
    c = _context(run, lang)
    tr = c["t"]
    lines = [f"## {tr('data.section')}", "", f"{tr('data.databases')}: `{c['doc']['source']}` → `{c['doc']['target']}`",
             "", tr("data.summary", passed=c["passed"], failed=c["failed"]), "",
             f"| {tr('status')} | {tr('data.item')} | {tr('data.figures')} | {tr('data.keys')} |", "|---|---|---|---|"]
    for i in c["doc"]["items"]:
        keys = "; ".join(keys_text(g) for g in i["keys"])
        cells = [tr(f"data.status_{i['status']}"), i["title"][lang], figures_text(i, lang), keys]
        lines.append("| " + " | ".join(str(x).replace("|", "\\|").replace("\n", " ") for x in cells) + " |")
    return "\n".join(lines) + "\n"


def latest_section(base: Path, lang: str, fmt: str = "html") -> str:
    """The section of the newest data compare under base; "" when there is none."""
    run = latest_run(base, "data", "checklist.json")
    if run is None:
        return ""
    return section_html(run, lang) if fmt == "html" else section_markdown(run, lang)
