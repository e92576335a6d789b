"""Small pure helpers shared by the parsers and evaluations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from envcheck.model import Outcome, ProbeOutput, Status, Text


def key_values(text: str, sep: str = "=") -> dict[str, str]:
    """`key=value` lines as a dict (later keys win; lines without sep are ignored)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, found, value = line.partition(sep)
        if found and key.strip():
            out[key.strip()] = value.strip()
    return out


def sections(text: str) -> dict[str, str]:
    """Output cut by `== name ==` header lines into named sections."""
    out: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        if line.startswith("== ") and line.endswith(" =="):
            current = line[3:-3].strip()
            out.setdefault(current, [])
        else:
            out.setdefault(current, []).append(line)
    return {k: "\n".join(v) for k, v in out.items()}


def kv_output(out: ProbeOutput) -> dict[str, str]:
    return key_values(out.stdout)


def compare(found: Any, expected: Any, what: Text, status_if_wrong: Status = Status.FAIL) -> Outcome:
    """Pass when found == expected, else fail with a message naming both."""
    if found == expected:
        return Outcome(Status.PASS, found, expected, what.format(found=found, expected=expected))
    return Outcome(
        status_if_wrong,
        found,
        expected,
        Text(f"{what.en}: found {found!r}, expected {expected!r}",
             f"{what.zh}:实际为 {found!r},应为 {expected!r}"),
    )


def ok(found: Any, expected: Any, en: str, zh: str) -> Outcome:
    return Outcome(Status.PASS, found, expected, Text(en, zh))


def bad(found: Any, expected: Any, en: str, zh: str, status: Status = Status.FAIL) -> Outcome:
    return Outcome(status, found, expected, Text(en, zh))


def norm_charset(name: str) -> str:
    """utf8, UTF-8, utf-8 -> UTF-8 (for comparing locale and JVM charsets)."""
    upper = name.strip().upper().replace("_", "-")
    return {"UTF8": "UTF-8"}.get(upper, upper)


def norm_locale(name: str) -> str:
    """zh_CN.utf8 and zh_CN.UTF-8 name the same locale."""
    lang, dot, charset = name.strip().partition(".")
    if not dot:
        return lang
    modifier = ""
    if "@" in charset:
        charset, _, modifier = charset.partition("@")
        modifier = "@" + modifier
    return f"{lang}.{norm_charset(charset)}{modifier}"


# What glibc (and so a JVM) calls the charset of the C/POSIX locale.
ASCII = "ANSI_X3.4-1968"
# glibc's charset for a locale named without one (LANG=zh_CN is GB2312, not UTF-8).
_LEGACY_CHARSETS = {"zh_CN": "GB2312", "zh_SG": "GB2312", "zh_TW": "BIG5", "zh_HK": "BIG5-HKSCS",
                    "ja_JP": "EUC-JP", "ko_KR": "EUC-KR", "ru_RU": "ISO-8859-5"}


def effective_locale(env: Mapping[str, str]) -> str:
    """The locale a process really runs with: LC_ALL, else LC_CTYPE, else LANG, else C."""
    return env.get("LC_ALL") or env.get("LC_CTYPE") or env.get("LANG") or "C"


def locale_charset(name: str) -> str:
    """The charset a locale name stands for: zh_CN.utf8 -> UTF-8, C -> ANSI_X3.4-1968,
    zh_CN (no charset named) -> GB2312, as glibc reads them."""
    lang, dot, charset = name.strip().partition(".")
    if dot:
        return norm_charset(charset.partition("@")[0])
    lang = lang.partition("@")[0]
    if lang in ("", "C", "POSIX"):
        return ASCII
    return _LEGACY_CHARSETS.get(lang, "ISO-8859-1")


def first(values: Mapping[str, Any], *keys: str) -> Any:
    for k in keys:
        if values.get(k):
            return values[k]
    return None


# systemd's unit search path (`systemd-analyze unit-paths`, system manager).
UNIT_DIRS = ("/etc/systemd/system.control", "/run/systemd/system.control", "/run/systemd/transient",
             "/run/systemd/generator.early", "/etc/systemd/system", "/run/systemd/system",
             "/run/systemd/generator", "/usr/local/lib/systemd/system", "/lib/systemd/system",
             "/usr/lib/systemd/system", "/run/systemd/generator.late")


def existing_dirs(var: str, dirs: tuple[str, ...]) -> str:
    """Shell that sets $var to those of the (fixed, space-free) folders that exist, each
    folder once: with a merged /usr, /lib/systemd/system is /usr/lib/systemd/system."""
    return (f"{var}=; for ecd in {' '.join(dirs)}; do [ -d \"$ecd\" ] || continue; "
            f"for ecs in ${var}; do [ \"$ecd\" -ef \"$ecs\" ] && continue 2; done; {var}=\"${var} $ecd\"; done")


def unit_files_exist(patterns: str, fixed: bool = False) -> str:
    """Shell that sets ecu=1 when a unit file matching the `case` patterns (already quoted
    where they hold inventory values) exists in the unit path. systemctl costs ~5 ms of CPU
    a call: probes ask it only about units that are there (builtins only, no exec). For
    `fixed` patterns (none from the inventory, whose values appear only quoted) the glob
    takes only names that start as a pattern does: the shell's loop over the ~200 units of
    /lib/systemd/system cost ~0.7 ms a host."""
    names = _first_letters(patterns) if fixed else ""
    return (existing_dirs("ecud", UNIT_DIRS) + "\n"
            f"ecu=; for d in $ecud; do for f in \"$d\"/{names}*.service; do "
            f"case \"${{f##*/}}\" in {patterns}) ecu=1; break 2;; esac; done; done")


def _first_letters(patterns: str) -> str:
    """A bracket expression of the patterns' first letters, or nothing where one pattern
    starts otherwise (a wildcard): then every unit file is read."""
    firsts = set()
    for pattern in patterns.split("|"):
        if not (pattern[:1].isascii() and pattern[:1].isalnum()):
            return ""
        firsts.add(pattern[0])
    return "[" + "".join(sorted(firsts)) + "]"


def listed(found: Any, expected: Any, problems: list[str], good: Text) -> Outcome:
    """Pass with `good` when nothing is listed, else fail naming every problem (text that is
    data, the same in both languages)."""
    if not problems:
        return Outcome(Status.PASS, found, expected, good)
    text = "; ".join(problems)
    return Outcome(Status.FAIL, found, expected, Text(text, text))
