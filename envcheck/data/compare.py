"""`envcheck data compare`: every mapped table of the source against its target, inside both
databases, read-only; the result is plain data (dicts and lists) for the checklist, the
evidence and the report.

Per table: the figures of both sides (stats), the chunk scan with bisection of differing
chunks (tablediff), a random sample compared value by value, duplicate keys and orphaned
foreign keys. Ctrl+C stops between chunks: what was compared is kept, marked incomplete."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from envcheck.data.checksum import Key, Side, norm_key
from envcheck.data.classify import NOT_A_FAULT, classify_value
from envcheck.data.db import Db
from envcheck.data.dialect import Frag
from envcheck.data.mapping import Mapping, TablePlan
from envcheck.data.sides import pair, sides
from envcheck.data.stats import add_up, duplicate_keys, estimate_rows, orphans, stat_parts
from envcheck.data.tablediff import TableDiff, bisect, both

ProgressFn = Callable[[str, int, int], None]  # table, rows done, rows in all


@dataclass
class Options:
    chunk_rows: int = 10_000
    sample: int = 200
    seed: int | None = None
    progress: ProgressFn = field(default=lambda table, done, total: None)


class Interrupted(Exception):
    """Ctrl+C during a table: carries what was compared of it."""

    def __init__(self, partial: dict[str, Any]) -> None:
        super().__init__("interrupted")
        self.partial = partial


def scan(pool: ThreadPoolExecutor, src: Side, tgt: Side, names: list[str], opts: Options,
         money: tuple[str, ...] | None, result: dict[str, Any]) -> TableDiff:
    """Every chunk's checksum, and the figures of both sides, in one pass over each table."""
    diff = TableDiff()
    lo: Key | None = None
    done, total = 0, max(estimate_rows(src), 1)
    (s_parts, fields), (t_parts, _) = (stat_parts(s, money, names) for s in (src, tgt))
    stats: dict[str, dict[str, Any]] = {"source": {"rows": 0}, "target": {"rows": 0}}
    result.update(chunks=0, chunks_differing=0, stats=stats)
    while True:
        hi = src.boundary(lo, None, opts.chunk_rows - 1)
        (sc, ss, sv), (tc, ts, tv) = both(
            pool, lambda s: s.chunk(lo, hi, s_parts if s is src else t_parts), src, tgt)  # noqa: B023
        for side, count, values in (("source", sc, sv), ("target", tc, tv)):
            stats[side]["rows"] += count
            add_up(stats[side], fields, values)
        result["chunks"] += 1
        if (sc, ss) != (tc, ts):
            result["chunks_differing"] += 1
            bisect(pool, src, tgt, lo, hi, max(sc, tc), diff, names)
        done += sc
        opts.progress(src.table, done, max(total, done))
        if hi is None:
            return diff
        lo = hi


