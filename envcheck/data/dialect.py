"""The SQL of each engine: identifiers quoted by the engine's rule, every value a driver
parameter (%s; a literal % is written %%), and the canonical form of a value on which MySQL/
MariaDB and PostgreSQL agree byte for byte:

    NULL -> n          a value -> v + its text, so NULL and '' stay distinct
    integer, boolean   decimal digits (true 1, false 0)
    decimal            the digits at the compared scale (the source column's), 12.5 -> 12.50
    float              rounded to 6 decimals
    text               the characters as UTF-8 (MySQL converts from the column's charset)
    timestamp          UTC, YYYY-MM-DD HH:MM:SS.ffffff: a zone-less column is read in its
                       side's declared zone (--source-tz / --target-tz), a zoned one as is
    date               YYYY-MM-DD
    binary             lowercase hex

A row is the canonical values joined by U+001F; its hash the first 60 bits of its MD5, as an
integer; a chunk is the count and the sum of its rows' hashes, computed in the database.
NFC: MySQL has no normalisation function, so the in-database form keeps code points as
stored; the value-by-value comparison in Python (classify) normalises to NFC."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

KINDS = ("int", "bool", "decimal", "float", "text", "timestamp", "timestamptz", "date", "bytes", "other")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # one of KINDS
    scale: int = 0  # decimal places of a decimal column


@dataclass(frozen=True)
class Frag:
    """A piece of SQL and its parameters, in order."""

    sql: str
    params: tuple[object, ...] = ()

    def __add__(self, other: Frag) -> Frag:
        return Frag(self.sql + other.sql, self.params + other.params)


def join(frags: Sequence[Frag], sep: str) -> Frag:
    return Frag(sep.join(f.sql for f in frags), tuple(p for f in frags for p in f.params))


class Dialect:
    engine = ""
    schema_sql = ""

    def ident(self, name: str) -> str:
        raise NotImplementedError

    def canon(self, col: Column, scale: int, shift_seconds: int) -> Frag:
        raise NotImplementedError

    def row_text(self, values: Sequence[Frag]) -> Frag:
        raise NotImplementedError

    def row_hash(self, text: Frag) -> Frag:
        raise NotImplementedError

    def key_expr(self, col: Column) -> str:
        """A key column in the order both engines share (text by code point)."""
        raise NotImplementedError

    def table(self, name: str) -> str:
        return self.ident(name)

    def kind_of(self, data_type: str, column_type: str) -> str:
        raise NotImplementedError


class MySQL(Dialect):
    engine = "mysql"
    schema_sql = "DATABASE()"
    TS = "'%%Y-%%m-%%d %%H:%%i:%%s.%%f'"

    def ident(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def kind_of(self, data_type: str, column_type: str) -> str:
        dt = data_type.lower()
        if dt == "tinyint" and column_type.lower().startswith("tinyint(1)"):
            return "bool"
        return _MYSQL_KINDS.get(dt, "other")

    def canon(self, col: Column, scale: int, shift_seconds: int) -> Frag:
        c = self.ident(col.name)
        if col.kind in ("int", "bool"):
            return Frag(f"CAST({c} AS CHAR)")
        if col.kind == "decimal":
            return Frag(f"CAST(CAST({c} AS DECIMAL(65,{int(scale)})) AS CHAR)")
        if col.kind == "float":
            return Frag(f"CAST(CAST({c} AS DECIMAL(65,6)) AS CHAR)")
        if col.kind == "text":
            return Frag(f"CONVERT({c} USING utf8mb4)")
        if col.kind == "timestamp":
            return Frag(f"DATE_FORMAT({c} - INTERVAL %s SECOND, {self.TS})", (shift_seconds,))
        if col.kind == "timestamptz":  # TIMESTAMP: the session's zone is UTC
            return Frag(f"DATE_FORMAT({c}, {self.TS})")
        if col.kind == "date":
            return Frag(f"DATE_FORMAT({c}, '%%Y-%%m-%%d')")
        if col.kind == "bytes":
            return Frag(f"LOWER(HEX({c}))")
        return Frag(f"CONVERT(CAST({c} AS CHAR) USING utf8mb4)")

    def row_text(self, values: Sequence[Frag]) -> Frag:
        parts = [Frag("COALESCE(CONCAT('v', ") + v + Frag("), 'n')") for v in values]
        return Frag("CONCAT_WS(CHAR(31 USING utf8mb4), ") + join(parts, ", ") + Frag(")")

    def row_hash(self, text: Frag) -> Frag:
        return Frag("CAST(CONV(SUBSTRING(MD5(") + text + Frag("), 1, 15), 16, 10) AS UNSIGNED)")

    def key_expr(self, col: Column) -> str:
        c = self.ident(col.name)
        return f"CONVERT({c} USING utf8mb4) COLLATE utf8mb4_bin" if col.kind == "text" else c


class PostgreSQL(Dialect):
    engine = "postgresql"
    schema_sql = "current_schema()"
    TS = "'YYYY-MM-DD HH24:MI:SS.US'"

    def ident(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def kind_of(self, data_type: str, column_type: str) -> str:
        return _PG_KINDS.get(data_type.lower(), "other")

    def canon(self, col: Column, scale: int, shift_seconds: int) -> Frag:
        c = self.ident(col.name)
        if col.kind == "int":
            return Frag(f"{c}::text")
        if col.kind == "bool":
            return Frag(f"({c})::int::text")
        if col.kind == "decimal":
            return Frag(f"round({c}::numeric, {int(scale)})::text")
        if col.kind == "float":
            return Frag(f"round({c}::numeric, 6)::text")
        if col.kind == "text":
            return Frag(f"{c}::text")
        if col.kind == "timestamp":
            return Frag(f"to_char({c} - make_interval(secs => %s), {self.TS})", (shift_seconds,))
        if col.kind == "timestamptz":  # the session's TimeZone is UTC
            return Frag(f"to_char({c}, {self.TS})")
        if col.kind == "date":
            return Frag(f"to_char({c}, 'YYYY-MM-DD')")
        if col.kind == "bytes":
            return Frag(f"encode({c}, 'hex')")
        return Frag(f"{c}::text")

    def row_text(self, values: Sequence[Frag]) -> Frag:
        parts = [Frag("COALESCE('v' || ") + v + Frag(", 'n')") for v in values]
        return Frag("concat_ws(chr(31), ") + join(parts, ", ") + Frag(")")

    def row_hash(self, text: Frag) -> Frag:
        return Frag("('x' || substr(md5(convert_to(") + text + Frag(", 'UTF8')), 1, 15))::bit(60)::bigint")

    def key_expr(self, col: Column) -> str:
        c = self.ident(col.name)
        return f'{c} COLLATE "C"' if col.kind == "text" else c


_MYSQL_KINDS = {
    **dict.fromkeys(("tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year"), "int"),
    **dict.fromkeys(("decimal", "numeric"), "decimal"),
    **dict.fromkeys(("float", "double", "real"), "float"),
    **dict.fromkeys(("char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set"), "text"),
    "datetime": "timestamp", "timestamp": "timestamptz", "date": "date",
    **dict.fromkeys(("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"), "bytes"),
}
_PG_KINDS = {
    **dict.fromkeys(("smallint", "integer", "bigint"), "int"),
    "boolean": "bool", "numeric": "decimal",
    **dict.fromkeys(("real", "double precision"), "float"),
    **dict.fromkeys(("character varying", "character", "text", "citext"), "text"),
    "timestamp without time zone": "timestamp", "timestamp with time zone": "timestamptz",
    "date": "date", "bytea": "bytes",
}


def dialect(engine: str) -> Dialect:
    return MySQL() if engine == "mysql" else PostgreSQL()
