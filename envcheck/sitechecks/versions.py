"""Version constraints (`>= 17`, `1.2.3`) and Debian's ordering of versions, which also reads
RPM's and Java's well enough for a constraint: digits compared as numbers, `~` before anything."""

from __future__ import annotations

import re

_OPS = {">=": lambda c: c >= 0, "<=": lambda c: c <= 0, ">": lambda c: c > 0, "<": lambda c: c < 0,
        "=": lambda c: c == 0, "==": lambda c: c == 0, "!=": lambda c: c != 0}


def satisfies(version: str, constraint: tuple[str, str]) -> bool:
    """`constraint` is (operator, version); no operator: that version or a later part of it
    ("17" takes 17.0.9, "1.2" takes 1.2-3 but not 1.20)."""
    op, want = constraint
    if not op:
        return version == want or bool(re.match(re.escape(want) + r"[.+~:_-]", version))
    return bool(_OPS[op](compare(version, want)))


def _order(c: str) -> int:
    if c == "~":
        return -1
    if c.isalpha():
        return ord(c)
    return ord(c) + 256


def _part(a: str, b: str) -> int:
    """dpkg's comparison of an upstream version or revision."""
    while a or b:
        na, a = re.match(r"[^0-9]*", a).group(0), a[len(re.match(r"[^0-9]*", a).group(0)):]  # type: ignore[union-attr]
        nb, b = re.match(r"[^0-9]*", b).group(0), b[len(re.match(r"[^0-9]*", b).group(0)):]  # type: ignore[union-attr]
        for i in range(max(len(na), len(nb))):
            ca = _order(na[i]) if i < len(na) else 0
            cb = _order(nb[i]) if i < len(nb) else 0
            if ca != cb:
                return -1 if ca < cb else 1
        da = re.match(r"[0-9]*", a).group(0)  # type: ignore[union-attr]
        db = re.match(r"[0-9]*", b).group(0)  # type: ignore[union-attr]
        a, b = a[len(da):], b[len(db):]
        if int(da or 0) != int(db or 0):
            return -1 if int(da or 0) < int(db or 0) else 1
    return 0


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 as Debian orders versions `a` and `b` (epoch:upstream-revision)."""
    ea, _, ra = a.rpartition(":") if ":" in a else ("0", "", a)
    eb, _, rb = b.rpartition(":") if ":" in b else ("0", "", b)
    if int(ea or 0) != int(eb or 0) if ea.isdigit() and eb.isdigit() else False:
        return -1 if int(ea) < int(eb) else 1
    ua, _, va = ra.rpartition("-") if "-" in ra else (ra, "", "")
    ub, _, vb = rb.rpartition("-") if "-" in rb else (rb, "", "")
    return _part(ua, ub) or _part(va, vb)
