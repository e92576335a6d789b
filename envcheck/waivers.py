"""Waivers: accepted deviations. A check may fail on the hosts a pattern names, for a reason
someone approved, until an expiry date; the result then reads `waived` (keeping what was
found) in every output and in the exit code. Once the date has passed the result fails
again and says that its waiver expired.

Waivers come from a YAML file (`--waivers FILE`) and from the inventory variable
`envcheck_waivers`, each a list of mappings:

    - check: mysql.character_set_server    # an id, an area (mysql) or a glob (mysql.*)
      hosts: "db*"                         # host name globs, comma separated (or a list); default "*"
      reason: The vendor's schema needs latin1 until release 7.2
      approver: Li Wei (customer DBA)
      ticket: CHG-2291                     # optional
      expires: 2027-03-31                  # the last day it holds
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from envcheck.errors import BadInput, words
from envcheck.i18n import t
from envcheck.model import Result, Status, Text, Waived, Waiver

INVENTORY_VAR = "envcheck_waivers"
REQUIRED = ("check", "reason", "approver", "expires")
KNOWN = (*REQUIRED, "hosts", "ticket")
WAIVABLE = (Status.FAIL, Status.WARN, Status.ERROR)


def load_file(path: Path) -> tuple[Waiver, ...]:
    """The waivers of a YAML file; every problem is bad input naming the file and entry."""
    import yaml  # noqa: PLC0415 (yaml: ~10 ms, not for --help)

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BadInput.of("error.waivers_missing", path=path) from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise BadInput.of("error.waivers_unreadable", path=path, error=exc) from exc
    if isinstance(data, Mapping) and "waivers" in data:
        data = data["waivers"]
    return parse(data, str(path))


def parse(data: Any, source: str) -> tuple[Waiver, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        raise BadInput.of("error.waivers_not_list", source=source, fields=", ".join(KNOWN))
    return tuple(_entry(item, source, i) for i, item in enumerate(data, 1))


def _entry(item: Any, source: str, number: int) -> Waiver:
    where = words("error.waiver_where", source=source, number=number)
    if not isinstance(item, Mapping):
        raise BadInput.of("error.waiver_not_mapping", where=where)
    missing = [k for k in REQUIRED if item.get(k) in (None, "")]
    if missing:
        raise BadInput.of("error.waiver_missing", where=where, missing=", ".join(missing), required=", ".join(REQUIRED))
    unknown = sorted(str(k) for k in item if k not in KNOWN)
    if unknown:
        raise BadInput.of("error.waiver_unknown", where=where, unknown=", ".join(unknown), known=", ".join(KNOWN))
    for field in ("check", "reason", "approver", "ticket"):  # one text each; a list read as its repr never matched
        if isinstance(item.get(field), Mapping | list):
            raise BadInput.of("error.waiver_text", where=where, field=field, value=repr(item[field])[:80])
    return Waiver(check=str(item["check"]).strip(), hosts=_hosts(item.get("hosts"), where),
                  reason=str(item["reason"]).strip(), approver=str(item["approver"]).strip(),
                  expires=_date(item["expires"], where), ticket=str(item.get("ticket") or "").strip(),
                  source=source)


def _hosts(value: Any, where: Text) -> str:
    """Host name globs, comma separated; a YAML list of them is taken as well (`[db1, db2]`
    was read as the text "['db1', 'db2']", which matched no host: the waiver never held)."""
    if value in (None, ""):
        return "*"
    if isinstance(value, list) and value and all(isinstance(v, str | int) for v in value):
        return ",".join(str(v).strip() for v in value)
    if isinstance(value, Mapping | list):
        raise BadInput.of("error.waiver_hosts", where=where, value=repr(value)[:80])
    return str(value).strip()


def _date(value: Any, where: Text) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise BadInput.of("error.waiver_date", where=where, value=repr(value)) from exc


def from_json(doc: Mapping[str, Any]) -> Waiver:
    """A waiver as to_json wrote it (a run's result.json)."""
    return Waiver(str(doc.get("check", "")), str(doc.get("hosts", "*")), str(doc.get("reason", "")),
                  str(doc.get("approver", "")), date.fromisoformat(str(doc["expires"])),
                  str(doc.get("ticket", "")), str(doc.get("source", "")))


def matches(waiver: Waiver, check: str, host: str | None) -> bool:
    if not (check == waiver.check or check.split(".")[0] == waiver.check or fnmatch.fnmatchcase(check, waiver.check)):
        return False
    patterns = [p.strip() for p in waiver.hosts.split(",") if p.strip()] or ["*"]
    if host is None:  # a fleet check: only a waiver for every host, or for "fleet", covers it
        return "*" in patterns or "fleet" in patterns
    return any(fnmatch.fnmatchcase(host, p) for p in patterns)


def expired(waiver: Waiver, today: date) -> bool:
    return today > waiver.expires


def find(waivers: Iterable[Waiver], check: str, host: str | None, today: date) -> Waiver | None:
    """The waiver for a result: one in force first, else an expired one (which is said)."""
    met = [w for w in waivers if matches(w, check, host)]
    return next((w for w in met if not expired(w, today)), met[0] if met else None)


def decide(status: Status, check: str, host: str | None, waivers: Sequence[Waiver],
           today: date) -> tuple[Status, Waived | None]:
    """The status a result reads with the waivers, and the waiver met (if any). Only a
    failure, a warning or an error is waived; an expired waiver leaves the status as it is."""
    if status not in WAIVABLE or not waivers:
        return status, None
    waiver = find(waivers, check, host, today)
    if waiver is None:
        return status, None
    if expired(waiver, today):
        return status, Waived(waiver, status, expired=True)
    return Status.WAIVED, Waived(waiver, status)


def apply(results: Iterable[Result], waivers: Sequence[Waiver], today: date) -> tuple[Result, ...]:
    out = []
    for r in results:
        status, waived = decide(r.status, r.check, r.host, waivers, today)
        out.append(r if waived is None else replace(r, status=status, waiver=waived))
    return tuple(out)


def apply_json(results: Iterable[Mapping[str, Any]], waivers: Sequence[Waiver], today: date) -> list[dict[str, Any]]:
    """The same on results read back from a run (`report`): a waiver recorded by the run is
    judged again on `today` (it may have expired since), and `waivers` apply to the rest."""
    out = []
    for r in results:
        doc = dict(r)
        recorded = doc.get("waiver")
        if isinstance(recorded, Mapping) and recorded.get("expires"):
            status = Status(str(recorded.get("status", doc.get("status"))))
            pool: Sequence[Waiver] = [from_json(recorded), *waivers]
        else:
            try:
                status = Status(str(doc.get("status")))
            except ValueError:
                out.append(doc)
                continue
            pool = waivers
        new_status, waived = decide(status, str(doc.get("check", "")), doc.get("host"), pool, today)
        doc["status"] = str(new_status)
        if waived is None:
            doc.pop("waiver", None)
        else:
            doc["waiver"] = waived.to_json()
        out.append(doc)
    return out


def unique(waivers: Iterable[Waiver]) -> tuple[Waiver, ...]:
    """Waivers without repeats (the same entry read from every host's group_vars)."""
    seen: dict[tuple[Any, ...], Waiver] = {}
    for w in waivers:
        seen.setdefault((w.check, w.hosts, w.reason, w.approver, w.expires, w.ticket), w)
    return tuple(seen.values())


def note(waived: Mapping[str, Any] | Waived | None, lang: str) -> str:
    """What a waived (or no longer waived) result says about its waiver, in `lang`."""
    if waived is None:
        return ""
    doc = waived.to_json() if isinstance(waived, Waived) else waived
    ticket = f", {doc['ticket']}" if doc.get("ticket") else ""
    key = "waiver.expired" if doc.get("expired") else "waiver.accepted"
    return t(key, lang, reason=doc.get("reason", ""), approver=doc.get("approver", ""),
             expires=doc.get("expires", ""), ticket=ticket)
