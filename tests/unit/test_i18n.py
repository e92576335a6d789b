"""The one catalogue of interface words (envcheck/i18n.py): both languages for every key, the
same {names} in both, every key the code or the report templates ask for is there, and every
key in it is asked for somewhere."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from envcheck.i18n import WORDS, t, t_or
from envcheck.model import Severity, Status
from envcheck.output.prometheus import AUDIT_METRICS, SERVE_METRICS

PACKAGE = Path(__file__).parents[2] / "envcheck"
# A word looked up by a prefix and a value: t('report.sev_' ~ f.severity) in the templates.
FAMILIES = {"report.sev_": {s.value for s in Severity}, "report.kind_": {"check", "verify", "deploy"},
            "report.status_": {"fail", "error", "warn", "unreachable"}, "report.tier_": {"open", "closed"},
            # t_or(f"status.{status}"), t_or(f"count.{name}"): envcheck/output/values.py
            "status.": {s.value for s in Status}, "count.": {s.value for s in Status} | {"unreachable"},
            "deploy.status_": {"successful", "failed", "timeout", "canceled"},
            "data.status_": {"pass", "fail", "error"},
            # t(f"prom.{metric}"): envcheck/output/prometheus.py (issue 23, helper J2)
            "prom.": set(AUDIT_METRICS) | set(SERVE_METRICS),
            # envcheck/commands/rollback.py, envcheck/deploy/undo.py (issue 20, helper I2)
            "rollback.action.": {"enable", "disable", "start", "stop", "restart"},
            "rollback.file_": {"restored", "removed"},
            "rollback.left.": {"packages", "packages_needed", "files", "users", "groups", "locales", "sysctl",
                               "role", "role_unfinished"}}
_PLACES = {key.partition(".")[0] + "." for key in WORDS if "." in key}


def _names(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(WORDS))
def test_every_word_has_both_languages_with_the_same_names(key: str) -> None:
    en, zh = WORDS[key]
    assert en.strip() and zh.strip(), key
    assert _names(en) == _names(zh), f"{key}: {_names(en)} in en, {_names(zh)} in zh"


def _keys_in_python(tree: ast.AST) -> Iterator[str]:
    """The keys a module names: the first argument of t()/t_or(), of words() and of a user
    error's .of() (envcheck.errors) where it is a string or a loop variable over a tuple of
    strings, and, in a module that imports envcheck.i18n or envcheck.errors, every string that
    starts with a place of the catalogue ("report.", "error.", ...), such as the report's
    matrix columns."""
    loops: dict[str, list[str]] = {}
    uses_words = any(isinstance(n, ast.ImportFrom) and n.module in ("envcheck.i18n", "envcheck.errors")
                     for n in ast.walk(tree))
    for node in ast.walk(tree):
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name) and isinstance(node.iter, ast.Tuple):
            loops[node.target.id] = [e.value for e in node.iter.elts
                                     if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and (
                (isinstance(node.func, ast.Name) and node.func.id in ("t", "t_or", "words"))
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "of")):
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield first.value
            elif isinstance(first, ast.JoinedStr) and first.values and isinstance(first.values[0], ast.Constant):
                yield str(first.values[0].value)  # a family: t_or(f"status.{status}", ...)
            elif isinstance(first, ast.Name):
                yield from loops.get(first.id, [])
        elif uses_words and isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and node.value.startswith(tuple(_PLACES)) and re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", node.value):
            yield node.value


def _used() -> dict[str, str]:
    """key (or family prefix) -> the file that asks for it."""
    used: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name != "i18n.py":
            used.update((k, path.name) for k in _keys_in_python(ast.parse(path.read_text(encoding="utf-8"))))
    for path in PACKAGE.glob("*/templates/*.j2"):  # the report's and envcheck.data's
        used.update((k, path.name) for k in re.findall(r"\bt(?:_or)?\('([^']+)'", path.read_text(encoding="utf-8")))
    return used


def test_every_key_the_code_and_the_templates_ask_for_is_in_the_catalogue() -> None:
    used = _used()
    assert len(used) > 50, "the scan found too few keys: has the way words are asked for changed?"
    missing = {k: where for k, where in used.items() if k not in WORDS and k not in FAMILIES}
    assert not missing, f"keys not in envcheck/i18n.py: {missing}"
    for prefix, values in FAMILIES.items():
        assert prefix in used, f"{prefix}* is no longer asked for: drop it from FAMILIES"
        assert {prefix + v for v in values} <= set(WORDS), f"{prefix}<value> missing for some of {values}"


def test_every_key_of_the_catalogue_is_asked_for() -> None:
    used = set(_used())
    unused = sorted(k for k in WORDS if k not in used and not any(k.startswith(p) for p in FAMILIES))
    assert not unused, f"words nothing asks for (remove them): {unused}"


def test_words_are_looked_up_in_the_language_asked_and_filled() -> None:
    assert t("verify.counts", "zh", p=3, f=1, s=0) == "通过 3\uff0c失败 1\uff0c跳过 0"  # full-width commas
    assert t("verify.counts", "en", p=3, f=1, s=0) == "passed 3, failed 1, skipped 0"
    assert t("host", "fr") == "Host"  # a language without words reads English
    assert t_or("report.sev_blocker", "zh", "blocker") == "blocker"
    with pytest.raises(KeyError):
        t("no.such_key", "en")


@pytest.mark.parametrize("text,expected", [
    ("已中断:已收集的结果已保存", "已中断\uff1a已收集的结果已保存"),
    ("{host}:{state}", "{host}:{state}"),  # no Chinese beside it: kept
    ("db1:可连接(0.69 秒)", "db1\uff1a可连接\uff080.69 秒\uff09"),
    ("执行 `a:b (c)`(RHEL:安装 x)", "执行 `a:b (c)`\uff08RHEL\uff1a安装 x\uff09"),  # code kept as typed
    ("java app.jar: C (no LANG set)", "java app.jar: C (no LANG set)"),
])
def test_chinese_punctuation_where_it_touches_chinese(text: str, expected: str) -> None:
    from envcheck.i18n import zh_typography

    assert zh_typography(text) == expected
