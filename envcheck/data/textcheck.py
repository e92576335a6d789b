"""Text quality, one value at a time (pure functions): the marks charset faults leave.

    double-encoded UTF-8   中文 written as UTF-8, read as Latin-1, written as UTF-8 again: ä¸­æ–‡
    GBK mojibake           GBK bytes read as Latin-1: ÖÐÎÄ for 中文
    U+FFFD                 a replacement character: bytes that did not decode
    ? runs                 ?? where Chinese was: a converter without the characters
    control characters     below U+0020 (tab, newline, return allowed), U+007F
    blanks                 leading or trailing spaces (full-width U+3000 too)
    full-width             １２３ or ＡＢＣ: in codes, they do not equal 123 or ABC

"Latin-1" is MySQL's latin1, which is Windows-1252 with its five unassigned bytes kept as the
code points of the same number (MySQL reads any byte)."""

from __future__ import annotations

import re
import unicodedata


def _latin1_tables() -> tuple[str, dict[str, int]]:
    chars = []
    for b in range(256):
        try:
            chars.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            chars.append(chr(b))
    return "".join(chars), {c: i for i, c in enumerate(chars)}


_DECODE, _ENCODE = _latin1_tables()


def latin1_decode(raw: bytes) -> str:
    return "".join(_DECODE[b] for b in raw)


def latin1_encode(text: str) -> bytes | None:
    """The bytes MySQL's latin1 would hold for `text`, None if a character is not in it."""
    try:
        return bytes(_ENCODE[c] for c in text)
    except KeyError:
        return None


def double_encode(text: str) -> str:
    """What a double encoding makes of text: its UTF-8 bytes read as Latin-1."""
    return latin1_decode(text.encode("utf-8"))


def gbk_as_latin1(text: str) -> str | None:
    """GBK bytes read as Latin-1 (None where text has no GBK form)."""
    try:
        return latin1_decode(text.encode("gb18030"))
    except UnicodeEncodeError:
        return None


def _non_latin(text: str) -> bool:
    return any(ord(c) > 0xFF for c in text)


def undo_double_encoding(text: str) -> str | None:
    """The text before a double encoding, None when it does not look double-encoded."""
    raw = latin1_encode(text)
    if raw is None or raw.isascii():
        return None
    try:
        fixed = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return fixed if _non_latin(fixed) else None


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def undo_gbk_mojibake(text: str) -> str | None:
    """The Chinese text behind GBK bytes read as Latin-1, None when it does not look so."""
    raw = latin1_encode(text)
    if raw is None or raw.isascii():
        return None
    try:
        fixed = raw.decode("gb18030")
    except UnicodeDecodeError:
        return None
    return fixed if len(_CJK.findall(fixed)) * 2 >= len([c for c in fixed if not c.isascii()]) > 0 else None


_QUESTIONS = re.compile(r"\?{2,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FULLWIDTH = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_BLANKS = " \t\u3000"

CLASSES = ("double_encoded", "gbk_mojibake", "replacement_char", "question_runs", "control_chars",
           "blanks", "fullwidth")


def text_issues(text: str) -> list[str]:
    """The classes of CLASSES that one value shows."""
    found = []
    if undo_double_encoding(text) is not None:
        found.append("double_encoded")
    elif undo_gbk_mojibake(text) is not None:
        found.append("gbk_mojibake")
    if "\ufffd" in text:
        found.append("replacement_char")
    if _QUESTIONS.search(text):
        found.append("question_runs")
    if _CONTROL.search(text):
        found.append("control_chars")
    if text and (text[0] in _BLANKS or text[-1] in _BLANKS):
        found.append("blanks")
    if _FULLWIDTH.search(text):
        found.append("fullwidth")
    return found


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def question_marked(text: str) -> str:
    """Text through a converter that writes ? for what it cannot hold (all but Latin-1)."""
    return "".join(c if ord(c) <= 0xFF else "?" for c in text)
