"""Interface words in English and Simplified Chinese; the language from the user's locale."""

from __future__ import annotations

import os

LANGS = ("en", "zh")

_WORDS: dict[str, tuple[str, str]] = {
    "report_title": ("environment check", "环境检查"),
    "status": ("Status", "状态"),
    "host": ("Host", "主机"),
    "check": ("Check", "检查项"),
    "found": ("Found", "实际值"),
    "expected": ("Expected", "期望值"),
    "fix": ("How to fix", "修复建议"),
    "message": ("Message", "说明"),
    "fleet": ("(fleet)", "(全局)"),
    "unreachable": ("Unreachable hosts", "无法连接的主机"),
    "summary": ("Summary", "汇总"),
    "severity": ("Severity", "严重程度"),
    "title": ("Title", "名称"),
    "area": ("Area", "类别"),
    "evidence": ("Evidence kept in", "证据已保存到"),
    "interrupted": ("Interrupted: the results gathered so far are kept", "已中断:已收集的结果已保存"),
    "hosts_done": ("hosts checked", "台主机已检查"),
    "skipped_hidden": ("skipped (not applicable on those hosts) not listed: --show-skipped lists them",
                       "项跳过(对相应主机不适用)未列出:使用 --show-skipped 查看"),
}


def default_lang() -> str:
    """zh when the user's locale is Chinese, else en (ENVCHECK_LANG overrides)."""
    explicit = os.environ.get("ENVCHECK_LANG")
    if explicit in LANGS:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def t(key: str, lang: str) -> str:
    en, zh = _WORDS[key]
    return zh if lang == "zh" else en
