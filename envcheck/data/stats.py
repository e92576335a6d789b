"""Figures of one side of a table, computed inside the database with each chunk's checksum
(the same pass over the rows) and added up here: rows; per column NULLs; empty texts; sums
of money columns; min/max of dates (U+FFFD and '?' in the target are classes of the changed
rows, classify.py: counting them in every row doubled MySQL's time). Also: duplicate keys,
orphaned foreign keys, the planner's estimate of the rows (for the time left)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from envcheck.data.checksum import Side
from envcheck.data.dialect import Frag

Field = tuple[str, str, int]  # (figure, column, seconds east of UTC of a zone-less timestamp)
TS_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def canon_time(value: Any, shift: int) -> str:
    """A MIN/MAX as the canonical text (dialect.py): UTC, microseconds; a date as it is. The
    raw MIN/MAX is taken in the database (one comparison a row, no formatting) and shifted here."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return (value - timedelta(seconds=shift)).strftime(TS_FORMAT)
    return value.isoformat() if isinstance(value, date) else str(value)


def stat_parts(side: Side, money: tuple[str, ...] | None, names: list[str]) -> tuple[list[Frag], list[Field]]:
    """The aggregate expressions of the figures, and what each is. names: the source's name of
    each compared column (the figures are keyed by them)."""
    d = side.d
    parts: list[Frag] = []
    fields: list[Field] = []
    for col, name in zip(side.columns, names, strict=True):
        c = d.ident(col.name)
        parts.append(Frag(f"SUM(CASE WHEN {c} IS NULL THEN 1 ELSE 0 END)"))
        fields.append(("nulls", name, 0))
        if col.kind == "text":
            parts.append(Frag(f"SUM(CASE WHEN {c} = '' THEN 1 ELSE 0 END)"))
            fields.append(("empties", name, 0))
        if col.kind == "decimal" and (money is None or name in money):
            parts.append(Frag(f"CAST(SUM({c}) AS CHAR)" if d.engine == "mysql" else f"SUM({c})::text"))
            fields.append(("sum", name, 0))
        if col.kind in ("date", "timestamp", "timestamptz"):
            shift = side.shift if col.kind == "timestamp" else 0
            parts.extend([Frag(f"MIN({c})"), Frag(f"MAX({c})")])
            fields.extend([("min", name, shift), ("max", name, shift)])
    return parts, fields


def add_up(figures: dict[str, Any], fields: list[Field], values: tuple[Any, ...]) -> None:
    """Fold one chunk's figures into the table's: counts and sums add, min/max compare."""
    for (kind, name, shift), value in zip(fields, values, strict=True):
        slot = figures.setdefault(kind, {})
        old = slot.get(name)
        if value is None:
            slot.setdefault(name, None if kind in ("min", "max", "sum") else 0)
        elif kind in ("min", "max"):
            text = canon_time(value, shift)
            slot[name] = text if old is None else (min if kind == "min" else max)(old, text)
        elif kind == "sum":
            slot[name] = str(Decimal(str(value)) + Decimal(old or 0))
        else:
            slot[name] = int(value) + int(old or 0)


def estimate_rows(side: Side) -> int:
    """The planner's estimate of the table's rows (for the progress bar only)."""
    if side.db.engine == "mysql":
        q = Frag("SELECT table_rows FROM information_schema.tables WHERE table_schema = DATABASE() "
                 "AND table_name = %s", (side.table,))
    else:
        q = Frag("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", (side.d.table(side.table),))
    row = side.db.one(q)
    return max(int(row[0] or 0), 0) if row else 0


def plain(value: Any) -> Any:
    """A figure as JSON keeps it: whole numbers as int (MySQL sums are decimals), else text."""
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value() and value.as_tuple().exponent == 0:
        return int(value)
    return str(value)


def duplicate_keys(side: Side, limit: int = 20) -> tuple[int, list[list[Any]]]:
    """How many keys have several rows, and the first of them."""
    ks = side.key_sql()
    q = Frag(f"SELECT {ks}, COUNT(*){side.from_()}") + side.range_where(None, None) \
        + Frag(f" GROUP BY {ks} HAVING COUNT(*) > 1 ORDER BY {ks}")
    rows = side.db.rows(q)
    n = len(side.key)
    return len(rows), [list(r[:n]) for r in rows[:limit]]


def orphans(side: Side, column: str, ref_table: str, ref_column: str, limit: int = 20) -> tuple[int, list[Any]]:
    """Rows whose foreign key names no row of the referenced table."""
    d = side.d
    c, t, rc = d.ident(column), d.table(ref_table), d.ident(ref_column)
    body = (f"{side.from_()} x WHERE x.{c} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {t} r WHERE r.{rc} = x.{c})")
    where = side.where
    extra = Frag(" AND ") + where if where.sql else Frag("")
    count = int(side.db.one(Frag(f"SELECT COUNT(*){body}") + extra)[0])
    keys = [r[0] for r in side.db.rows(Frag(f"SELECT DISTINCT x.{c}{body}") + extra + Frag(f" LIMIT {int(limit)}"))]
    return count, keys
