"""The checklist: each item pass or fail with its figures and, where rows are at fault, their
keys. Built-in rules read a compare result (compare.py); a site's items are SQL returning a
number, run read-only, compared with an expectation.

    - id: fee_no_negative
      title: {en: "No negative fee lines", zh: "无负数收费明细"}
      side: target                 # or source
      sql: SELECT COUNT(*) FROM fee WHERE amount < 0
      expect: "== 0"               # == != < <= > >= a number, or `source` (the same SQL there)
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from envcheck.data.db import Db
from envcheck.data.dialect import Frag
from envcheck.errors import BadInput, words
from envcheck.i18n import t as word

DEFAULT = Path(__file__).resolve().parent / "checklist.yml"
OPS: dict[str, Callable[[Any, Any], bool]] = {"==": operator.eq, "!=": operator.ne, "<=": operator.le,
                                              ">=": operator.ge, "<": operator.lt, ">": operator.gt}
Result = dict[str, Any]  # status pass|fail|error, figures, keys [{table, keys}]
# Figures: text without words (names, numbers), or a catalogue key and its values, rendered
# in both languages by evaluate().
Figures = str | tuple[str, dict[str, Any]]
FIG_OF_LIST = {"missing": "data.fig_missing", "extra": "data.fig_extra"}


def _tables(cmp: dict[str, Any]) -> Iterator[dict[str, Any]]:
    return (t for t in cmp["tables"] if not t.get("problem") and "stats" in t)


def _result(bad: dict[str, list[Any]], figures: Figures) -> Result:
    keys = [{"table": t, "keys": k[:50], "count": len(k)} for t, k in bad.items() if k]
    return {"status": "fail" if keys else "pass", "figures": figures, "keys": keys}


def _class_rule(*classes: str) -> Callable[[dict[str, Any]], Result]:
    def rule(cmp: dict[str, Any]) -> Result:
        bad: dict[str, list[Any]] = {}
        for t in _tables(cmp):
            for row in t.get("diff", {}).get("changed", []):
                if any(c[0] in classes for c in row["columns"].values()):
                    bad.setdefault(t["source"], []).append(row["key"])
        n = sum(len(k) for k in bad.values())
        return _result(bad, ("data.fig_class", {"n": n, "classes": ", ".join(classes)}))
    return rule


def _list_rule(field: str) -> Callable[[dict[str, Any]], Result]:
    def rule(cmp: dict[str, Any]) -> Result:
        bad = {t["source"]: t.get("diff", {}).get(field, []) for t in _tables(cmp)}
        counts = {t["source"]: t.get("diff", {}).get("counts", {}).get(field, 0) for t in _tables(cmp)}
        return _result(bad, (FIG_OF_LIST[field], {"n": sum(counts.values())}))
    return rule


def _column_figures(figure: str) -> Callable[[dict[str, Any]], Result]:
    """Per column figures of the stats that must be equal on both sides."""
    def rule(cmp: dict[str, Any]) -> Result:
        bad: dict[str, list[Any]] = {}
        for t in _tables(cmp):
            s, g = t["stats"]["source"], t["stats"]["target"]
            for f in figure.split(","):
                for col, value in s.get(f, {}).items():
                    other = g.get(f, {}).get(col)
                    if not _same(value, other):
                        bad.setdefault(t["source"], []).append(f"{col} {f}: {value} -> {other}")
        return _result(bad, "; ".join(x for v in bad.values() for x in v) or ("data.fig_equal", {}))
    return rule


def _same(a: Any, b: Any) -> bool:
    try:
        return a == b or (a is not None and b is not None and Decimal(str(a)) == Decimal(str(b)))
    except InvalidOperation:
        return False


def _problems(word: str) -> Callable[[dict[str, Any]], Result]:
    def rule(cmp: dict[str, Any]) -> Result:
        bad = {t["source"]: [t["problem"]] for t in cmp["tables"] if word in t.get("problem", "")}
        return _result(bad, ("data.fig_tables", {"n": len(cmp["tables"])}))
    return rule


def _run_complete(cmp: dict[str, Any]) -> Result:
    bad = {t["source"]: ["incomplete"] for t in cmp["tables"] if not t.get("complete")}
    if not cmp.get("complete"):
        bad.setdefault("(run)", ["interrupted"])
    return _result(bad, ("data.fig_tables", {"n": len(cmp["tables"])}))


def _columns_mapped(cmp: dict[str, Any]) -> Result:
    return _result({t["source"]: t["missing_columns"] for t in cmp["tables"]}, "")


def _row_counts(cmp: dict[str, Any]) -> Result:
    figures, bad = [], {}
    for t in _tables(cmp):
        s, g = t["stats"]["source"]["rows"], t["stats"]["target"]["rows"]
        figures.append(f"{t['source']} {s} / {g}")
        if s != g:
            bad[t["source"]] = [f"{s} -> {g}"]
    return _result(bad, ", ".join(figures))


def _checksums(cmp: dict[str, Any]) -> Result:
    bad = {t["source"]: [f"{t['chunks_differing']}/{t['chunks']}"] for t in _tables(cmp)
           if t.get("chunks_differing")}
    return _result(bad, ("data.fig_chunks", {"n": sum(t.get("chunks", 0) for t in _tables(cmp))}))


def _duplicates(side: str) -> Callable[[dict[str, Any]], Result]:
    def rule(cmp: dict[str, Any]) -> Result:
        bad = {t["source"]: t["duplicates"][side][1] for t in _tables(cmp) if t.get("duplicates")}
        n = sum(t["duplicates"][side][0] for t in _tables(cmp) if t.get("duplicates"))
        return _result(bad, ("data.fig_duplicates", {"n": n}))
    return rule


def _orphans(cmp: dict[str, Any]) -> Result:
    bad: dict[str, list[Any]] = {}
    figures = []
    for t in _tables(cmp):
        for col, o in t.get("orphans", {}).items():
            figures.append(f"{t['source']}.{col} -> {o['references']}: {o['target'][0]} / {o['source'][0]}")
            if o["target"][0]:
                bad.setdefault(f"{t['source']}.{col}", []).extend(o["target"][1])
    return _result(bad, ("data.fig_orphans", {"fks": "; ".join(figures)}) if figures else ("data.fig_no_fks", {}))


def _sample(cmp: dict[str, Any]) -> Result:
    bad = {t["source"]: [r["key"] for r in t["sample"]["rows_mismatched"]] for t in _tables(cmp) if t.get("sample")}
    n = sum(t["sample"]["rows"] for t in _tables(cmp) if t.get("sample"))
    return _result(bad, ("data.fig_sampled", {"n": n}))


def _no_changed(cmp: dict[str, Any]) -> Result:
    return _class_rule("changed")(cmp)


RULES: dict[str, Callable[[dict[str, Any]], Result]] = {
    "run_complete": _run_complete, "tables_found": _problems("not found"), "keys_declared": _problems("key"),
    "columns_mapped": _columns_mapped, "row_counts": _row_counts, "checksums": _checksums,
    "no_missing_rows": _list_rule("missing"), "no_extra_rows": _list_rule("extra"),
    "no_duplicate_keys": _duplicates("target"), "no_duplicate_keys_source": _duplicates("source"),
    "no_changed_values": _no_changed, "no_double_encoding": _class_rule("double_encoded"),
    "no_gbk_mojibake": _class_rule("gbk_mojibake", "utf8_as_gbk"),
    "no_truncation": _class_rule("truncated", "truncated_4byte"), "no_question_marks": _class_rule("question_marks"),
    "no_replacement_chars": _class_rule("replacement_chars"), "no_blank_changes": _class_rule("blanks"),
    "no_time_shift": _class_rule("shifted"), "no_rounding": _class_rule("rounded"),
    "money_sums": _column_figures("sum"), "nulls_preserved": _class_rule("null_to_empty", "empty_to_null"),
    "null_counts": _column_figures("nulls,empties"), "date_ranges": _column_figures("min,max"),
    "no_orphans": _orphans, "sample_matches": _sample,
}


def load_checklist(path: Path | None) -> list[dict[str, Any]]:
    where = path or DEFAULT
    try:
        doc = yaml.safe_load(where.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise BadInput.of("error.checklist_unreadable", path=where, error=exc) from exc
    items = doc.get("items") if isinstance(doc, dict) else None
    if not isinstance(items, list) or not items:
        raise BadInput.of("error.checklist_no_items", path=where)
    for i, item in enumerate(items):
        _validate(item, where, i + 1)
    return items


def _validate(item: Any, path: Path, number: int) -> None:
    if not isinstance(item, dict) or not item.get("id"):
        raise BadInput.of("error.checklist_no_id", where=words("error.checklist_item", path=path, number=number))
    where = words("error.checklist_item_id", path=path, number=number, id=item["id"])
    title = item.get("title")
    if not (isinstance(title, dict) and title.get("en") and title.get("zh")):
        raise BadInput.of("error.checklist_title", where=where)
    if "rule" in item:
        if item["rule"] not in RULES:
            raise BadInput.of("error.checklist_rule", where=where, rule=repr(item["rule"]), known=", ".join(RULES))
        return
    if not isinstance(item.get("sql"), str) or item.get("side", "target") not in ("source", "target"):
        raise BadInput.of("error.checklist_sql", where=where)
    _expectation(str(item.get("expect", "== 0")), where)


def _expectation(text: str, where: object) -> tuple[Callable[[Any, Any], bool], str]:
    """where: the item, a Text (words) or its id."""
    op, _, value = text.strip().partition(" ")
    if op not in OPS or not value.strip():
        raise BadInput.of("error.checklist_expect", where=where, value=repr(text))
    value = value.strip()
    if value != "source":
        try:
            Decimal(value)
        except InvalidOperation as exc:
            raise BadInput.of("error.checklist_expect_number", where=where, value=repr(text)) from exc
    return OPS[op], value


def _number(db: Db, sql: str) -> Decimal:
    if db.engine == "postgresql":
        with db.conn.transaction():  # a savepoint: a failing item leaves the snapshot usable
            row = db.one(Frag(sql.replace("%", "%%")))
    else:
        row = db.one(Frag(sql.replace("%", "%%")))
    if not row or row[0] is None:
        return Decimal(0)
    return Decimal(str(row[0]))


def site_item(item: dict[str, Any], source: Db, target: Db) -> Result:
    op, want = _expectation(str(item.get("expect", "== 0")), item["id"])
    db = source if item.get("side") == "source" else target
    try:
        got = _number(db, item["sql"])
        expected = _number(source, item["sql"]) if want == "source" else Decimal(want)
    except Exception as exc:  # the site's SQL: its error is the item's finding
        return {"status": "error", "figures": str(exc).strip().splitlines()[0][:300], "keys": []}
    ok = op(got, expected)
    figures = f"{got} {item.get('expect', '== 0')} ({expected})"
    return {"status": "pass" if ok else "fail", "figures": figures, "keys": []}


def render(figures: Figures) -> dict[str, str]:
    if isinstance(figures, str):
        return {"en": figures, "zh": figures}
    key, values = figures
    return {lang: word(key, lang, **values) for lang in ("en", "zh")}


def figures_text(item: dict[str, Any], lang: str) -> str:
    """An evaluated item's figures in a language (text as it was, from an older run)."""
    figures = item["figures"]
    return str(figures.get(lang, figures.get("en", ""))) if isinstance(figures, dict) else str(figures)


def evaluate(items: list[dict[str, Any]], cmp: dict[str, Any], source: Db, target: Db) -> list[dict[str, Any]]:
    """Each item with its status, figures ({en, zh}) and keys."""
    out = []
    for item in items:
        res = RULES[item["rule"]](cmp) if "rule" in item else site_item(item, source, target)
        out.append({"id": item["id"], "title": item["title"], **res, "figures": render(res["figures"])})
    return out
