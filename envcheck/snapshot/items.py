"""A host's facts as flat items {"area/item": value}: what envcheck.diff compares. Read from
the raw probe outputs a check or snapshot run keeps (hosts/<host>.json), with the parsers of
envcheck.snapshot.facts, plus the zone and installed locales from the check's own facts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from envcheck.model import ProbeOutput
from envcheck.snapshot.facts import PARSERS, Items

_ZONE = "time.zone"
_LIMITS = "resources.limits"
_LOCALES = "locale.available"


@dataclass(frozen=True)
class HostItems:
    name: str
    groups: tuple[str, ...]
    reachable: bool
    items: Items = field(default_factory=dict)
    error: str | None = None
    source: str = ""  # the run directory or inventory it was read from
    areas: frozenset[str] = frozenset()  # the areas read (a probe ran), compared only where both read them


def area(item: str) -> str:
    return item.split("/", 1)[0]


# The areas each probe reads.
AREAS = {"snapshot.packages": ("packages",), "snapshot.services": ("services",), "snapshot.ports": ("ports",),
         "snapshot.sysctl": ("sysctl",), "snapshot.locales": ("locales",), "snapshot.jvm": ("jvm",),
         "snapshot.postgresql": ("postgresql",), "snapshot.mysql": ("mysql",), "snapshot.files": ("files",),
         "snapshot.users": ("users",), "snapshot.limits": ("users",), _ZONE: ("zone",), _LOCALES: ("locales",),
         _LIMITS: ("limits",)}


def read_areas(probes: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(a for fact_id in probes for a in AREAS.get(fact_id, ()))


def items_of(probes: Mapping[str, ProbeOutput]) -> Items:
    """Every item the probes give; a probe whose parser fails gives none (its area is then not
    compared) rather than stopping the diff."""
    items: Items = {}
    for fact_id, parse in PARSERS.items():
        if fact_id in probes:
            try:
                items |= parse(probes[fact_id])
            except (ValueError, IndexError):
                continue
    zone = probes.get(_ZONE)
    if zone is not None:
        from envcheck.checks.time import parse_zone  # noqa: PLC0415 (the check catalogue, only here)

        value = parse_zone(zone).get("zone")
        items["zone/zone"] = str(value) if value else "absent"
    limits = probes.get(_LIMITS)
    if limits is not None:
        items |= _service_limits(limits)
    locales = probes.get(_LOCALES)
    if locales is not None:
        items |= {f"locales/installed/{name}": "installed" for name in locales.stdout.split()
                  if name not in ("C", "POSIX")}
    return items


def from_evidence(host: Mapping[str, Any], source: str = "",
                  results: Sequence[Mapping[str, Any]] = ()) -> HostItems:
    """hosts/<host>.json of a check or snapshot run; `results`: the host's results in the run's
    result.json, whose site checks give the area `site` (site_items)."""
    probes = {k: ProbeOutput(str(v.get("stdout", "")), int(v.get("rc", 0)), str(v.get("stderr", "")))
              for k, v in (host.get("probes") or {}).items() if isinstance(v, dict)}
    site = site_items(results)
    return HostItems(str(host.get("name")), tuple(host.get("groups") or ()), bool(host.get("reachable")),
                     items_of(probes) | site, host.get("error"), source,
                     read_areas(probes) | ({SITE} if site else set()))


SITE = "site"


def site_items(results: Sequence[Mapping[str, Any]]) -> Items:
    """The site checks (`site.<name>`, declared in the inventory) of a host's results: each one's
    status and what it found, two items, so that `--ignore 'site/*/found'` keeps the statuses
    alone. The found values are result.json's, masked there."""
    from envcheck.output.values import human  # noqa: PLC0415 (rendering: only for a diff)

    items: Items = {}
    for r in results:
        check = str(r.get("check") or "")
        if check.startswith(SITE + "."):
            name = check.removeprefix(SITE + ".")
            items[f"{SITE}/{name}/status"] = str(r.get("status"))
            items[f"{SITE}/{name}/found"] = human(r.get("found")) or "-"
    return items


def _service_limits(out: ProbeOutput) -> Items:
    """The services' units' soft nofile and nproc (the check's resources.limits)."""
    from envcheck.checks.resources import parse_limits  # noqa: PLC0415 (the check catalogue, only here)

    items: Items = {}
    for unit, values in (parse_limits(out).get("units") or {}).items():
        for what in ("nofile", "nproc"):
            items[f"limits/service/{unit.removesuffix('.service')}/{what}"] = str(values.get(what))
    return items
