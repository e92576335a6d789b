"""The customer's host list (an Excel sheet or a CSV saved by Chinese Excel) as rows of hosts,
validated before anything is written.

Headers may be English or Chinese (HEADERS), roles are mapped to the playbooks' groups (ROLES),
and every problem names its row as the spreadsheet numbers it (the header row included).
"""

from __future__ import annotations

import csv
import io
import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envcheck.audit.probe import decode
from envcheck.errors import BadInput

# column -> accepted headers (compared lower-cased, without spaces, "_" or "-", and without a
# trailing note in brackets: "IP地址(管理网)" reads as "ip地址").
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "host", "hostname", "host name", "主机名", "主机名称", "名称", "主机", "服务器名",
             "服务器名称", "计算机名"),
    "address": ("address", "ip", "ip address", "ansible_host", "ssh address", "ip地址", "地址", "管理ip",
                "管理地址", "主机地址", "服务器ip"),
    "port": ("port", "ssh port", "ansible_port", "端口", "ssh端口", "端口号"),
    "user": ("user", "username", "ssh user", "ansible_user", "login", "用户名", "用户", "登录用户",
             "账号", "帐号"),
    "role": ("role", "roles", "group", "groups", "tier", "purpose", "usage", "角色", "分组", "组", "用途",
             "服务器用途", "主机用途", "用途说明", "服务器角色", "类型", "服务器类型", "应用", "应用类型", "部署应用",
             "功能"),
    "lan_address": ("lan", "lan address", "lan_address", "lan ip", "business ip", "内网地址", "内网ip", "业务ip",
                    "业务地址", "业务网ip", "业务网地址", "私网ip", "私网地址"),
}
REQUIRED = ("name", "address", "role")
# A host list longer than this is probably not one (an asset register, a log): import asks --yes.
MAX_ROWS = 2000
# Columns that are read to warn about them, never written: passwords stay out of inventories.
IGNORED_SECRET_HEADERS = ("password", "passwd", "密码", "口令", "root密码", "登录密码")

# group -> accepted role words (same normalisation as headers).
ROLES: dict[str, tuple[str, ...]] = {
    "web": ("web", "nginx", "apache", "httpd", "webserver", "web服务器", "前端", "前置机", "反向代理",
            "负载均衡", "网页服务器"),
    "app": ("app", "application", "appserver", "tomcat", "middleware", "应用", "应用服务器", "中间件",
            "应用层"),
    "db": ("db", "database", "dbserver", "mysql", "mariadb", "postgresql", "postgres", "pg", "数据库",
           "数据库服务器", "数据层"),
}
_ROLE_SPLIT = re.compile(r"[,，、;；/|+]+")
_NAME = re.compile(r"^[\w][\w.-]*$")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")


@dataclass(frozen=True)
class SheetHost:
    row: int
    name: str
    address: str
    port: int
    user: str | None
    groups: tuple[str, ...]
    lan_address: str | None


@dataclass(frozen=True)
class RowProblem:
    row: int
    en: str
    zh: str

    def text(self) -> str:
        return f"row {self.row}: {self.en} / 第 {self.row} 行:{self.zh}"


@dataclass(frozen=True)
class SheetResult:
    hosts: tuple[SheetHost, ...]
    problems: tuple[RowProblem, ...]
    bad_rows: tuple[int, ...]
    notes: tuple[str, ...]  # e.g. a password column that was ignored


def _norm(text: Any) -> str:
    s = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    s = re.sub(r"[(（\[【].*?[)）\]】]\s*$", "", s)
    return re.sub(r"[\s_\-:：*]+", "", s)


_HEADER_INDEX = {_norm(h): col for col, names in HEADERS.items() for h in names}
_ROLE_INDEX = {_norm(r): group for group, words in ROLES.items() for r in words}


def read_rows(path: Path, sheet: str | None = None) -> list[list[Any]]:
    """All rows of the file: .xlsx through openpyxl, .csv with its encoding detected."""
    if not path.is_file():
        raise BadInput.of("error.file_missing", path=path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path, sheet)
    if suffix in (".csv", ".txt"):
        return _csv_rows(path.read_bytes(), path)
    raise BadInput.of("error.sheet_type", path=path)


