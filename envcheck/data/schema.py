"""Tables, columns and primary keys from information_schema (the same views on both engines)."""

from __future__ import annotations

from dataclasses import dataclass

from envcheck.data.db import Db
from envcheck.data.dialect import Column, Frag


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the primary key, () if none

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


def table_names(db: Db) -> list[str]:
    q = Frag("SELECT table_name FROM information_schema.tables WHERE table_schema = "
             f"{db.dialect.schema_sql} AND table_type = 'BASE TABLE' ORDER BY table_name")
    return [str(r[0]) for r in db.rows(q)]


def describe(db: Db, table: str) -> Table | None:
    """The table's columns and primary key, None when there is no such table."""
    d = db.dialect
    ctype = "column_type" if db.engine == "mysql" else "data_type"
    cols = db.rows(Frag(
        f"SELECT column_name, data_type, {ctype}, COALESCE(numeric_scale, 0) FROM information_schema.columns "
        f"WHERE table_schema = {d.schema_sql} AND table_name = %s ORDER BY ordinal_position", (table,)))
    if not cols:
        return None
    key = db.rows(Frag(
        "SELECT k.column_name FROM information_schema.table_constraints c "
        "JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name "
        "AND k.table_schema = c.table_schema AND k.table_name = c.table_name "
        f"WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = {d.schema_sql} AND c.table_name = %s "
        "ORDER BY k.ordinal_position", (table,)))
    columns = tuple(Column(str(n), d.kind_of(str(dt), str(ct)), int(s or 0)) for n, dt, ct, s in cols)
    return Table(table, columns, tuple(str(r[0]) for r in key))
