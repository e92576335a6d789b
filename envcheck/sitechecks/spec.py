"""Site checks as the inventory declares them: `site_checks` and every `site_checks_<suffix>`
(so a group_vars file adds its own list beside the others), validated before any host is
contacted. A malformed entry is a user error naming the file, the entry and the field."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, overload

from envcheck.errors import BadInput, words
from envcheck.model import Severity, Text

VARIABLE = "site_checks"
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@:+~/-]{0,127}")  # a package, unit, user or process name
_PARAM = re.compile(r"[a-z0-9_][a-z0-9_.-]{0,127}")
_MODE = re.compile(r"0?[0-7]{3,4}")
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B?)?", re.IGNORECASE)
_VERSION = re.compile(r"(>=|<=|==|!=|>|<|=)?\s*([0-9A-Za-z.+~:_-]+)")
_URL = re.compile(r"https?://[^\s]+")
SIZES = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


@dataclass(frozen=True)
class Entry:
    name: str  # its `id` without "site."
    type: str
    severity: Severity
    title: Text
    fix: Text
    fields: Mapping[str, Any]  # the type's fields, validated and normalised
    variable: str = VARIABLE  # where it was declared
    position: int = 0  # 1-based, in that variable's list

    @property
    def id(self) -> str:
        return f"site.{self.name}"

    def get(self, key: str, default: Any = None) -> Any:
        return self.fields.get(key, default)


class SpecError(Exception):
    """A field's problem, as words of the catalogue (its key and values)."""

    def __init__(self, field: str, key: str, **values: object) -> None:
        super().__init__(key)
        self.field, self.key, self.values = field, key, values


Check = Callable[[str, Any], Any]  # (field, value) -> the normalised value, or SpecError


def _text(field: str, v: Any) -> str:
    if isinstance(v, bool) or not isinstance(v, str | int | float) or str(v) == "":
        raise SpecError(field, "sitespec.need_text", value=repr(v))
    s = str(v)
    if "\n" in s or "\0" in s:
        raise SpecError(field, "sitespec.one_line", value=repr(s))
    return s


def _pattern(rx: re.Pattern[str], what: str) -> Check:
    def check(field: str, v: Any) -> str:
        s = _text(field, v)
        if not rx.fullmatch(s):
            raise SpecError(field, what, value=repr(s))
        return s
    return check


def _path(field: str, v: Any) -> str:
    s = _text(field, v)
    if not s.startswith("/"):
        raise SpecError(field, "sitespec.need_path", value=repr(s))
    return s.rstrip("/") or "/"  # /data/ is the mount point /data