def _xlsx_rows(path: Path, sheet: str | None) -> list[list[Any]]:
    import openpyxl  # noqa: PLC0415 (openpyxl: ~70 ms, not for --help)

    try:
        # Not read_only: only a full worksheet knows its merged cells (filled in below).
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # zipfile/XML errors: not a workbook
        raise BadInput.of("error.sheet_unreadable", path=path, error=exc) from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise BadInput.of("error.sheet_no_sheet", path=path, sheet=repr(sheet), sheets=", ".join(book.sheetnames))
        ws = book[sheet] if sheet else book.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        return fill_merged(rows, [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges])
    finally:
        book.close()


def fill_merged(rows: list[list[Any]], ranges: Iterable[tuple[int, int, int, int]]) -> list[list[Any]]:
    """Merged cells as the reader sees them: the value of a merged block (its top-left cell) in
    every cell of it. Chinese host sheets merge the role cell over the rows of one role."""
    for top, left, bottom, right in ranges:  # 1-based, inclusive, as Excel numbers them
        if top > len(rows):
            continue
        value = rows[top - 1][left - 1] if left - 1 < len(rows[top - 1]) else None
        for r in range(top - 1, min(bottom, len(rows))):
            row = rows[r]
            row.extend([None] * (right - len(row)))
            for c in range(left - 1, right):
                row[c] = value
    return rows


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GBK/GB18030 (Chinese Excel)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    text = decode(data.removeprefix(b"\xef\xbb\xbf"))
    if "\ufffd" in text and b"\xef\xbf\xbd" not in data:  # neither encoding read it whole
        raise BadInput.of("error.csv_encoding")
    return text


def _csv_rows(data: bytes, path: Path) -> list[list[Any]]:
    try:
        text = decode_csv(data)
    except BadInput as exc:
        raise BadInput.of("error.in_file", path=path, error=exc.text) from exc
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text), dialect)]


def find_header(rows: Sequence[Sequence[Any]]) -> tuple[int, dict[str, int], list[int]]:
    """The header row (a title row above it is allowed): index, column -> position, and the
    positions of password columns (ignored)."""
    for index, row in enumerate(rows[:10]):
        columns: dict[str, int] = {}
        secret: list[int] = []
        for pos, cell in enumerate(row):
            key = _HEADER_INDEX.get(_norm(cell))
            if key and key not in columns:
                columns[key] = pos
            elif _norm(cell) in {_norm(s) for s in IGNORED_SECRET_HEADERS}:
                secret.append(pos)
        if "name" in columns and "address" in columns:
            missing = [c for c in REQUIRED if c not in columns]
            if missing:
                raise BadInput.of("error.sheet_columns", row=index + 1, missing=", ".join(missing),
                                  accepted="; ".join(f"{c}: {', '.join(HEADERS[c])}" for c in missing))
            return index, columns, secret
    raise BadInput.of("error.sheet_no_header", examples="主机名, IP地址")


def parse_rows(rows: Sequence[Sequence[Any]]) -> SheetResult:
    header, columns, secret = find_header(rows)
    notes = []
    if secret:
        notes.append("a password column was ignored: passwords never go into the inventory (use "
                     "Ansible Vault or -K) / 已忽略密码列:密码不写入清单")
    hosts: list[SheetHost] = []
    problems: list[RowProblem] = []
    for index in range(header + 1, len(rows)):
        row = rows[index]
        if all(_cell(c) == "" for c in row):
            continue
        host, row_problems = _parse_row(index + 1, row, columns)
        problems += row_problems
        if host is not None:
            hosts.append(host)
    problems += _duplicates(hosts)
    bad = tuple(sorted({p.row for p in problems}))
    good = tuple(h for h in hosts if h.row not in bad)
    if not good and not problems:
        problems.append(RowProblem(header + 1, "no host rows under the header", "表头下没有主机行"))
    return SheetResult(good, tuple(sorted(problems, key=lambda p: p.row)), bad, tuple(notes))


