"""User errors (envcheck.errors): every error key of the catalogue reads well in both languages,
an error is shown in the running command's language only, str(exc) is English, values are kept
as they are, and no raise site builds its message outside the catalogue."""

from __future__ import annotations

import ast
import io
import re
import string
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from envcheck.errors import BadInput, InventoryError, RunDirError, TargetPythonError, command_lang, words
from envcheck.exitcodes import ExitCode
from envcheck.i18n import WORDS
from tests.zh_words import ENGLISH_ERRORS, english_left

PACKAGE = Path(__file__).parents[2] / "envcheck"
ERROR_KEYS = sorted(k for k in WORDS if k.startswith("error."))
CLASSES = ("BadInput", "InventoryError", "RunDirError", "TargetPythonError", "DbError", "Refused")
CJK = re.compile(r"[\u3400-\u9fff]")


def _filled(key: str) -> BadInput:
    """The error of `key` with every {name} filled by a plain value."""
    names = {n for text in WORDS[key] for _, n, _, _ in string.Formatter().parse(text) if n}
    return BadInput.of(key, **dict.fromkeys(names, "V"))


def test_the_catalogue_has_the_user_errors() -> None:
    assert len(ERROR_KEYS) > 60  # the ~75 raise sites, some sharing a sentence


@pytest.mark.parametrize("key", ERROR_KEYS)
def test_every_error_key_reads_in_english_and_in_chinese(key: str) -> None:
    text = _filled(key).text
    assert not CJK.search(text.en), f"{key}: Chinese in the English: {text.en}"
    words_en = re.sub(r"\{\w+\}", "", WORDS[key][0])
    assert CJK.search(text.zh) or not re.search("[A-Za-z]", words_en), f"{key}: no Chinese: {text.zh}"
    assert not english_left(text.zh, words=ENGLISH_ERRORS), f"{key}: {english_left(text.zh, words=ENGLISH_ERRORS)}"
    prose = re.sub(r"`[^`]*`", "", text.zh)  # code is kept as typed
    assert not re.search(r"[,:;!?]", prose), f"{key}: half-width punctuation in Chinese: {text.zh}"
    assert not re.search(r"[\u3400-\u9fff][()]|[()][\u3400-\u9fff]", prose), f"{key}: half-width brackets: {text.zh}"
    assert " / " not in text.en + text.zh, f"{key}: two languages at once"


@pytest.mark.parametrize("lang,label", [("en", "Error: "), ("zh", "错误：")])
def test_an_error_is_shown_in_one_language_and_logged_in_english(lang: str, label: str) -> None:
    exc = RunDirError.of("error.run_dir_missing", path="/srv/runs/x")
    exc.lang = lang
    shown = io.StringIO()
    exc.show(shown)
    expected = {"en": "/srv/runs/x: no such run directory", "zh": "/srv/runs/x：运行目录不存在"}
    assert shown.getvalue() == f"{label}{expected[lang]}\n"
    assert str(exc) == exc.message == expected["en"]  # logs and pytest.raises(match=) read English


@pytest.mark.parametrize("cls", [BadInput, InventoryError, RunDirError, TargetPythonError])
def test_every_user_error_keeps_exit_code_2(cls: type[BadInput]) -> None:
    assert cls.of("error.empty_command").exit_code == ExitCode.BAD_INPUT == 2


def test_the_language_is_the_commands_lang_else_the_locales(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ENVCHECK_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert BadInput.of("error.empty_command").lang == "zh"  # outside any command: the locale
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert command_lang() == "en"

    @click.group()
    def top() -> None:
        pass

    @top.command()
    @click.option("--lang", default="en")
    def sub(lang: str) -> None:
        raise BadInput.of("error.empty_command")

    @top.command()
    def bare() -> None:
        raise BadInput.of("error.empty_command")

    runner, zh_locale = CliRunner(), {"LANG": "zh_CN.UTF-8"}
    assert runner.invoke(top, ["sub", "--lang", "zh"]).stderr == "错误：命令为空\n"
    assert runner.invoke(top, ["sub", "--lang", "en"], env=zh_locale).stderr == "Error: an empty command\n"
    assert runner.invoke(top, ["bare"], env=zh_locale).stderr == "错误：命令为空\n"  # no --lang


def test_values_are_kept_as_they_are_and_nested_errors_keep_their_language() -> None:
    library = "while parsing a flow mapping (line 2): expected ',' or '}', but got ':'"
    text = InventoryError.of("error.inventory_parse", error=library).text
    assert text.zh == f"清单解析失败：{library}" and text.en == f"inventory: {library}"
    inner = BadInput.of("error.csv_encoding").text
    outer = words("error.in_file", path="/tmp/h.csv", error=inner)
    assert outer.en == f"/tmp/h.csv: {inner.en}" and outer.zh == f"/tmp/h.csv：{inner.zh}"


def test_a_plain_string_is_still_an_error_in_both_languages() -> None:
    """What another branch may still raise the old way shows as it was written."""
    exc = BadInput("something / 某事")
    exc.lang = "zh"
    assert exc.format_message() == str(exc) == "something / 某事"


def _raw_raises() -> list[str]:
    """User errors made from a string, an f-string or t(): not from the catalogue's error keys."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CLASSES \
                    and node.args:
                first = node.args[0]
                from_catalogue = isinstance(first, ast.Call) and isinstance(first.func, ast.Name) \
                    and first.func.id not in ("t", "t_or", "str")  # a function that returns a Text
                if not from_catalogue:
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    return found


def test_every_raise_site_takes_its_words_from_the_catalogue() -> None:
    assert not _raw_raises(), "use BadInput.of('error.<key>', ...) (a key in envcheck/i18n.py): " + \
        ", ".join(_raw_raises())
