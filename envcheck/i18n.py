"""The interface words, English and Simplified Chinese, in one catalogue, for the commands,
the output formats, the live deploy view and the report (its templates call `t` too); the
language from the user's locale.

What a check says (its title, fix, messages) is data of the check, kept on it as en/zh
pairs (envcheck.model.Text); help texts and errors carry both languages at once.
Keys: the word's place, a dot, what it is ("report.verdict_bad"); words several places
share have no place ("host"). Values may hold {names}, filled by t's keywords.
"""

from __future__ import annotations

import os

LANGS = ("en", "zh")

WORDS: dict[str, tuple[str, str]] = {
    # Shared by the check outputs, the report and the deploy view.
    "host": ("Host", "主机"),
    "check": ("Check", "检查项"),
    "status": ("Status", "状态"),
    "severity": ("Severity", "严重程度"),
    "found": ("Found", "实际值"),
    "expected": ("Expected", "期望值"),
    "fix": ("How to fix", "修复建议"),
    "fleet": ("(fleet)", "(全局)"),
    "evidence": ("Evidence kept in", "证据已保存到"),
    # envcheck check: the table, Markdown, the progress bar; envcheck checks list.
    "check.report_title": ("environment check", "环境检查"),
    "check.message": ("Message", "说明"),
    "check.unreachable": ("Unreachable hosts", "无法连接的主机"),
    "check.summary": ("Summary", "汇总"),
    "check.interrupted": ("Interrupted: the results gathered so far are kept", "已中断:已收集的结果已保存"),
    "check.hosts_done": ("hosts checked", "台主机已检查"),
    "check.skipped_hidden": ("skipped (not applicable on those hosts) not listed: --show-skipped lists them",
                             "项跳过(对相应主机不适用)未列出:使用 --show-skipped 查看"),
    "checks.title": ("Title", "名称"),
    # envcheck deploy (and fix): the live table and the result.
    "deploy.task": ("Current task", "当前任务"),
    "deploy.ok": ("ok", "成功"),
    "deploy.changed": ("changed", "已变更"),
    "deploy.failed": ("failed", "失败"),
    "deploy.unreachable": ("unreachable", "不可达"),
    "deploy.result": ("Result", "结果"),
    # envcheck fix
    "fix.check_run": ("check run", "检查记录"),
    "fix.failures": ("failure(s)", "项失败"),
    "fix.nothing": ("nothing to fix with a playbook", "没有可自动修复的失败项"),
    "fix.by_hand": ("To fix by hand:", "需手工处理:"),
    "fix.recheck_kept": ("re-check kept in", "复查记录"),
    "fix.before_after": ("before / after", "修复前后"),
    "fix.col_host": ("host", "主机"),
    "fix.col_check": ("check", "检查项"),
    "fix.col_before": ("before", "修复前"),
    "fix.col_after": ("after", "修复后"),
    "fix.col_found_now": ("found now", "现在的值"),
    # envcheck verify
    "verify.unreachable": ("UNREACHABLE", "无法连接"),
    "verify.no_suite": ("no suite selected (--role)", "没有选中的测试套件"),
    "verify.counts": ("passed {p}, failed {f}, skipped {s}", "通过 {p}, 失败 {f}, 跳过 {s}"),
    "verify.failures": ("Failures:", "失败:"),
    # envcheck exec / collect
    "exec.summary": ("{ok} ok, {failed} command failed, {down} unreachable",
                     "{ok} 台成功,{failed} 台命令失败,{down} 台无法执行"),
    "collect.host": ("{host}: {files} files, {cut} cut to the cap, {masked} secrets masked",
                     "{host}: {files} 个文件,{cut} 个已截断,{masked} 处密码/密钥已脱敏"),
    "collect.bundle": ("bundle", "已保存到"),
    # envcheck inventory ping
    "ping.title": ("inventory ping", "主机连通性"),
    "ping.host": ("host", "主机"),
    "ping.address": ("address", "地址"),
    "ping.reachable": ("reachable", "可连接"),
    "ping.login": ("login", "登录"),
    "ping.sudo": ("sudo", "sudo"),
    "ping.seconds": ("seconds", "耗时(秒)"),
    "ping.reason": ("reason", "原因"),
    # envcheck report (envcheck/report/templates call t too)
    "report.written": ("Report written to", "报告已写入"),
    "report.title": ("Pre-go-live environment report", "上线前环境验收报告"),
    "report.generated": ("Generated", "生成时间"),
    "report.by": ("by envcheck", "由 envcheck 生成"),
    "report.sources": ("Runs this report is built from", "本报告依据的运行记录"),
    "report.verdict": ("Verdict", "结论"),
    "report.verdict_ok": ("Ready: nothing failed (warnings, if any, are listed below)",
                          "通过:没有失败项(如有警告,见下文)"),
    "report.verdict_bad": ("Not ready: {n} blocking item(s) below", "未通过:以下有 {n} 项必须处理"),
    "report.hosts": ("Hosts", "主机汇总"),
    "report.reachable": ("Reachable", "可连接"),
    "report.yes": ("yes", "是"),
    "report.no": ("no", "否"),
    "report.checks": ("Checks (pass/fail/warn/error/skip)", "检查(通过/失败/警告/错误/跳过)"),
    "report.verify": ("Verify (passed/failed/skipped)", "验证(通过/失败/跳过)"),
    "report.suites": ("Suites", "测试套件"),
    "report.state": ("State", "状态"),
    "report.ok": ("OK", "合格"),
    "report.open": ("Open items", "有待处理项"),
    "report.failures": ("Open items and how to fix them", "待处理项及修复建议"),
    "report.none": ("None.", "无。"),
    "report.source": ("Source", "来源"),
    "report.item": ("Item", "项目"),
    "report.message": ("Finding", "发现"),
    "report.matrix": ("Fleet matrix", "全局对比"),
    "report.timezone": ("Timezone", "时区"),
    "report.locale": ("Locale", "语言环境"),
    "report.clock_offset": ("Clock offset", "时钟偏差"),
    "report.pg_encoding": ("PostgreSQL encoding", "PostgreSQL 编码"),
    "report.mysql_charset": ("MySQL charset", "MySQL 字符集"),
    "report.jvm_timezone": ("JVM timezone", "JVM 时区"),
    "report.no_check": ("No check run: run envcheck check.", "没有检查记录:请运行 envcheck check。"),
    "report.deploys": ("Deployment history", "部署记录"),
    "report.started": ("Started", "开始时间"),
    "report.playbook": ("Playbook", "剧本"),
    "report.tags": ("Tags", "标签"),
    "report.mode": ("Mode", "模式"),
    "report.dry_run": ("dry run (--check)", "演练 (--check)"),
    "report.applied": ("applied", "已执行"),
    "report.operator": ("Operator", "操作人"),
    "report.no_deploys": ("No deployment recorded.", "没有部署记录。"),
    "report.signoff": ("Sign-off", "签字确认"),
    "report.signoff_text": ("The undersigned confirm that the environment above was checked as reported.",
                            "签字双方确认上述环境已按本报告检查。"),
    "report.role_engineer": ("Implementation engineer", "实施工程师"),
    "report.role_customer": ("Customer representative", "客户代表"),
    "report.name": ("Name", "姓名"),
    "report.signature": ("Signature", "签名"),
    "report.date": ("Date", "日期"),
    # report.sev_<severity> and report.kind_<run kind>: looked up by the value.
    "report.sev_critical": ("critical", "严重"),
    "report.sev_major": ("major", "重要"),
    "report.sev_minor": ("minor", "一般"),
    "report.sev_info": ("info", "提示"),
    "report.kind_check": ("check", "检查"),
    "report.kind_verify": ("verify", "验证"),
    "report.kind_deploy": ("deploy", "部署"),
    "report.fix_unreachable": ("Make the host reachable over SSH (address, key, known_hosts), then run again.",
                               "使主机可通过 SSH 连接(地址、密钥、known_hosts)后重新运行。"),
    "report.fix_verify": ("Rebuild it to the standard: envcheck deploy {playbook} --limit {host}, then verify again.",
                          "按标准重新部署:envcheck deploy {playbook} --limit {host},然后重新验证。"),
    # Issue 24, helper D (deploy preflight, bounded waits, the sweep after a cancel).
    "preflight.refused": ("Deploy refused before any play: {current} cannot deploy {hosts}:",
                          "部署在任何剧本运行前被拒绝:{current} 无法部署 {hosts}:"),
    "preflight.legacy_cannot": ("The legacy runtime ({legacy}) installed cannot deploy every host of this run "
                                "either: deploy those hosts apart (--limit).",
                                "已安装的旧版运行时({legacy})也无法部署本次的全部主机:请用 --limit 分开部署。"),
    "preflight.way_out": (
        "Way out (docs/platforms.md): install the pinned legacy runtime for EL7/EL8-generation targets, "
        "which envcheck then selects for these hosts:\n    {venv}\n    {pip}\n"
        "or install a Python {min}+ on the host (with its package manager's bindings) and set "
        "ansible_python_interpreter to it in the inventory.",
        "解决办法(docs/platforms.md):为 EL7/EL8 代系的主机安装固定版本的旧版运行时,envcheck 会自动为这些主机选用它:"
        "\n    {venv}\n    {pip}\n"
        "或在主机上安装 Python {min} 及以上版本(含包管理器的 Python 绑定),"
        "并在清单中把 ansible_python_interpreter 指向它。"),
    "preflight.using_legacy": ("Runtime: {runtime}, the legacy runtime, which these hosts need: {hosts}",
                               "运行时:{runtime}(旧版运行时,以下主机需要它:{hosts})"),
    "deploy.slow": ("{host} has been on \"{task}\" for {seconds} s", "{host} 已在 “{task}” 上停留 {seconds} 秒"),
    "deploy.swept": ("{host}: ended what the run left running: {processes}",
                     "{host}:已结束本次运行遗留的进程:{processes}"),
    "deploy.sweep_failed": ("{host}: could not look for what the run left running: {error}",
                            "{host}:无法检查本次运行遗留的进程:{error}"),
    "report.fix_deploy": ("Fix the failed task, then run envcheck deploy {playbook} --limit {host} again.",
                          "修复失败的任务后重新运行 envcheck deploy {playbook} --limit {host}。"),
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


def t(key: str, lang: str, **values: object) -> str:
    """The word for `key` in `lang` (en unless zh), its {names} filled from `values`."""
    en, zh = WORDS[key]
    word = zh if lang == "zh" else en
    return word.format(**values) if values else word


def t_or(key: str, lang: str, default: str) -> str:
    """The word for `key`, or `default` where the catalogue has none (a value read from a
    run record, such as a severity, that may name something this version does not know)."""
    return t(key, lang) if key in WORDS else default
