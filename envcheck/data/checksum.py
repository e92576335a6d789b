"""One side of a table compare and its queries: chunk boundaries over the key order, a
chunk's count and hash sum, a range's (key, hash) rows, canonical rows by key.

Chunks are ranges of the key, (lo, hi], walked on the source with LIMIT 1 OFFSET n over the
key's index; the target is asked for the same ranges, so rows missing or extra on either
side fall in the chunk of their key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from envcheck.data.db import Db
from envcheck.data.dialect import Column, Frag, join

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Side:
    db: Db
    table: str
    columns: tuple[Column, ...]  # compared columns, in the order shared with the other side
    key: tuple[Column, ...]
    scales: tuple[int, ...]  # compared scale of each column (decimals)
    shift: int  # seconds east of UTC of zone-less timestamps
    where: Frag  # the batch window ('' for the whole table)

    @property
    def d(self) -> Any:
        return self.db.dialect

    def canon(self) -> list[Frag]:
        return [self.d.canon(c, s, self.shift) for c, s in zip(self.columns, self.scales, strict=True)]

    def hash_expr(self) -> Frag:
        return self.d.row_hash(self.d.row_text(self.canon()))

    def key_sql(self) -> str:
        return ", ".join(self.d.key_expr(k) for k in self.key)

    def _tuple(self, values: Key) -> Frag:
        marks = ", ".join(["%s"] * len(values))
        return Frag(f"({marks})" if len(values) > 1 else marks, tuple(values))

    def _keyref(self) -> str:
        ks = self.key_sql()
        return f"({ks})" if len(self.key) > 1 else ks

    def range_where(self, lo: Key | None, hi: Key | None) -> Frag:
        conds = [self.where] if self.where.sql else []
        if lo is not None:
            conds.append(Frag(f"{self._keyref()} > ") + self._tuple(lo))
        if hi is not None:
            conds.append(Frag(f"{self._keyref()} <= ") + self._tuple(hi))
        return Frag(" WHERE ") + join(conds, " AND ") if conds else Frag("")

    def from_(self) -> str:
        return f" FROM {self.d.table(self.table)}"

    def chunk(self, lo: Key | None, hi: Key | None, figures: Sequence[Frag] = ()) -> tuple[int, int, tuple[Any, ...]]:
        """Rows and the sum of their hashes in (lo, hi], and the values of `figures` there."""
        more = Frag(", ") + join(figures, ", ") if figures else Frag("")
        q = Frag("SELECT COUNT(*), COALESCE(SUM(") + self.hash_expr() + Frag("), 0)") + more \
            + Frag(self.from_()) + self.range_where(lo, hi)
        row = self.db.one(q)
        return int(row[0]), int(row[1]), tuple(row[2:])

    def boundary(self, lo: Key | None, hi: Key | None, offset: int) -> Key | None:
        """The key `offset` rows after lo (within hi), None past the end."""
        q = Frag(f"SELECT {self.key_sql()}{self.from_()}") + self.range_where(lo, hi) \
            + Frag(f" ORDER BY {self.key_sql()} LIMIT 1 OFFSET %s", (offset,))
        row = self.db.one(q)
        return tuple(row) if row else None

    def leaf(self, lo: Key | None, hi: Key | None) -> list[tuple[Key, int]]:
        q = Frag(f"SELECT {self.key_sql()}, ") + self.hash_expr() + Frag(self.from_()) \
            + self.range_where(lo, hi) + Frag(f" ORDER BY {self.key_sql()}")
        n = len(self.key)
        return [(tuple(r[:n]), int(r[n])) for r in self.db.rows(q)]

    def by_keys(self, keys: Sequence[Key]) -> dict[Key, list[list[str | None]]]:
        """Canonical values of the rows with these keys (a key may have several rows)."""
        found: dict[Key, list[list[str | None]]] = {}
        n = len(self.key)
        for start in range(0, len(keys), 500):
            part = keys[start:start + 500]
            canon = join(self.canon(), ", ")
            q = Frag(f"SELECT {', '.join(self.d.ident(k.name) for k in self.key)}, ") + canon \
                + Frag(f"{self.from_()} WHERE {self._keyref()} IN (") \
                + join([self._tuple(k) for k in part], ", ") + Frag(")")
            if self.where.sql:
                q = q + Frag(" AND ") + self.where
            for r in self.db.rows(q):
                found.setdefault(norm_key(r[:n]), []).append([None if v is None else str(v) for v in r[n:]])
        return found


def norm_key(values: Sequence[Any]) -> Key:
    """A key as both drivers agree on it (ints stay ints, the rest text)."""
    return tuple(v if isinstance(v, int) else str(v) for v in values)
