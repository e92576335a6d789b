"""Helpers for JVMs found running: their main class, -D options and effective encodings.
Not a check module: locale.py reads the processes, these pure functions make sense of them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from envcheck.checks.util.common import effective_locale, locale_charset

# JVM launcher options that take the next argument as their value.
_JAVA_ARG_OPTIONS = {"-cp", "-classpath", "--class-path", "-p", "--module-path", "--add-modules",
                     "--add-opens", "--add-exports", "--add-reads", "--patch-module", "--limit-modules",
                     "--upgrade-module-path"}


def java_main(args: list[str]) -> str:
    """The main class or jar of a java command line (names the JVM in reports)."""
    return _java_split(args)[0]


def _java_split(args: list[str]) -> tuple[str, int]:
    """(main class or jar, index where the JVM's own options end)."""
    i = 1
    while i < len(args):
        a = args[i]
        if a == "-jar" and i + 1 < len(args):
            return args[i + 1].rsplit("/", 1)[-1], i
        if a in ("-m", "--module") and i + 1 < len(args):
            return args[i + 1], i
        if a in _JAVA_ARG_OPTIONS:
            i += 2
            continue
        if not a.startswith("-"):
            return a, i
        i += 1
    return "?", len(args)


def jvm_options(env: Mapping[str, str], args: list[str]) -> dict[str, str]:
    """-D properties as the JVM sees them: JAVA_TOOL_OPTIONS, then JDK_JAVA_OPTIONS, then the
    command line (up to the main class), then _JAVA_OPTIONS; the last one set wins."""
    own = args[1:_java_split(args)[1]]
    sources = [*env.get("JAVA_TOOL_OPTIONS", "").split(), *env.get("JDK_JAVA_OPTIONS", "").split(),
               *own, *env.get("_JAVA_OPTIONS", "").split()]
    props: dict[str, str] = {}
    for a in sources:
        m = re.fullmatch(r"-D(file\.encoding|sun\.jnu\.encoding|user\.timezone)=(.*)", a)
        if m:
            props[m.group(1)] = m.group(2)
    return props


def jvm_encodings(jvm: Mapping[str, Any]) -> dict[str, str]:
    """file.encoding and sun.jnu.encoding of a JVM: set by -D, else taken from its locale
    (JDK 18 and later default file.encoding to UTF-8, JEP 400)."""
    locale = effective_locale(jvm["env"])
    implied = f"{locale_charset(locale)} (from the locale {locale})"
    major = _java_major(jvm.get("java_version"))
    opts = jvm["options"]
    file_enc = opts.get("file.encoding")
    if file_enc is None and major is not None and major >= 18:
        file_enc = "UTF-8 (JDK 18+ default)"
    elif file_enc is None or file_enc.upper() == "COMPAT":
        file_enc = implied
    return {"file.encoding": file_enc, "sun.jnu.encoding": opts.get("sun.jnu.encoding") or implied}


def _java_major(version: str | None) -> int | None:
    m = re.match(r"(?:1\.)?(\d+)", version or "")
    return int(m.group(1)) if m else None