def sample_keys(src: Side, n: int, rng: random.Random, rows: int) -> list[Key]:
    if n <= 0 or rows == 0:
        return []
    ks = src.key_sql()
    if len(src.key) == 1 and src.key[0].kind == "int":
        lo, hi = src.db.one(Frag(f"SELECT MIN({ks}), MAX({ks}){src.from_()}") + src.range_where(None, None))
        found: list[Key] = []
        for _ in range(5):
            picks = [(rng.randint(int(lo), int(hi)),) for _ in range(n * 2)]
            found.extend(k for k in src.by_keys(picks) if k not in found)
            if len(found) >= n:
                break
        return sorted(found[:n])
    blocks, keys = 10, list[Key]()
    for _ in range(blocks):
        q = Frag(f"SELECT {ks}{src.from_()}") + src.range_where(None, None) \
            + Frag(f" ORDER BY {ks} LIMIT %s OFFSET %s", (max(1, n // blocks), rng.randrange(rows)))
        keys.extend(norm_key(r) for r in src.db.rows(q))
    return sorted(set(keys))


def sample(src: Side, tgt: Side, names: list[str], opts: Options, rows: int) -> dict[str, Any]:
    rng = random.Random(opts.seed)  # noqa: S311 - which rows to sample, not a secret
    keys = sample_keys(src, opts.sample, rng, rows)
    a, b = src.by_keys(keys), tgt.by_keys(keys)
    bad: list[dict[str, Any]] = []
    for key in keys:
        if key not in b:
            bad.append({"key": list(key), "class": "missing"})
            continue
        cols = {}
        for i, col in enumerate(src.columns):
            v = classify_value(col.kind, a[key][0][i], b[key][0][i])
            if v is not None and v.cls not in NOT_A_FAULT:
                cols[names[i]] = [v.cls, a[key][0][i], b[key][0][i], v.detail]
        if cols:
            bad.append({"key": list(key), "class": "changed", "columns": cols})
    return {"rows": len(keys), "mismatched": len(bad), "rows_mismatched": bad[:100]}


def _foreign_keys(src: Side, tgt: Side, plan: TablePlan, mapping: Mapping) -> dict[str, Any]:
    out: dict[str, Any] = {}
    renamed = {p.source: p for p in mapping.tables}
    for column, ref in plan.foreign_keys.items():
        table, _, ref_col = ref.partition(".")
        ref_plan = renamed.get(table, TablePlan(table, table))
        out[column] = {
            "references": ref,
            "source": list(orphans(src, column, table, ref_col or "id")),
            "target": list(orphans(tgt, plan.target_column(column), ref_plan.target,
                                   ref_plan.target_column(ref_col or "id"))),
        }
    return out


def compare_table(src_db: Db, tgt_db: Db, plan: TablePlan, mapping: Mapping, opts: Options,
                  pool: ThreadPoolExecutor) -> dict[str, Any]:
    started = time.monotonic()
    p = pair(src_db, tgt_db, plan)
    if p.source is not None:
        plan = mapping.plan_for(plan, {c.name for c in p.source.columns})
        p = replace(p, plan=plan)
    result: dict[str, Any] = {"source": plan.source, "target": plan.target, "problem": p.problem,
                              "missing_columns": list(p.missing_columns), "complete": False}
    if p.problem:
        result["complete"] = True
        return result
    src, tgt = sides(p, src_db, tgt_db, mapping)
    names = list(p.names)
    result.update(key=[k.name for k in src.key], columns=names,
                  kinds={n: c.kind for n, c in zip(names, src.columns, strict=True)}, cjk=list(plan.cjk),
                  window={"where": plan.where, "since": list(plan.since) if plan.since else None})
    try:
        diff = scan(pool, src, tgt, names, opts, plan.money, result)
        result["diff"] = {"counts": dict(diff.counts), "missing": diff.missing, "extra": diff.extra,
                          "duplicate": diff.duplicate, "changed": diff.changed}
        result["sample"] = sample(src, tgt, names, opts, result["stats"]["source"]["rows"])
        # The target's duplicates are the keys with more rows there than in the source: the
        # bisection found each. The source's own are looked for unless its key is its primary key.
        unique = p.source is not None and tuple(k.name for k in src.key) == p.source.key
        result["duplicates"] = {"source": [0, []] if unique else list(duplicate_keys(src)),
                                "target": [diff.counts.get("duplicate", 0), diff.duplicate[:20]]}
        result["orphans"] = _foreign_keys(src, tgt, plan, mapping)
        result["complete"] = True
    except KeyboardInterrupt as exc:
        raise Interrupted(result) from exc
    finally:
        elapsed = time.monotonic() - started
        result["seconds"] = round(elapsed, 3)
        rows = result.get("stats", {}).get("source", {}).get("rows", 0)
        result["rows_per_s"] = round(rows / elapsed) if elapsed > 0 and result["complete"] else None
    return result


def compare(src_db: Db, tgt_db: Db, mapping: Mapping, opts: Options) -> dict[str, Any]:
    """{"tables": [...], "complete": bool}; on Ctrl+C the tables so far and the partial one."""
    tables: list[dict[str, Any]] = []
    complete = True
    with ThreadPoolExecutor(max_workers=2) as pool:
        for plan in mapping.tables:
            try:
                tables.append(compare_table(src_db, tgt_db, plan, mapping, opts, pool))
            except Interrupted as exc:
                tables.append(exc.partial)
                complete = False
                break
            except KeyboardInterrupt:  # between tables, or while reading a schema
                complete = False
                break
    return {"tables": tables, "complete": complete, "source_tz": mapping.source_tz, "target_tz": mapping.target_tz}
