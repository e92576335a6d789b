"""The differences found in one table, by key, and how a differing range is narrowed down:
bisection of a chunk whose count or hash sum differs, down to ranges small enough to compare
row by row, then the differing rows' canonical values classified column by column."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from envcheck.data.checksum import Key, Side, norm_key
from envcheck.data.classify import NOT_A_FAULT, classify_value

LEAF_ROWS = 256  # ranges this small are compared row by row
MAX_LISTED = 1000  # keys kept per class in the evidence (all are counted)


@dataclass
class TableDiff:
    missing: list[Key] = field(default_factory=list)
    extra: list[Key] = field(default_factory=list)
    duplicate: list[Key] = field(default_factory=list)  # a key with several rows in the target
    changed: list[dict[str, Any]] = field(default_factory=list)  # key, columns: {name: [cls, src, tgt, detail]}
    counts: Counter[str] = field(default_factory=Counter)  # class -> rows (column classes too)

    def add(self, cls: str, item: Any) -> None:
        self.counts[cls] += 1
        target = {"missing": self.missing, "extra": self.extra, "duplicate": self.duplicate}.get(cls, self.changed)
        if len(target) < MAX_LISTED:
            target.append(item)


def both(pool: ThreadPoolExecutor, f: Callable[[Side], Any], src: Side, tgt: Side) -> tuple[Any, Any]:
    """The same question to both databases at once."""
    a, b = pool.submit(f, src), pool.submit(f, tgt)
    return a.result(), b.result()


def compare_rows(src: Side, tgt: Side, keys: list[Key], diff: TableDiff, names: list[str]) -> None:
    """Classify the rows with these keys, column by column."""
    if not keys:
        return
    a, b = src.by_keys(keys), tgt.by_keys(keys)
    for key in keys:
        for s_row, t_row in zip(a.get(key, []), b.get(key, []), strict=False):
            cols: dict[str, list[str | None]] = {}
            for i, col in enumerate(src.columns):
                v = classify_value(col.kind, s_row[i], t_row[i])
                if v is not None:
                    cols[names[i]] = [v.cls, s_row[i], t_row[i], v.detail]
            if not cols:
                continue
            classes = {c[0] for c in cols.values()}
            if classes <= set(NOT_A_FAULT):
                diff.counts["normalisation"] += 1
                continue
            diff.add("changed", {"key": list(key), "columns": cols})
            for cls in classes:
                diff.counts[f"column:{cls}"] += 1


def leaf_diff(src: Side, tgt: Side, s_rows: list[tuple[Key, int]], t_rows: list[tuple[Key, int]],
              diff: TableDiff, names: list[str]) -> None:
    s_by: dict[Key, list[int]] = {}
    t_by: dict[Key, list[int]] = {}
    for k, h in s_rows:
        s_by.setdefault(norm_key(k), []).append(h)
    for k, h in t_rows:
        t_by.setdefault(norm_key(k), []).append(h)
    changed: list[Key] = []
    for key in sorted(s_by.keys() | t_by.keys(), key=lambda k: tuple(map(str, k))):
        s, t = s_by.get(key, []), t_by.get(key, [])
        if not t:
            diff.add("missing", list(key))
        elif not s:
            diff.add("extra", list(key))
        else:
            if len(t) > len(s):
                diff.add("duplicate", list(key))
            if Counter(s) - Counter(t) or (Counter(t) - Counter(s) and len(t) == len(s)):
                changed.append(key)
    compare_rows(src, tgt, changed, diff, names)


def bisect(pool: ThreadPoolExecutor, src: Side, tgt: Side, lo: Key | None, hi: Key | None,
           rows: int, diff: TableDiff, names: list[str]) -> None:
    """Narrow the differing range (lo, hi] of about `rows` rows down to its differing keys."""
    if rows <= LEAF_ROWS:
        s_rows, t_rows = both(pool, lambda s: s.leaf(lo, hi), src, tgt)
        leaf_diff(src, tgt, s_rows, t_rows, diff, names)
        return
    mid = src.boundary(lo, hi, rows // 2 - 1) or tgt.boundary(lo, hi, rows // 2 - 1)
    if mid is None or mid == hi:
        s_rows, t_rows = both(pool, lambda s: s.leaf(lo, hi), src, tgt)
        leaf_diff(src, tgt, s_rows, t_rows, diff, names)
        return
    for a, b in ((lo, mid), (mid, hi)):
        (sc, ss, _), (tc, ts, _) = both(pool, lambda s: s.chunk(a, b), src, tgt)  # noqa: B023 - used at once
        if (sc, ss) != (tc, ts):
            bisect(pool, src, tgt, a, b, max(sc, tc), diff, names)
