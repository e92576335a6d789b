"""What an application config file says (pure): its encoding, its JDBC URLs, and what those ask
that is not the standard."""

from __future__ import annotations

import html
import re

from envcheck.appview import jdbc
from envcheck.checks.util.common import norm_charset
from envcheck.checks.util.zones import same_zone
from envcheck.standard import Standard

_JDBC = re.compile(r"jdbc:(?:mysql|mariadb|postgresql|oracle:thin)[^\s\"'<>]*", re.IGNORECASE)


def encoding_of(data: bytes) -> str:
    """How a config file's bytes read: UTF-8 (ASCII is UTF-8 too), GB18030 (GBK), or unknown."""
    try:
        data.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        return "GB18030"
    except UnicodeDecodeError:
        return "unknown"


def urls_in(text: str) -> list[str]:
    """The JDBC URLs a config file defines, XML entities resolved (&amp; in context.xml)."""
    return [html.unescape(u).rstrip(",;") for u in _JDBC.findall(text)]


def url_problems(url: str, std: Standard) -> list[str]:
    """What a JDBC URL asks that is not the standard."""
    parsed = jdbc.parse(url)
    if parsed is None:
        return []
    out = []
    zone = parsed.time_zone
    if zone and not same_zone(zone, std.timezone):
        key = "options TimeZone" if parsed.engine == "postgresql" else "serverTimezone/connectionTimeZone"
        out.append(f"{key}={zone}, not {std.timezone}")
    charset = parsed.charset
    if charset and norm_charset(charset) != norm_charset(std.charset) and norm_charset(charset) != "UTF8":
        out.append(f"characterEncoding={charset}, not {std.charset}")
    if (parsed.param("useUnicode") or "").lower() == "false":
        out.append("useUnicode=false")
    return out
