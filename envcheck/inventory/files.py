"""Inventory files read before Ansible sees them: each one must be text a person can fix.

A customer's host list often arrives as an Excel export in GBK, with a byte order mark, or
as the spreadsheet itself. Ansible would escape such bytes and carry on (or fail deep
inside a plugin); envcheck refuses the file up front, naming it and saying what to do.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import yaml

from envcheck.errors import InventoryError

MAX_FILE_BYTES = 16 * 1024 * 1024  # far above any real inventory (10 000 hosts is ~2 MiB)
MAX_FILES = 10_000
BOM = b"\xef\xbb\xbf"
YAML_SUFFIXES = (".yml", ".yaml", ".json")
_SKIPPED_SUFFIXES = (".retry", ".pyc", ".swp", ".orig", ".bak", "~")


def check_sources(sources: Sequence[str]) -> None:
    """Every file Ansible would read for these sources: size, encoding, YAML syntax."""
    for path in source_files(sources):
        check_file(path)


def source_files(sources: Sequence[str]) -> Iterator[Path]:
    """Every file Ansible reads for these sources: the files, and group_vars/host_vars."""
    seen = 0
    for source in sources:
        if "," in source and not Path(source).exists():
            continue  # a host list given inline ("web1,web2,")
        root = Path(source)
        folders = [root] if root.is_dir() else [root.parent / "group_vars", root.parent / "host_vars"]
        if root.is_file():
            yield root
        for folder in folders:
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.name.startswith(".") and not path.name.endswith(_SKIPPED_SUFFIXES):
                    seen += 1
                    if seen > MAX_FILES:
                        raise InventoryError.of("error.inventory_too_many_files", source=source, limit=MAX_FILES)
                    yield path


def check_file(path: Path) -> None:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InventoryError.of("error.inventory_file_too_big", path=path, size=f"{size / 2**20:.0f}",
                                    limit=MAX_FILE_BYTES // 2**20)
        data = path.read_bytes()
    except OSError as exc:
        raise InventoryError.of("error.inventory_file_unreadable", path=path, error=exc.strerror) from exc
    if b"\x00" in data or data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InventoryError.of("error.inventory_not_text", path=path)
    text = _decode(path, data)
    if data.startswith(BOM) and path.suffix not in YAML_SUFFIXES and _is_read_as_ini(path):
        raise InventoryError.of("error.inventory_bom", path=path)
    if path.suffix in YAML_SUFFIXES:
        _check_yaml(path, text)


def _is_read_as_ini(path: Path) -> bool:
    # Files under group_vars/host_vars are YAML whatever their name; the others go to the
    # INI plugin unless they end in .yml/.yaml/.json.
    return path.parent.name not in ("group_vars", "host_vars") and path.parent.parent.name not in (
        "group_vars", "host_vars")


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        key = "error.inventory_not_utf8"
        try:
            data.decode("gb18030")
            key = "error.inventory_gbk"
        except UnicodeDecodeError:
            pass
        line = data[: exc.start].count(b"\n") + 1
        raise InventoryError.of(key, path=path, line=line) from exc


def _check_yaml(path: Path, text: str) -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        for _ in yaml.load_all(text, Loader=loader):
            pass
    except yaml.constructor.ConstructorError:
        return  # Ansible's own tags (!vault, !unsafe): valid, Ansible reads them
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if mark is None:
            raise InventoryError.of("error.inventory_yaml", path=path, problem=problem) from exc
        raise InventoryError.of("error.inventory_yaml_at", path=path, line=mark.line + 1, column=mark.column + 1,
                                problem=problem) from exc