def _bool(field: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise SpecError(field, "sitespec.need_bool", value=repr(v))
    return v


def _int(low: int, high: int) -> Check:
    def check(field: str, v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int | str) or not str(v).strip().isdigit() \
                or not low <= int(v) <= high:
            raise SpecError(field, "sitespec.need_int", value=repr(v), low=low, high=high)
        return int(v)
    return check


def _size(field: str, v: Any) -> int:
    m = _SIZE.fullmatch(str(v).strip()) if not isinstance(v, bool) and isinstance(v, int | str) else None
    if m is None:
        raise SpecError(field, "sitespec.need_size", value=repr(v))
    return int(float(m.group(1)) * SIZES[m.group(2).upper()])


def _mode(field: str, v: Any) -> str:
    if not isinstance(v, str) or not _MODE.fullmatch(v):  # YAML reads an unquoted 0640 as 416
        raise SpecError(field, "sitespec.need_mode", value=repr(v))
    return v.lstrip("0").rjust(3, "0")


def _regex(field: str, v: Any) -> str:
    s = _text(field, v)
    try:
        re.compile(s)
    except re.error as exc:
        raise SpecError(field, "sitespec.need_regex", value=repr(s), error=str(exc)) from exc
    return s


def _many(each: Check) -> Check:
    def check(field: str, v: Any) -> tuple[Any, ...]:
        items = v if isinstance(v, list | tuple) else [v]
        return tuple(each(field, i) for i in items)
    return check


def _choice(*allowed: str) -> Check:
    def check(field: str, v: Any) -> str:
        if v not in allowed:
            raise SpecError(field, "sitespec.need_choice", value=repr(v), allowed=", ".join(allowed))
        return str(v)
    return check


def _version(field: str, v: Any) -> tuple[str, str]:
    m = _VERSION.fullmatch(str(v).strip()) if isinstance(v, str | int | float) and not isinstance(v, bool) else None
    if m is None:
        raise SpecError(field, "sitespec.need_version", value=repr(v))
    return (m.group(1) or "", m.group(2))


def _headers(field: str, v: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(v, Mapping):
        raise SpecError(field, "sitespec.need_headers", value=repr(v))
    return tuple((_pattern(re.compile(r"[A-Za-z0-9-]{1,64}"), "sitespec.need_word")(field, k), _regex(field, r))
                 for k, r in v.items())


_NAMEF = _pattern(_WORD, "sitespec.need_word")
# Per type: field -> (check, required). Every value later reaches the probe script quoted.
TYPES: dict[str, dict[str, tuple[Check, bool]]] = {
    "file": {"path": (_path, True), "exists": (_bool, False),
             "filetype": (_choice("file", "directory", "symlink"), False),
             "mode": (_mode, False), "owner": (_NAMEF, False), "group": (_NAMEF, False),
             "min_size": (_size, False), "max_size": (_size, False), "contains": (_many(_regex), False),
             "not_contains": (_many(_regex), False), "utf8": (_bool, False)},
    "mount": {"path": (_path, True), "fstype": (_NAMEF, False), "options": (_many(_NAMEF), False),
              "min_size": (_size, False)},
    "package": {"name": (_NAMEF, True), "installed": (_bool, False), "version": (_version, False)},
    "service": {"name": (_NAMEF, True), "active": (_bool, False), "enabled": (_bool, False)},
    "port": {"port": (_int(1, 65535), True), "proto": (_choice("tcp", "udp"), False), "listening": (_bool, False),
             "process": (_NAMEF, False)},
    "process": {"name": (_NAMEF, True), "running": (_bool, False), "user": (_NAMEF, False),
                "min_count": (_int(0, 100000), False), "max_count": (_int(0, 100000), False)},
    "command": {"command": (_text, True), "exit_code": (_int(0, 255), False), "stdout": (_regex, False),
                "timeout": (_int(1, 600), False), "sudo": (_bool, False)},
    "kernel_param": {"name": (_pattern(_PARAM, "sitespec.need_word"), True), "value": (_text, True)},
    "user": {"name": (_NAMEF, True), "exists": (_bool, False), "uid": (_int(0, 2**32 - 2), False),
             "group": (_NAMEF, False), "groups": (_many(_NAMEF), False), "home": (_path, False),
             "shell": (_path, False)},
    "group": {"name": (_NAMEF, True), "exists": (_bool, False), "gid": (_int(0, 2**32 - 2), False),
              "members": (_many(_NAMEF), False)},
    "cron": {"match": (_regex, True), "user": (_NAMEF, False)},
    "java": {"java_home": (_path, False), "version": (_version, True), "vendor": (_regex, False)},
    "http": {"url": (_pattern(_URL, "sitespec.need_url"), True), "status": (_int(100, 599), False),
             "body": (_regex, False), "headers": (_headers, False), "timeout": (_int(1, 120), False),
             "ca_file": (_path, False), "insecure": (_bool, False)},
}
DEFAULT_FIX = Text("Bring the host to what this site check declares (the inventory's site_checks), or correct "
                   "the declaration", "使主机符合此站点检查项的声明（清单中的 site_checks），或修正该声明")
COMMON = ("id", "type", "severity", "title", "fix")


def variables_of(host_vars: Mapping[str, Any]) -> list[str]:
    """`site_checks` first, then the `site_checks_<suffix>` ones by name."""
    return sorted((k for k in host_vars if k == VARIABLE or k.startswith(VARIABLE + "_")),
                  key=lambda k: (k != VARIABLE, k))


# A spec with many faults (a checklist typed in by hand) is told in one go, not one run each.
MAX_TOLD = 20


def parse_host(host_vars: Mapping[str, Any], where: Callable[[str], str]) -> tuple[Entry, ...]:
    """Every entry declared for a host; `where(variable)` names the file that declares it.
    BadInput names every malformed entry (its first faulty field; MAX_TOLD at most), one a line."""
    entries: list[Entry] = []
    faults: list[Text] = []
    seen: dict[str, str] = {}
    for var in variables_of(host_vars):
        value = host_vars[var]
        if value is None:
            continue
        if not isinstance(value, list):
            faults.append(words("error.site_spec_list", file=where(var), variable=var, value=type(value).__name__))
            continue
        for position, item in enumerate(value, 1):
            try:
                entry = parse_entry(item, var, position, where)
            except BadInput as exc:
                faults.append(exc.text)
                given = item.get("id") if isinstance(item, Mapping) else None
                if isinstance(given, str):  # its name is taken all the same: a second one is told too
                    seen.setdefault(given.removeprefix("site."), f"{var}[{position}]")
                continue
            if entry.name in seen:
                faults.append(words("error.site_spec_twice", file=where(var), variable=var, position=position,
                                    name=entry.name, other=seen[entry.name]))
                continue
            seen[entry.name] = f"{var}[{position}]"
            entries.append(entry)
    if faults:
        raise BadInput(_told(faults))
    return tuple(entries)


def _told(faults: Sequence[Text]) -> Text:
    """One fault as it is; several under a line that counts them, MAX_TOLD at most."""
    if len(faults) == 1:
        return faults[0]
    head = words("error.site_spec_many", count=len(faults))
    shown = list(faults[:MAX_TOLD])
    if len(faults) > MAX_TOLD:
        shown.append(words("error.site_spec_more", count=len(faults) - MAX_TOLD))
    return Text("\n".join([head.en, *("  " + f.en for f in shown)]),
                "\n".join([head.zh, *("  " + f.zh for f in shown)]))


def parse_entry(item: Any, variable: str, position: int, where: Callable[[str], str]) -> Entry:
    label = f"{variable}[{position}]"
    if isinstance(item, Mapping) and isinstance(item.get("id"), str):
        label += f" ({item['id']})"
    try:
        return _entry(item, variable, position)
    except SpecError as exc:
        raise BadInput.of("error.site_spec", file=where(variable), entry=label, field=exc.field,
                          problem=words(exc.key, **exc.values)) from None


def _entry(item: Any, variable: str, position: int) -> Entry:
    if not isinstance(item, Mapping):
        raise SpecError("-", "sitespec.need_mapping", value=repr(item)[:80])
    given = item.get("id")
    name = _pattern(_NAME, "sitespec.need_name")("id", given.removeprefix("site.") if isinstance(given, str) else given)
    kind = _choice(*TYPES)("type", item.get("type"))
    schema = TYPES[kind]
    unknown = sorted(str(k) for k in item if k not in schema and k not in COMMON)
    if unknown:
        raise SpecError(unknown[0], "sitespec.unknown_field", allowed=", ".join([*COMMON, *schema]))
    fields = {}
    for key, (check, required) in schema.items():
        if item.get(key) is None:
            if required:
                raise SpecError(key, "sitespec.required")
            continue
        fields[key] = check(key, item[key])
    severity = Severity(_choice(*(s.value for s in Severity))("severity", item.get("severity", "major")))
    title = _pair("title", item.get("title"), required=True)
    fix = _pair("fix", item.get("fix"), required=False) or DEFAULT_FIX
    return Entry(name, kind, severity, title, fix, fields, variable, position)


@overload
def _pair(field: str, v: Any, required: Literal[True]) -> Text: ...
@overload
def _pair(field: str, v: Any, required: bool) -> Text | None: ...
def _pair(field: str, v: Any, required: bool) -> Text | None:
    if v is None and not required:
        return None
    if not isinstance(v, Mapping) or not all(isinstance(v.get(k), str) and v[k].strip() for k in ("en", "zh")):
        raise SpecError(field, "sitespec.need_pair", value=repr(v)[:80])
    return Text(str(v["en"]), str(v["zh"]))


def declaring_file(sources: Sequence[str], variable: str) -> str:
    """The inventory file (or group_vars/host_vars file) that declares `variable`: the first
    whose text has it at the start of a line; else the inventory itself."""
    rx = re.compile(rf"^\s*['\"]?{re.escape(variable)}['\"]?\s*[:=]", re.MULTILINE)
    for candidate in _files(sources):
        try:
            if rx.search(candidate.read_text(errors="replace")):
                return str(candidate)
        except OSError:
            continue
    return ", ".join(sources) or "inventory"


def _files(sources: Sequence[str]) -> list[Path]:
    out: list[Path] = []
    for source in sources:
        p = Path(source)
        roots = [p] if p.is_dir() else [p, p.parent / "group_vars", p.parent / "host_vars"]
        for root in roots:
            if root.is_file():
                out.append(root)
            elif root.is_dir():
                out += sorted(f for f in root.rglob("*") if f.is_file())
    return out