def _cell(value: Any) -> str:
    """A cell as text; full-width digits and punctuation typed with a Chinese IME (１０．０．０．１)
    read as their ASCII forms (NFKC)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFKC", str(value)).strip()


def _parse_row(row: int, cells: Sequence[Any], columns: dict[str, int]) -> tuple[SheetHost | None, list[RowProblem]]:
    def get(col: str) -> str:
        pos = columns.get(col)
        return _cell(cells[pos]) if pos is not None and pos < len(cells) else ""

    problems = [RowProblem(row, f"empty {col}", f"{_ZH_COLUMN[col]}为空") for col in REQUIRED if not get(col)]
    name, address, port_text = get("name"), get("address"), get("port")
    if name and not _NAME.match(name):
        problems.append(RowProblem(row, f"host name {name!r} has spaces or symbols",
                                   f"主机名 {name!r} 含空格或特殊字符"))
    if name and _norm(name) in {*ROLES, "all", "ungrouped"}:
        problems.append(RowProblem(row, f"host name {name!r} is a group name", f"主机名 {name!r} 与分组同名"))
    if address and not valid_address(address):
        problems.append(RowProblem(row, f"invalid address {address!r}", f"地址 {address!r} 无效"))
    lan = get("lan_address")
    if lan and not _is_ip(lan):
        problems.append(RowProblem(row, f"invalid LAN address {lan!r}", f"内网地址 {lan!r} 无效"))
    port = 22
    if port_text:
        if port_text.isdigit() and 1 <= int(port_text) <= 65535:
            port = int(port_text)
        else:
            problems.append(RowProblem(row, f"invalid port {port_text!r} (1-65535)",
                                       f"端口 {port_text!r} 无效(1-65535)"))
    groups: list[str] = []
    for word in (w for w in _ROLE_SPLIT.split(get("role")) if w):
        group = _ROLE_INDEX.get(_norm(word))
        if group is None:
            problems.append(RowProblem(row, f"unknown role {word!r} (known: {', '.join(ROLES)} and their "
                                            "synonyms, see --help)", f"未知角色 {word!r}"))
        elif group not in groups:
            groups.append(group)
    if problems:
        return None, problems
    return SheetHost(row, name, address, port, get("user") or None, tuple(groups), lan or None), []


_ZH_COLUMN = {"name": "主机名", "address": "地址", "role": "角色"}


def _duplicates(hosts: Iterable[SheetHost]) -> list[RowProblem]:
    problems = []
    names: dict[str, int] = {}
    addresses: dict[tuple[str, int], int] = {}
    for h in hosts:
        first = names.setdefault(h.name.lower(), h.row)
        if first != h.row:
            problems.append(RowProblem(h.row, f"duplicate name {h.name!r} (also row {first})",
                                       f"主机名 {h.name!r} 重复(与第 {first} 行)"))
        key = (h.address.lower(), h.port)
        first = addresses.setdefault(key, h.row)
        if first != h.row:
            problems.append(RowProblem(h.row, f"duplicate address {h.address}:{h.port} (also row {first})",
                                       f"地址 {h.address}:{h.port} 重复(与第 {first} 行)"))
    return problems


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def valid_address(text: str) -> bool:
    """An IP address, or a DNS name that does not look like a mistyped IP (10.0.0.300)."""
    if _is_ip(text):
        return True
    if re.fullmatch(r"[\d.]+", text):
        return False
    return bool(_HOSTNAME.match(text))


def inventory_document(hosts: Sequence[SheetHost], common: dict[str, Any]) -> dict[str, Any]:
    """An Ansible YAML inventory: groups with their hosts, connection settings per host."""
    children: dict[str, Any] = {}
    for group in [*ROLES, *sorted({g for h in hosts for g in h.groups} - set(ROLES))]:
        members = {h.name: _host_vars(h) for h in hosts if group in h.groups}
        if members:
            children[group] = {"hosts": members}
    doc: dict[str, Any] = {"all": {"children": children}}
    if common:
        doc["all"]["vars"] = dict(common)
    return doc


def _host_vars(h: SheetHost) -> dict[str, Any]:
    v: dict[str, Any] = {"ansible_host": h.address, "ansible_port": h.port}
    if h.user:
        v["ansible_user"] = h.user
    if h.lan_address:
        v["lan_address"] = h.lan_address
    return v
