"""User errors: each a click.ClickException subclass with its exit code (envcheck.exitcodes).

A user error carries its words in both languages, from the catalogue's "user errors" block
(envcheck.i18n): `raise BadInput.of("error.needs_inventory", command="exec")`. It is shown in
ONE language, the running command's: its --lang (read from click's context when the error is
made), else the locale's (i18n.default_lang). str(exc) is the English, for logs.
"""

from __future__ import annotations

from typing import IO, Any, Self

import click

from envcheck.exitcodes import ExitCode
from envcheck.i18n import LANGS, WORDS, colon, default_lang, t, zh_typography
from envcheck.model import Text


def words(key: str, /, **values: object) -> Text:
    """The catalogue's `key` in both languages, its {names} filled from `values`: a Text (a
    nested error, a place) in each language its own words, any other value as it is. Chinese
    punctuation (zh_typography) goes to the sentence, never into a value (a path, a library's
    message)."""
    en, zh = WORDS[key]
    return Text(en.format(**_in("en", values)), zh_typography(zh).format(**_in("zh", values)))


def _in(lang: str, values: dict[str, object]) -> dict[str, object]:
    return {k: v.get(lang) if isinstance(v, Text) else v for k, v in values.items()}


def command_lang() -> str:
    """The language of the running command: the --lang of its click context (or a parent's),
    else the locale's."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        lang = ctx.params.get("lang")
        if lang in LANGS:
            return str(lang)
        ctx = ctx.parent
    return default_lang()


class BadInput(click.ClickException):
    """Bad inventory, options or files: the user can fix it; exit 2."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, text: Text | str, lang: str | None = None) -> None:
        # A plain str (not from the catalogue) is shown as it is in both languages.
        self.text = text if isinstance(text, Text) else Text(text, text)
        super().__init__(self.text.en)
        # Read now: click shows the error after the command's context has ended.
        self.lang = lang or command_lang()

    @classmethod
    def of(cls, key: str, /, **values: object) -> Self:
        """The error of catalogue key `key` (the "user errors" block of envcheck.i18n)."""
        return cls(words(key, **values))

    def format_message(self) -> str:
        return self.text.get(self.lang)

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(t("error.label", self.lang) + colon(self.lang) + self.format_message(), file=file, err=True)


class Refused(BadInput):
    """A command that would undo someone's work declines (rollback: a file changed by hand since
    the deploy); the message names it and the option that overrides; exit 4."""

    exit_code = ExitCode.REFUSED


class InventoryError(BadInput):
    pass


class RunDirError(BadInput):
    pass


class TargetPythonError(BadInput):
    """A host whose Python (or package-manager bindings) no installed ansible-core runtime can
    run modules on, found by the deploy preflight before any play: exit 2."""


__all__ = ["BadInput", "ExitCode", "InventoryError", "Refused", "RunDirError", "TargetPythonError", "ViaUnreachable",
           "WorkerUnreachable",
           "command_lang", "words"]


class WorkerUnreachable(BadInput):
    """A zone's worker (envcheck deploy --via / envcheck_worker) that SSH does not reach: exit 3."""

    exit_code = ExitCode.UNREACHABLE


class ViaUnreachable(BadInput):
    """The host a database is reached through (data compare --source-via / --target-via) that SSH
    does not reach: exit 3, as any unreachable host."""

    exit_code = ExitCode.UNREACHABLE
