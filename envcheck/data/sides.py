"""From a table plan and both schemas to the two Sides of a compare: columns paired by name
(renames applied), the key, the compared scale of each decimal, the zones, the windows."""

from __future__ import annotations

from dataclasses import dataclass

from envcheck.data.checksum import Side
from envcheck.data.db import Db
from envcheck.data.dialect import Column, Frag
from envcheck.data.mapping import Mapping, TablePlan, tz_seconds
from envcheck.data.schema import Table, describe


@dataclass(frozen=True)
class Pairing:
    plan: TablePlan
    source: Table | None
    target: Table | None
    names: tuple[str, ...] = ()  # compared source columns
    missing_columns: tuple[str, ...] = ()  # source columns the target lacks
    problem: str = ""  # why the table cannot be compared ("" when it can)


def _literal_sql(text: str) -> str:
    return text.replace("%", "%%")  # the engineer's SQL: a % of it is no parameter mark


def window(db: Db, plan: TablePlan, where: str, column: str | None) -> Frag:
    parts = [Frag(f"({_literal_sql(where)})")] if where else []
    if plan.since and column:
        parts.append(Frag(f"{db.dialect.ident(column)} >= %s", (plan.since[1],)))
    return Frag(" AND ".join(p.sql for p in parts), tuple(x for p in parts for x in p.params))


def pair(src_db: Db, tgt_db: Db, plan: TablePlan) -> Pairing:
    source, target = describe(src_db, plan.source), describe(tgt_db, plan.target)
    if source is None:
        return Pairing(plan, None, target, problem="source table not found")
    if target is None:
        return Pairing(plan, source, None, problem="target table not found")
    names = tuple(c.name for c in source.columns if c.name not in plan.exclude)
    missing = tuple(n for n in names if target.column(plan.target_column(n)) is None)
    key = plan.key or source.key
    if not key:
        return Pairing(plan, source, target, names, missing, "no key: declare one in the mapping (key: [...])")
    bad = [k for k in key if source.column(k) is None or target.column(plan.target_column(k)) is None]
    if bad:
        return Pairing(plan, source, target, names, missing, f"key column not in both tables: {', '.join(bad)}")
    return Pairing(plan, source, target, tuple(n for n in names if n not in missing), missing)


def sides(p: Pairing, src_db: Db, tgt_db: Db, mapping: Mapping) -> tuple[Side, Side]:
    assert p.source is not None and p.target is not None
    plan, names = p.plan, list(p.names)
    s_cols = [p.source.column(n) for n in names]
    t_cols = [p.target.column(plan.target_column(n)) for n in names]
    scols = tuple(c for c in s_cols if c is not None)
    tcols = tuple(c for c in t_cols if c is not None)
    scales = tuple(_scale(a, b) for a, b in zip(scols, tcols, strict=True))
    key = plan.key or p.source.key
    s_key = tuple(c for c in (p.source.column(k) for k in key) if c is not None)
    t_key = tuple(c for c in (p.target.column(plan.target_column(k)) for k in key) if c is not None)
    since_col = plan.since[0] if plan.since else None
    src = Side(src_db, plan.source, scols, s_key, scales, tz_seconds(mapping.source_tz),
               window(src_db, plan, plan.where, since_col))
    tgt = Side(tgt_db, plan.target, tcols, t_key, scales, tz_seconds(mapping.target_tz),
               window(tgt_db, plan, plan.target_where, plan.target_column(since_col) if since_col else None))
    return src, tgt


def _scale(a: Column, b: Column) -> int:
    """The source's scale (the target is judged against it), else the target's."""
    return a.scale if a.kind == "decimal" else b.scale if b.kind == "decimal" else 0
