"""What kind of difference two canonical values show (pure functions). Values are the
canonical text of dialect.py (None for NULL), read from both sides by the same rules.

    null_to_empty / empty_to_null   NULL and '' swapped
    normalisation                   the same text in another Unicode form (NFC): not a fault
    double_encoded, gbk_mojibake, utf8_as_gbk   the target holds the source's text garbled
    truncated_4byte, truncated      the target's text is the source's cut short (at a
                                    character beyond U+FFFF: a 3-byte utf8 column)
    question_marks                  Chinese replaced by ?
    replacement_chars               characters replaced by U+FFFD (bytes that did not decode)
    blanks                          the same text but for leading/trailing blanks
    shifted                         a timestamp moved by a whole number of hours (hours kept)
    rounded                         a decimal rounded to fewer places (places kept)
    changed                         anything else"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

from envcheck.data.textcheck import double_encode, gbk_as_latin1, nfc, question_marked

NOT_A_FAULT = ("normalisation",)
TS_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


@dataclass(frozen=True)
class Verdict:
    cls: str
    detail: str = ""


def classify_text(src: str, tgt: str) -> Verdict:
    if nfc(src) == nfc(tgt):
        return Verdict("normalisation")
    if tgt == double_encode(src):
        return Verdict("double_encoded")
    if tgt == gbk_as_latin1(src):
        return Verdict("gbk_mojibake")
    try:
        if tgt == src.encode("utf-8").decode("gb18030", errors="replace"):
            return Verdict("utf8_as_gbk")
    except LookupError:
        pass
    if len(tgt) < len(src) and src.startswith(tgt):
        cut = src[len(tgt)]
        return Verdict("truncated_4byte" if ord(cut) > 0xFFFF else "truncated", f"{len(src)} -> {len(tgt)}")
    if tgt == question_marked(src) and tgt != src:
        return Verdict("question_marks")
    if "\ufffd" in tgt and "\ufffd" not in src:
        return Verdict("replacement_chars")
    if tgt.strip(" \t\u3000") == src.strip(" \t\u3000"):
        return Verdict("blanks")
    return Verdict("changed")


def classify_time(src: str, tgt: str) -> Verdict:
    try:
        delta = (datetime.strptime(tgt, TS_FORMAT) - datetime.strptime(src, TS_FORMAT)).total_seconds()
    except ValueError:
        return Verdict("changed")
    if delta and delta % 3600 == 0:
        return Verdict("shifted", f"{int(delta // 3600):+d}h")
    return Verdict("changed")


def classify_decimal(src: str, tgt: str) -> Verdict:
    try:
        a, b = Decimal(src), Decimal(tgt)
    except InvalidOperation:
        return Verdict("changed")
    exponent = a.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    for k in range(places - 1, -1, -1):
        quantum = Decimal(1).scaleb(-k)
        if b in (a.quantize(quantum, ROUND_HALF_UP), a.quantize(quantum, ROUND_HALF_EVEN)):
            return Verdict("rounded", f"{k} places")
    return Verdict("changed")


def classify_value(kind: str, src: str | None, tgt: str | None) -> Verdict | None:
    """None when the values are equal."""
    if src == tgt:
        return None
    if src is None or tgt is None:
        if src is None and tgt == "":
            return Verdict("null_to_empty")
        if src == "" and tgt is None:
            return Verdict("empty_to_null")
        return Verdict("changed", "NULL" if tgt is None else "was NULL")
    if kind in ("text", "other"):
        return classify_text(src, tgt)
    if kind in ("timestamp", "timestamptz"):
        return classify_time(src, tgt)
    if kind in ("decimal", "float"):
        return classify_decimal(src, tgt)
    return Verdict("changed")
