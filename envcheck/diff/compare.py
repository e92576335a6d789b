"""Pairs of hosts and what differs between them, with the rules of what is expected to differ."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from envcheck.diff.sides import Side
from envcheck.errors import BadInput
from envcheck.snapshot.facts import ABSENT
from envcheck.snapshot.items import HostItems, area

SHIPPED_RULES = Path(__file__).resolve().parent / "ignore.yml"
# The order areas are shown in.
AREA_ORDER = ("files", "packages", "services", "ports", "sysctl", "limits", "jvm", "postgresql", "mysql",
              "locales", "zone", "users", "site")


@dataclass(frozen=True)
class Rule:
    item: str  # a glob over "area/item"
    why: str = ""
    source: str = ""


@dataclass(frozen=True)
class Difference:
    area: str
    item: str
    a: str | None  # None: not there on that side
    b: str | None


@dataclass(frozen=True)
class Pair:
    a: HostItems
    b: HostItems
    differences: tuple[Difference, ...]
    ignored: int = 0  # differences a rule left out
    not_compared: tuple[str, ...] = ()  # areas read on one side only


@dataclass(frozen=True)
class DiffResult:
    a: str
    b: str
    pairs: tuple[Pair, ...]
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    unreachable: tuple[str, ...]  # "A:name" / "B:name"
    rules: tuple[Rule, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a, "b": self.b,
            "pairs": [{"a": p.a.name, "b": p.b.name, "ignored": p.ignored, "not_compared": list(p.not_compared),
                       "differences": [{"area": d.area, "item": d.item, "a": d.a, "b": d.b} for d in p.differences]}
                      for p in self.pairs],
            "only_a": list(self.only_a), "only_b": list(self.only_b), "unreachable": list(self.unreachable),
        }


def _read_yaml(path: Path) -> Any:
    """A user's YAML file; a missing or unreadable one is bad input naming it."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BadInput.of("error.file_missing", path=path) from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise BadInput.of("error.in_file", path=path, error=exc) from exc


def load_rules(path: Path, source: str | None = None) -> tuple[Rule, ...]:
    """Rules from a YAML file: `ignore: [{item: GLOB, why: TEXT}, ...]` (a bare list, or plain
    strings, read as well)."""
    data = _read_yaml(path)
    entries = data.get("ignore") if isinstance(data, dict) else data
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise BadInput.of("error.diff_rules", path=path)
    rules = []
    for entry in entries:
        if isinstance(entry, str):
            entry = {"item": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("item"), str) or not entry["item"]:
            raise BadInput.of("error.diff_rules", path=path)
        rules.append(Rule(entry["item"], str(entry.get("why") or ""), source or str(path)))
    return tuple(rules)


def load_map(path: Path) -> dict[str, str]:
    """--map FILE: `A host: B host` lines (YAML mapping)."""
    data = _read_yaml(path)
    if not isinstance(data, dict) or not all(isinstance(v, str | int) for v in data.values()):
        raise BadInput.of("error.diff_map", path=path)
    return {str(k): str(v) for k, v in data.items()}


def ignored(item: str, rules: Iterable[Rule]) -> bool:
    return any(fnmatch.fnmatchcase(item, r.item) for r in rules)


def compare(a: HostItems, b: HostItems, rules: Sequence[Rule]) -> Pair:
    """Every item whose value differs (or that one side lacks), in the areas both sides read."""
    both = a.areas & b.areas
    differences = []
    skipped = 0
    for item in sorted(set(a.items) | set(b.items)):
        if area(item) not in both:
            continue
        va, vb = _value(a.items.get(item)), _value(b.items.get(item))
        if va == vb:
            continue
        if ignored(item, rules):
            skipped += 1
            continue
        differences.append(Difference(area(item), item, va, vb))
    order = {name: i for i, name in enumerate(AREA_ORDER)}
    differences.sort(key=lambda d: (order.get(d.area, len(order)), d.item))
    return Pair(a, b, tuple(differences), skipped, tuple(sorted(a.areas ^ b.areas)))


def _value(value: str | None) -> str | None:
    """A file that is absent and one never listed read the same (another role's path)."""
    return None if value == ABSENT else value


def _first_group(h: HostItems) -> str:
    return next((g for g in h.groups if g not in ("all", "ungrouped")), "")


def pair_hosts(a: Sequence[HostItems], b: Sequence[HostItems], mapping: Mapping[str, str],
               by_order: bool) -> tuple[list[tuple[HostItems, HostItems]], list[HostItems], list[HostItems]]:
    """Pairs (the map's first), then by group and order (by order alone for named hosts and
    groups); the hosts left on each side."""
    left_a, left_b = list(a), list(b)
    pairs = []
    names_b = {h.name: h for h in b}
    for name_a, name_b in mapping.items():
        ha = next((h for h in left_a if h.name == name_a), None)
        hb = names_b.get(name_b)
        if ha is None or hb is None or hb not in left_b:
            raise BadInput.of("error.diff_map_host", a=name_a, b=name_b)
        pairs.append((ha, hb))
        left_a.remove(ha)
        left_b.remove(hb)
    if by_order:
        count = min(len(left_a), len(left_b))
        pairs += list(zip(left_a[:count], left_b[:count], strict=True))
        return pairs, left_a[count:], left_b[count:]
    groups: dict[str, tuple[list[HostItems], list[HostItems]]] = {}
    for h in left_a:
        groups.setdefault(_first_group(h), ([], []))[0].append(h)
    for h in left_b:
        groups.setdefault(_first_group(h), ([], []))[1].append(h)
    rest_a, rest_b = [], []
    for ga, gb in groups.values():
        count = min(len(ga), len(gb))
        pairs += list(zip(ga[:count], gb[:count], strict=True))
        rest_a += ga[count:]
        rest_b += gb[count:]
    return pairs, rest_a, rest_b


def diff(side_a: Side, side_b: Side, rules: Sequence[Rule], mapping: Mapping[str, str] | None = None) -> DiffResult:
    """Every pair compared; a pair with an unreachable host is not (the host is listed)."""
    unreachable = tuple([f"A:{h.name}" for h in side_a.hosts if not h.reachable]
                        + [f"B:{h.name}" for h in side_b.hosts if not h.reachable])
    pairs, only_a, only_b = pair_hosts(side_a.hosts, side_b.hosts, mapping or {}, side_a.by_name or side_b.by_name)
    compared = tuple(compare(x, y, rules) for x, y in pairs if x.reachable and y.reachable)
    return DiffResult(side_a.label, side_b.label, compared, tuple(h.name for h in only_a if h.reachable),
                      tuple(h.name for h in only_b if h.reachable), unreachable, tuple(rules))
