"""The compare use case of the command: open both sessions, compare, evaluate the checklist,
keep the evidence, print the items; the exit code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.cells import cell_len

from envcheck.data.checklist import evaluate, figures_text, load_checklist
from envcheck.data.compare import Options, compare
from envcheck.data.db import open_db
from envcheck.data.evidence import Evidence
from envcheck.data.mapping import load_mapping
from envcheck.data.progress import RowProgress
from envcheck.data.schema import table_names
from envcheck.data.via import Via
from envcheck.exitcodes import ExitCode, decide
from envcheck.i18n import colon, t


def print_items(items: list[dict[str, Any]], lang: str) -> None:
    for item in items:
        word = t(f"data.status_{item['status']}", lang)
        pad = " " * max(1, 7 - cell_len(word))  # 不通过 is six columns wide
        click.echo(f"{word}{pad}{item['id']:<26} {item['title'][lang]}{colon(lang)}{figures_text(item, lang)}")
        for group in item["keys"]:
            more = f" (+{group['count'] - len(group['keys'])})" if group["count"] > len(group["keys"]) else ""
            shown = ", ".join(str(k[0] if isinstance(k, list) and len(k) == 1 else k) for k in group["keys"][:20])
            click.echo(f"      {group['table']}: {shown}{more}")


def run_compare(source: str, target: str, kw: dict[str, Any], source_via: Via | None = None,
                target_via: Via | None = None) -> ExitCode:
    lang = kw["lang"]
    items = load_checklist(Path(kw["checklist"]) if kw["checklist"] else None)
    vault = kw.get("vault_password_file")
    src = open_db(source, kw["source_password_file"], "SOURCE", source_via, vault)
    try:
        tgt = open_db(target, kw["target_password_file"], "TARGET", target_via, vault)
    except BaseException:
        src.close()
        raise
    mapping = load_mapping(Path(kw["map_file"]) if kw["map_file"] else None, table_names(src),
                           kw["source_tz"], kw["target_tz"], tuple(kw["since"]) if kw.get("since") else None)
    ev = Evidence(Path(kw["runs_dir"]) if kw["runs_dir"] else None, "compare",
                  {"source": src.where, "target": tgt.where})
    try:
        with RowProgress(lang) as bar:
            result = compare(src, tgt, mapping, Options(kw["chunk_rows"], kw["sample"], kw["seed"], bar.update))
        result["wire_bytes"] = {"source": src.wire_bytes(), "target": tgt.wire_bytes()}
        result["queries"] = {"source": src.queries, "target": tgt.queries}
        ev.write("compare.json", result)
        checked = evaluate(items, result, src, tgt)
    finally:
        src.close()
        tgt.close()
    ev.write("checklist.json", {"items": checked, "source": src.where, "target": tgt.where,
                                "complete": result["complete"]})
    print_items(checked, lang)
    if not result["complete"]:
        click.echo(t("data.incomplete", lang), err=True)
    failed = [i for i in checked if i["status"] != "pass"]
    click.echo(t("data.summary", lang, passed=len(checked) - len(failed), failed=len(failed)))
    code = decide(interrupted=not result["complete"], failed=bool(failed))
    ev.finish(result["complete"], int(code), passed=len(checked) - len(failed), failed=len(failed))
    click.echo(f"{t('evidence', lang)}{colon(lang)}{ev.path}", err=True)
    return code
