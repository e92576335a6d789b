"""`envcheck data profile`: what is in a database before it is migrated (or after).

Per table: rows, and per column NULLs and empty strings (inside the database); min/max of
numbers and dates; invalid dates (MySQL's 0000-00-00); duplicates on the key; a text length
histogram and the text quality classes of textcheck (streamed through a server-side cursor,
sample keys kept per class). Distinct counts are computed for key columns only."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from envcheck.data.db import Db
from envcheck.data.dialect import Column, Frag, join
from envcheck.data.schema import Table, describe
from envcheck.data.stats import plain
from envcheck.data.textcheck import CLASSES, text_issues

SAMPLE_KEYS = 10
LENGTH_BINS = (0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 1024)
NUMERIC = ("int", "decimal", "float", "date", "timestamp", "timestamptz")


def _bin(n: int) -> str:
    label = "0"
    for edge in LENGTH_BINS:
        if n >= edge:
            label = f">={edge}"
    return label


def column_figures(db: Db, table: Table, keys: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    d, t = db.dialect, d_table(db, table)
    parts: list[Frag] = []
    fields: list[tuple[str, str]] = []
    for col in table.columns:
        c = d.ident(col.name)
        parts.append(Frag(f"SUM(CASE WHEN {c} IS NULL THEN 1 ELSE 0 END)"))
        fields.append((col.name, "nulls"))
        if col.kind == "text":
            parts.append(Frag(f"SUM(CASE WHEN {c} = '' THEN 1 ELSE 0 END)"))
            fields.append((col.name, "empties"))
        if col.kind in NUMERIC:
            cast = "CAST({} AS CHAR)" if db.engine == "mysql" else "({})::text"
            parts += [Frag(cast.format(f"MIN({c})")), Frag(cast.format(f"MAX({c})"))]
            fields += [(col.name, "min"), (col.name, "max")]
        if col.kind == "date" and db.engine == "mysql":
            parts.append(Frag(f"SUM(CASE WHEN CAST({c} AS CHAR) LIKE %s THEN 1 ELSE 0 END)", ("0000-00-00%",)))
            fields.append((col.name, "invalid_dates"))
        if col.name in keys:
            parts.append(Frag(f"COUNT(DISTINCT {c})"))
            fields.append((col.name, "distinct"))
    out: dict[str, dict[str, Any]] = {c.name: {"kind": c.kind} for c in table.columns}
    if parts:
        row = db.one(Frag("SELECT ") + join(parts, ", ") + Frag(f" FROM {t}"))
        for (name, figure), value in zip(fields, row, strict=True):
            out[name][figure] = plain(value)
    return out


def d_table(db: Db, table: Table) -> str:
    return db.dialect.table(table.name)


def text_quality(db: Db, table: Table, keys: tuple[str, ...], cols: list[Column],
                 tick: Callable[[int], None]) -> dict[str, dict[str, Any]]:
    """Per text column: the classes found (count, sample keys) and the length histogram."""
    if not cols:
        return {}
    d = db.dialect
    key_sql = [d.ident(k) for k in keys] or ["NULL"]
    q = Frag(f"SELECT {', '.join(key_sql)}, {', '.join(d.ident(c.name) for c in cols)} FROM {d.table(table.name)}")
    issues: dict[str, dict[str, dict[str, Any]]] = {c.name: {} for c in cols}
    lengths: dict[str, Counter[str]] = {c.name: Counter() for c in cols}
    n_key, seen = len(key_sql), 0
    for row in db.stream(q):
        seen += 1
        if seen % 5000 == 0:
            tick(5000)
        key = list(row[:n_key])
        for col, value in zip(cols, row[n_key:], strict=True):
            if value is None:
                continue
            text = str(value)
            lengths[col.name][_bin(len(text))] += 1
            for cls in text_issues(text):
                slot = issues[col.name].setdefault(cls, {"count": 0, "keys": []})
                slot["count"] += 1
                if len(slot["keys"]) < SAMPLE_KEYS:
                    slot["keys"].append(key if len(key) > 1 else key[0])
    tick(seen % 5000)
    return {c.name: {"issues": issues[c.name], "lengths": dict(lengths[c.name])} for c in cols}


def duplicates(db: Db, table: Table, keys: tuple[str, ...]) -> dict[str, Any]:
    if not keys:
        return {"count": 0, "keys": []}
    ks = ", ".join(db.dialect.ident(k) for k in keys)
    rows = db.rows(Frag(f"SELECT {ks} FROM {d_table(db, table)} GROUP BY {ks} HAVING COUNT(*) > 1 ORDER BY {ks}"))
    return {"count": len(rows), "keys": [list(r) if len(r) > 1 else r[0] for r in rows[:SAMPLE_KEYS]]}


def profile_table(db: Db, name: str, keys: tuple[str, ...], tick: Callable[[int], None]) -> dict[str, Any]:
    started = time.monotonic()
    table = describe(db, name)
    if table is None:
        return {"table": name, "problem": "table not found"}
    key = keys or table.key
    rows = int(db.one(Frag(f"SELECT COUNT(*) FROM {d_table(db, table)}"))[0])
    columns = column_figures(db, table, key)
    quality = text_quality(db, table, key, [c for c in table.columns if c.kind == "text"], tick)
    for col, q in quality.items():
        columns[col].update(q)
    found = Counter({cls: sum(c.get("issues", {}).get(cls, {}).get("count", 0) for c in columns.values())
                     for cls in CLASSES})
    return {"table": name, "rows": rows, "key": list(key), "duplicates": duplicates(db, table, key),
            "columns": columns, "text_issues": {k: v for k, v in found.items() if v},
            "seconds": round(time.monotonic() - started, 3)}
