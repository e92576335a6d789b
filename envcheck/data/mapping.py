"""What is compared with what: the mapping file (mapping.yml) read into one plan per table.

    source_tz: "+08:00"        # zone of the source's zone-less timestamps (default +00:00)
    target_tz: "+00:00"        # the same for the target (default: source_tz)
    tables:
      fee:                     # source table
        target: fee_detail     # its name in the target (default: the same)
        key: [id]              # default: the source's primary key
        columns: {name: patient_name}   # source column -> target column (renames)
        exclude: [updated_at]  # columns not compared
        where: "id <= 500000"  # a batch: SQL on the source (target_where: on the target)
        since: {column: charged_at, value: "2026-11-01 00:00:00"}   # a delta window
        money: [amount]        # sums compared (default: every decimal column)
        foreign_keys: {patient_id: patient.id}  # orphans looked for in the target
        cjk: [name, address]   # columns expected to hold Chinese ('?' runs mean loss)

Without a mapping file every source table is compared with the target table of its name.
The where clauses are SQL from the engineer's own file (as a batch window must be); every
value given elsewhere (since, the zones) reaches the database as a driver parameter."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from envcheck.errors import BadInput

FIELDS = ("target", "key", "columns", "exclude", "where", "target_where", "since", "money", "foreign_keys", "cjk")
_TZ = re.compile(r"^(?:UTC|Z|[+-](\d{2}):?(\d{2}))$")


def tz_seconds(text: str) -> int:
    """+08:00 -> 28800. Offsets only: a fixed offset is what a zone-less column was written in."""
    m = _TZ.match(text.strip())
    if not m:
        raise BadInput.of("error.tz_offset", value=repr(text))
    if m.group(1) is None:
        return 0
    sign = -1 if text.strip().startswith("-") else 1
    return sign * (int(m.group(1)) * 3600 + int(m.group(2)) * 60)


@dataclass(frozen=True)
class TablePlan:
    source: str
    target: str
    key: tuple[str, ...] = ()
    renames: dict[str, str] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    where: str = ""
    target_where: str = ""
    since: tuple[str, str] | None = None
    money: tuple[str, ...] | None = None
    foreign_keys: dict[str, str] = field(default_factory=dict)
    cjk: tuple[str, ...] = ()

    def target_column(self, source_column: str) -> str:
        return self.renames.get(source_column, source_column)


@dataclass(frozen=True)
class Mapping:
    tables: tuple[TablePlan, ...]
    source_tz: str = "+00:00"
    target_tz: str = "+00:00"
    since: tuple[str, str] | None = None  # --since COLUMN VALUE: every table with that column

    def plan_for(self, plan: TablePlan, source_columns: set[str]) -> TablePlan:
        """The plan with --since applied where the table has the column and no since of its own."""
        if self.since and plan.since is None and self.since[0] in source_columns:
            return replace(plan, since=self.since)
        return plan


def _strs(value: Any, where: str, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise BadInput.of("error.mapping_names", path=where, field=field)


def _plan(name: str, spec: Any, where: str) -> TablePlan:
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise BadInput.of("error.mapping_table", path=where, name=name)
    unknown = set(spec) - set(FIELDS)
    if unknown:
        raise BadInput.of("error.mapping_unknown", path=where, name=name, unknown=", ".join(sorted(unknown)),
                          known=", ".join(FIELDS))
    since = spec.get("since")
    if since is not None and not (isinstance(since, dict) and {"column", "value"} <= set(since)):
        raise BadInput.of("error.mapping_since", path=where, name=name)
    money = spec.get("money")
    return TablePlan(
        source=name, target=str(spec.get("target") or name), key=_strs(spec.get("key"), where, f"{name}.key"),
        renames={str(k): str(v) for k, v in (spec.get("columns") or {}).items()},
        exclude=_strs(spec.get("exclude"), where, f"{name}.exclude"),
        where=str(spec.get("where") or ""), target_where=str(spec.get("target_where") or spec.get("where") or ""),
        since=(str(since["column"]), str(since["value"])) if since else None,
        money=None if money is None else _strs(money, where, f"{name}.money"),
        foreign_keys={str(k): str(v) for k, v in (spec.get("foreign_keys") or {}).items()},
        cjk=_strs(spec.get("cjk"), where, f"{name}.cjk"))


def load_mapping(path: Path | None, source_tables: list[str], source_tz: str | None,
                 target_tz: str | None, since: tuple[str, str] | None = None) -> Mapping:
    doc: dict[str, Any] = {}
    if path is not None:
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise BadInput.of("error.mapping_unreadable", path=path, error=exc) from exc
        if not isinstance(doc, dict):
            raise BadInput.of("error.mapping_shape", path=path)
    where = str(path) if path else "mapping"
    tables = doc.get("tables")
    plans = tuple(_plan(str(n), s, where) for n, s in tables.items()) if isinstance(tables, dict) \
        else tuple(TablePlan(n, n) for n in source_tables)
    src_tz = source_tz or str(doc.get("source_tz") or "+00:00")
    tgt_tz = target_tz or str(doc.get("target_tz") or src_tz)
    tz_seconds(src_tz), tz_seconds(tgt_tz)
    return Mapping(plans, src_tz, tgt_tz, since)
