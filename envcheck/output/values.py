"""Values rendered for people, in one place for every output (terminal, Markdown, JUnit, the
report): lists joined, mappings as `key=value`, yes/no, numbers without noise; never a Python
or JSON repr. The few English words checks put inside found values ("not set", "none",
"(from the locale C)") are said in the reader's language here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from envcheck.i18n import t, t_or, zh_typography

# English words checks keep inside found values (data, shared by every language), and their
# Chinese. Whole values first, then phrases inside a value.
_WHOLE_ZH = {
    "not set": "未设置",
    "none": "无",
    "not present": "不存在",
    "unknown": "未知",
    "all open": "全部开放",
    "open": "开放",
    "closed": "关闭",
    "unresolved": "无法解析",
    "not set in limits.conf (default)": "limits.conf 中未设置(默认值)",
    "not listening": "未监听",
    "unlimited": "无限制",
    "unset (C/POSIX)": "未设置(C/POSIX)",
    "an address of this host other than loopback": "本机的非回环地址",
    "every host resolves its peers alike, to their inventory addresses": "每台主机都将同伴解析为清单中的地址",
    "peers resolve to their LAN addresses": "同伴解析为其内网地址",
    "every layer uses the standard zone": "各层均使用标准时区",
    "expected ports are listening": "所需端口均在监听",
    "databases as standard": "数据库符合标准",
    "charset utf-8 is declared": "已声明 charset utf-8",
    "no database or JVM found on the hosts": "主机上未发现数据库或 JVM",
    "first": "首个",
    "all": "全部",
    "yes": "是",
    "no": "否",
    # site checks (envcheck.sitechecks.evaluate)
    "missing": "缺失",
    "present": "存在",
    "absent": "不存在",
    "readable": "可读",
    "unreadable": "不可读",
    "no line matches": "没有匹配的行",
    "a line matches": "有匹配的行",
    "no match": "不匹配",
    "valid UTF-8": "有效的 UTF-8",
    "listening": "在监听",
}
_PHRASES_ZH: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"^missing: "), "缺少:"),
    (re.compile(r"^unknown \((.*)\)$"), r"未知(\1)"),
    (re.compile(r" \(from the locale ([^)]*)\)"), r"(取自语言环境 \1)"),
    (re.compile(r" \(JDK 18\+ default\)"), "(JDK 18 及以上的默认值)"),
    (re.compile(r"^user "), "用户 "),
    # errors of probes (envcheck.audit.engine, the database facts)
    (re.compile(r"^probe timed out after (\d+) s"), r"探测超时(\1 秒)"),
    (re.compile(r"^probe did not finish(: )?"), lambda m: "探测未完成" + (":" if m.group(1) else "")),
    (re.compile(r"^cannot read the output of (\S+): "), r"无法解析 \1 的输出:"),
    (re.compile(r"^evaluation failed: "), "评估出错:"),
    (re.compile(r"^(PostgreSQL|MySQL/MariaDB) is installed but does not answer: "), r"已安装 \1 但没有响应:"),
    (re.compile(r"^does not apply to this host$"), "不适用于此主机"),
    # site checks (envcheck.sitechecks.evaluate)
    (re.compile(r"^a filesystem on (.+)$"), r"\1 上的文件系统"),
    (re.compile(r"^contains /(.*)/$", re.DOTALL), r"包含 /\1/"),
    (re.compile(r"^not contains /(.*)/$", re.DOTALL), r"不包含 /\1/"),
    (re.compile(r"^(\d+) non-UTF-8 lines$"), r"\1 行不是 UTF-8"),
    (re.compile(r"^(\d+) running$"), r"\1 个在运行"),
)


def human(value: Any, lang: str = "en") -> str:
    """`value` as a reader wants it: '' for nothing, lists joined with ', ', mappings as
    'key=value' pairs, booleans as yes/no, floats without trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return t("value.yes" if value else "value.no", lang)
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    if isinstance(value, str):
        return word(value, lang)
    if isinstance(value, Mapping):
        if not value:
            return t("value.none", lang)
        return ", ".join(f"{word(str(k), lang)}={_inner(v, lang)}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return ", ".join(human(v, lang) for v in items) if items else t("value.none", lang)
    return str(value)


def _inner(value: Any, lang: str) -> str:
    """A value inside a mapping: its own lists joined with '/' (the ', ' separates the pairs),
    a nested mapping as key:value."""
    if isinstance(value, Mapping):
        return " ".join(f"{word(str(k), lang)}:{_inner(v, lang)}" for k, v in value.items()) or "-"
    if isinstance(value, list | tuple | set | frozenset):
        return "/".join(_inner(v, lang) for v in value) or "-"
    return human(value, lang)


def word(text: str, lang: str) -> str:
    """A value's own words in the reader's language (zh: the known English words translated)."""
    if lang != "zh":
        return text
    if text in _WHOLE_ZH:
        return _WHOLE_ZH[text]
    for pattern, repl in _PHRASES_ZH:
        text = pattern.sub(repl, text)
    return zh_typography(text)


def say(text: str, lang: str) -> str:
    """A sentence of a check (its fix, message or title) as printed: zh with Chinese punctuation."""
    return zh_typography(text) if lang == "zh" else text


def status_word(status: str, lang: str) -> str:
    """PASS, FAIL... (zh: 通过, 失败...), as tables print a status."""
    return t_or(f"status.{status}", lang, str(status).upper())


def severity_word(severity: str, lang: str) -> str:
    return t_or(f"report.sev_{severity}", lang, str(severity))


def counts_line(counts: Mapping[str, int], lang: str) -> str:
    """'pass 8, fail 6, unreachable 1' (zh: '通过 8,失败 6,无法连接 1'), zero counts left out
    except pass and fail."""
    shown = [(k, v) for k, v in counts.items() if v or k in ("pass", "fail")]
    sep = "\uff0c" if lang == "zh" else ", "
    return sep.join(f"{t_or(f'count.{k}', lang, k)} {v}" for k, v in shown)


def hosts_count(n: int, lang: str) -> str:
    """'1 host', '3 hosts' (zh: '3 台主机')."""
    return t("value.hosts_one" if n == 1 else "value.hosts_many", lang, n=n)

