"""Secrets out of collected files: passwords, keys and tokens are replaced before anything is
written to disk (a bundle goes to a vendor).

Masked: `key = value` / `key: value` / `KEY=value` where the key names a password, secret, token
or key (password=, PGPASSWORD=, MYSQL_PWD=, keystorePass=...); XML attributes of that kind
(Tomcat's password="..."); `IDENTIFIED BY '...'`; credentials in URLs (scheme://user:pw@host);
PEM private key blocks. Keys that name a setting rather than hold one (password_encryption,
PasswordAuthentication) are left alone.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, TypeVar

MASK = "********"

_SECRET_WORD = (r"(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|private[_-]?key|"  # noqa: S105
                r"keystorepass|truststorepass|keypass|credentials?|auth[_-]?key)")
# Settings whose name contains a secret word but whose value is not a secret. They are excluded
# inside the patterns (a lookahead), so that such a key never swallows the rest of its line: in
# "PWD=/root ; COMMAND=... X_PASSWORD=s3cret" the secret further on is still found.
_NOT_SECRET = (
    r"(?:password_encryption|passwordauthentication|permitemptypasswords|"  # noqa: S105 - names
    r"challengeresponseauthentication|kbdinteractiveauthentication|pubkeyauthentication|"
    r"password_?min_?len\w*|[\w.-]*_file|[\w.-]*_path|[\w.-]*_command[\w.-]*|validate_password\w*|"
    r"update_password|default_authentication_plugin|tokens?_expire\w*|pwd|oldpwd)(?![\w.-])")
_KEY = rf"\b(?!{_NOT_SECRET})[\w.:-]*{_SECRET_WORD}[\w.-]*"

# key = value, key: value, KEY=value, export KEY="value" (a key may carry a prefix: db.password);
# an unquoted value runs to the end of the line (my.cnf allows spaces) or to the next & (a URL query)
_ASSIGN = re.compile(
    rf"(?i)(?P<key>{_KEY})(?P<sep>\s+[=:]\s*|[=:]\s+|[=:])"
    r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s&][^&\n\t]*?(?=[ ]*(?:&|\t|$|\s-{1,2}[A-Za-z])))")
# <Resource password="..."/>, keystorePass='...'
_XML_ATTR = re.compile(rf"(?i)(?P<key>{_KEY})(?P<sep>\s*=\s*)(?P<q>[\"'])(?P<value>.*?)(?P=q)")
_IDENTIFIED = re.compile(r"(?i)(IDENTIFIED\s+(?:WITH\s+\S+\s+)?(?:BY|AS)\s+(?:PASSWORD\s+)?)('[^']*'|\"[^\"]*\"|\S+)")
_PG_PASSWORD = re.compile(r"(?i)(\bPASSWORD\s+)('[^']*')")
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)([^@\s/]+)(@)")
# --password VALUE, -Dx.password VALUE: an option naming a secret, its value the next word
_FLAG = re.compile(rf"(?i)(?<![\w.-])(-{{1,2}}{_KEY}[ \t]+)(?!-)(\"[^\"]*\"|'[^']*'|[^\s&]+)")
_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----.*?(-----END \1-----|\Z)", re.DOTALL)


# What every pattern above needs somewhere in the text: without any of it there is nothing to
# mask, and one search replaces six substitutions a line (a 200-host check masks ~200,000
# strings of evidence and results: half of a profiled run before, bench/README.md).
_TRIGGER = re.compile(rf"(?i){_SECRET_WORD}|credential|identified|password|://|-----BEGIN")
# The same words in lower case, searched in an ASCII text lowered first: 4x faster than the
# case-blind search (0.06 ms against 0.26 for a 3.4 KB mount table, measured; masking the
# evidence of a 200-entry site probe was 1.9 ms a host). For ASCII text, exactly the same
# answer (re's case-blind letters differ from lower() only for non-ASCII ones: K, ſ).
_TRIGGER_LOWER = re.compile(_TRIGGER.pattern.removeprefix("(?i)").replace("BEGIN", "begin"))


def _may_hold_secret(text: str) -> bool:
    if text.isascii():
        return _TRIGGER_LOWER.search(text.lower()) is not None
    return _TRIGGER.search(text) is not None


@lru_cache(maxsize=8192)
def mask_text(text: str) -> tuple[str, int]:
    """The text with its secrets replaced by MASK, and how many were replaced. Cached: a run
    masks the same titles, fix hints and messages on every host."""
    if not _may_hold_secret(text):
        return text, 0
    count = 0

    def pem(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"-----BEGIN {m.group(1)}-----\n{MASK}\n-----END {m.group(1)}-----"

    text = _PEM.sub(pem, text)
    out = []
    for line in text.splitlines(keepends=True):
        masked, n = mask_line(line)
        count += n
        out.append(masked)
    return "".join(out), count


def mask_line(line: str) -> tuple[str, int]:
    if not _may_hold_secret(line):
        return line, 0
    count = 0

    def masked(prefix: str, value: str, suffix: str = "") -> str:
        nonlocal count
        count += 1
        quote = value[0] if value and value[0] in "\"'" else ""
        return f"{prefix}{quote}{MASK}{quote}{suffix}"

    def assign(m: re.Match[str]) -> str:
        value = m.group("value").strip("\"'")
        if value in ("", MASK):
            return m.group(0)
        return masked(m.group("key") + m.group("sep"), m.group("value"))

    def xml(m: re.Match[str]) -> str:
        if m.group("value") in ("", MASK):
            return m.group(0)
        q = m.group("q")
        return masked(m.group("key") + m.group("sep"), q + q)

    line = _XML_ATTR.sub(xml, line)
    line = _ASSIGN.sub(assign, line)
    line = _FLAG.sub(lambda m: m.group(0) if m.group(2) == MASK else masked(m.group(1), m.group(2)), line)
    line = _IDENTIFIED.sub(lambda m: masked(m.group(1), m.group(2)), line)
    line = _PG_PASSWORD.sub(lambda m: masked(m.group(1), m.group(2)), line)
    line = _URL_CREDENTIALS.sub(lambda m: masked(m.group(1), "", m.group(3)), line)
    return line, count


_SECRET_KEY = re.compile(rf"(?i)^{_KEY}$")
_SECRET_FLAG = re.compile(rf"(?i)^-{{1,2}}{_KEY}$")
R = TypeVar("R")
_PLAIN = (bool, int, float)


def mask_data(value: Any) -> Any:
    """A JSON-like value with its secrets masked: every string as mask_text does; the value of a
    key that names a secret (DB_PASSWORD: ...) whole; in a list of arguments, the one after an
    option naming a secret (--password VALUE)."""
    if isinstance(value, str):
        return mask_text(value)[0]
    if isinstance(value, Mapping):
        return {mask_data(k): _masked_whole(v) if isinstance(k, str) and _SECRET_KEY.match(k) else mask_data(v)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        out = [mask_data(v) for v in value]
        for i in range(1, len(out)):
            if isinstance(value[i - 1], str) and _SECRET_FLAG.match(value[i - 1]) and isinstance(out[i], str) \
                    and not out[i].startswith("-"):
                out[i] = MASK
        return out if isinstance(value, list) else tuple(out)
    return value


def _masked_whole(value: Any) -> Any:
    return MASK if isinstance(value, str) and value not in ("", MASK) else mask_data(value)


@lru_cache(maxsize=64)
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def mask_record(record: R) -> R:
    """A frozen dataclass (a Result, a HostStatus) with every field masked as mask_data does;
    its Text fields (en/zh messages) too."""
    changes: dict[str, Any] = {}
    for name in _field_names(type(record)):  # type: ignore[arg-type]
        value = getattr(record, name)
        if value is None or isinstance(value, _PLAIN):
            continue  # nothing to mask (a run masks thousands of results: the common cases first)
        if isinstance(value, str):
            new: Any = mask_text(value)[0]
        elif hasattr(type(value), "__dataclass_fields__"):  # a dataclass instance (its class is a type)
            new = _mask_member(value)
        else:
            new = mask_data(value)
        if new is not value and new != value:
            changes[name] = new
    return dataclasses.replace(record, **changes) if changes else record  # type: ignore[type-var]


def _mask_member(record: Any) -> Any:
    """A dataclass inside a record: masked once per value where it is hashable (the en/zh
    Text of a check's title, fix and message is the same on every host: a 10-host run with
    200 site checks masked 40,000 of them, 12 of masked()'s 17 ms, measured)."""
    try:
        return _mask_hashable(record)
    except TypeError:  # a mutable field inside: masked each time
        return mask_record(record)


@lru_cache(maxsize=8192)
def _mask_hashable(record: Any) -> Any:
    return mask_record(record)
