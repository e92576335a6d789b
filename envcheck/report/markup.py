"""Text of the runs made fit for the report: fix hints with `code` as <code>, Markdown cells."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_CODE = re.compile(r"`([^`]+)`")


def code_html(text: object) -> Markup:
    """Escaped text whose `backticked` parts become <code> elements."""
    parts = _CODE.split(str(text or ""))
    return Markup("").join(escape(p) if i % 2 == 0 else Markup("<code>") + escape(p) + Markup("</code>")
                           for i, p in enumerate(parts))


def md_cell(value: object) -> str:
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")
