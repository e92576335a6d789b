"""`check -o [FORMAT:]FILE`, repeatable: where each output goes, checked before any host is
contacted (a missing folder is bad input, not a traceback after the audit)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from envcheck.audit.engine import AuditReport
from envcheck.errors import BadInput
from envcheck.output import FORMATS
from envcheck.runs import write_atomic

OUTPUT_FORMATS = ("table", "json", "junit", "markdown", "prometheus")
# Written to a temporary file and renamed: node_exporter's textfile collector never reads half a file.
ATOMIC_FORMATS = ("prometheus",)


def parse_outputs(specs: Sequence[str], default_format: str) -> list[tuple[str, Path]]:
    """(format, file) for each `-o`: `junit:check.xml`, or a plain FILE in `default_format`."""
    out = []
    for spec in specs:
        fmt, sep, rest = spec.partition(":")
        if sep and fmt in OUTPUT_FORMATS and rest:
            out.append((fmt, Path(rest)))
        else:
            out.append((default_format, Path(spec)))
    for _, path in out:
        writable_file(path, "-o")
    return out


def writable_file(path: Path, option: str) -> None:
    """A file that can be written: its folder exists and is writable, and it is no folder."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise BadInput.of("error.output_is_dir", option=option, path=path)
    if not folder.is_dir():
        raise BadInput.of("error.output_no_folder", option=option, path=path, folder=folder)
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise BadInput.of("error.output_not_writable", option=option, path=path)


def write_outputs(outputs: Sequence[tuple[str, Path]], report: AuditReport, lang: str,
                  result_json: str) -> list[Path]:
    """Each output rendered once per format and written; the files written."""
    texts: dict[str, str] = {"json": result_json}
    for fmt, path in outputs:
        if fmt not in texts:
            texts[fmt] = FORMATS[fmt](report, lang)
        try:
            if fmt in ATOMIC_FORMATS and (path.is_file() or not path.exists()):
                write_atomic(path, texts[fmt])
            else:
                path.write_text(texts[fmt], encoding="utf-8")
        except OSError as exc:
            raise BadInput.of("error.output_write", path=path, error=exc.strerror) from exc
    return [p for _, p in outputs]
