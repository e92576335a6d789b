"""The interface words, English and Simplified Chinese, in one catalogue, for the commands,
the output formats, the live deploy view and the report (its templates call `t` too); the
language from the user's locale.

What a check says (its title, fix, messages) is data of the check, kept on it as en/zh
pairs (envcheck.model.Text); help texts and errors carry both languages at once.
Keys: the word's place, a dot, what it is ("report.accepted_risks"); words several places
share have no place ("host"). Values may hold {names}, filled by t's keywords.
"""

from __future__ import annotations

import os
import re

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
    "report.verdict": ("Verdict", "结论"),
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
    "report.none": ("None.", "无。"),
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
    # --- issue 17, helper A: the verdict (envcheck/verdict.py), coverage, waivers, the report's
    # heading, accepted risks and fleet picture, output files.
    "waived": ("waived", "已豁免"),
    "verdict.ready": ("Ready", "通过"),
    "verdict.not_ready": ("Not ready", "未通过"),
    "verdict.sep": ("; ", "；"),
    "verdict.all_good": ("the run is complete, every host answered, every check ran, nothing failed",
                         "运行完整,所有主机均已应答,所有检查均已执行,没有失败项"),
    "verdict.no_check": ("no check run (run envcheck check)", "没有检查记录(请运行 envcheck check)"),
    "verdict.no_host": ("no host was checked", "没有检查任何主机"),
    "verdict.interrupted": ("incomplete: interrupted before {pending} of {total} hosts finished",
                            "不完整:运行被中断,{total} 台主机中有 {pending} 台未完成"),
    "verdict.incomplete": ("incomplete: the run did not finish", "不完整:运行未正常结束"),
    "verdict.unreachable": ("{n} of {m} hosts unreachable", "{m} 台主机中有 {n} 台无法连接"),
    "verdict.partial": ("{k} of {l} checks run", "{l} 项检查中仅执行了 {k} 项"),
    "verdict.unknown_selection": ("the run does not record which checks were selected (an older envcheck): "
                                  "check again", "该运行未记录所选检查项(旧版 envcheck):请重新检查"),
    "verdict.limited": ("only the hosts of --limit {limit}", "仅检查了 --limit {limit} 范围内的主机"),
    "verdict.failed": ("{n} failed", "{n} 项未通过"),
    "verdict.expired": ("{n} with an expired waiver", "{n} 项豁免已过期"),
    "verdict.errors": ("{n} could not be checked (error)", "{n} 项无法检查(错误)"),
    "verdict.open_items": ("{n} open items of verify or deploy", "验证或部署中有 {n} 项待处理"),
    "verdict.waived": ("{n} accepted by waivers (see Accepted risks)", "{n} 项已按豁免接受(见“已接受的风险”)"),
    "verdict.warnings": ("{n} warnings", "{n} 项警告"),
    "coverage.title": ("Coverage", "覆盖范围"),
    "coverage.hosts": ("hosts: {answered} of {total} answered", "主机:{total} 台中 {answered} 台已应答"),
    "coverage.checks": ("checks: {run} of {required} run ({what})", "检查项:{required} 项中已执行 {run} 项({what})"),
    "coverage.checks_unknown": ("checks: {run} run (the selection was not recorded)",
                                "检查项:已执行 {run} 项(未记录所选范围)"),
    "coverage.catalogue": ("the whole catalogue", "完整检查目录"),
    "coverage.declared": ("the site's selection, envcheck_checks", "现场声明的检查范围 envcheck_checks"),
    "coverage.inventory": ("inventory", "清单"),
    "coverage.local": ("this machine (no inventory)", "本机(无清单)"),
    "coverage.runs": ("run directories", "运行目录"),
    "waiver.accepted": ("waived: {reason} (approved by {approver}, until {expires}{ticket})",
                        "已豁免:{reason}(批准人 {approver},有效期至 {expires}{ticket})"),
    "waiver.expired": ("waiver expired on {expires}, failing again: {reason} (approved by {approver}{ticket})",
                       "豁免已于 {expires} 过期,重新判为未通过:{reason}(批准人 {approver}{ticket})"),
    "output.written": ("Written", "已写入"),
    # the summary line's counts: count.<status> (helper B's block below) and this one
    "count.waived": ("waived", "已豁免"),
    "report.accepted_risks": ("Accepted risks", "已接受的风险"),
    "report.no_waiver": ("No waiver applies.", "没有适用的豁免。"),
    "report.reason": ("Reason", "原因"),
    "report.approver": ("Approved by", "批准人"),
    "report.ticket": ("Ticket", "工单"),
    "report.expires": ("Expires", "到期日"),
    "report.waiver_state": ("Waiver", "豁免状态"),
    "report.waiver_in_force": ("in force", "有效"),
    "report.waiver_expired": ("expired: failing again", "已过期:重新判为未通过"),
    "report.customer": ("Customer", "客户"),
    "report.project": ("Project", "项目"),
    "report.site": ("Site", "现场"),
    "report.environment": ("Environment", "环境"),
    "report.engineer": ("Engineer", "实施工程师"),
    "report.timezone_note": ("Times in {zone}", "时间均为 {zone}"),
    "report.fleet_picture": ("Fleet picture", "全局视图"),
    "report.clock_chart": ("Clock offset per host against the controller (limit ±{limit} ms)",
                           "各主机相对控制机的时钟偏差(上限 ±{limit} 毫秒)"),
    "report.tier_chart": ("Tier reachability (TCP from each host to the next tier)",
                          "各层连通性(各主机到下一层的 TCP 连接)"),
    "report.tier_open": ("open", "连通"),
    "report.tier_closed": ("closed", "不通"),
    "report.host_unreachable": ("unreachable", "无法连接"),
    "report.no_tiers": ("No tier was probed.", "没有探测各层连通性。"),
    "report.findings": ("Findings by check", "按检查项汇总的问题"),
    "report.hosts_affected": ("Hosts", "涉及主机"),
    "report.dry_run_note": ("dry run: nothing was changed", "演练:未做任何更改"),
    "report.applies_to": ("Hosts", "适用主机"),
    "report.fix_error": ("The check could not read this host (see the finding): fix that cause, then run the "
                         "check again; the setting itself is not known to be wrong.",
                         "检查无法读取该主机(见发现):先排除该原因,再重新检查;该设置本身未必有误。"),
    "report.status_fail": ("failed", "未通过"),
    "report.status_error": ("error", "错误"),
    "report.status_warn": ("warning", "警告"),
    "report.status_unreachable": ("unreachable", "无法连接"),
    # Issue 17, helper B (terminal output, values, statuses, ping, fix, hostsheets): keys of
    # envcheck/output/values.py, envcheck/output/table.py and the commands' printing.
    "status.pass": ("PASS", "通过"),
    "status.fail": ("FAIL", "失败"),
    "status.warn": ("WARN", "警告"),
    "status.skip": ("SKIP", "跳过"),
    "status.error": ("ERROR", "错误"),
    "status.waived": ("WAIVED", "已豁免"),
    "count.pass": ("pass", "通过"),
    "count.fail": ("fail", "失败"),
    "count.warn": ("warn", "警告"),
    "count.skip": ("skip", "跳过"),
    "count.error": ("error", "错误"),
    "count.unreachable": ("unreachable", "无法连接"),
    "value.yes": ("yes", "是"),
    "value.no": ("no", "否"),
    "value.none": ("(none)", "(无)"),
    "value.hosts_one": ("{n} host", "{n} 台主机"),
    "value.hosts_many": ("{n} hosts", "{n} 台主机"),
    "table.no": ("#", "#"),
    "table.where": ("Hosts", "主机"),
    "table.error": ("Error", "错误"),
    "table.hint": ("What to do", "处理建议"),
    "table.nothing": ("Nothing to report: every check selected passed.", "没有需要处理的项:所选检查全部通过。"),
    "table.unreachable_row": ("{hosts}: {reason}", "{hosts}:{reason}"),
    "hint.timeout": ("The probe ran out of time on the host: look at the host's load or the service, "
                     "then run `envcheck check -c {check} --limit {hosts}` again (a larger --timeout if it is slow).",
                     "探测在主机上超时:检查主机负载或相应服务,然后重新运行 `envcheck check -c {check} --limit {hosts}`"
                     "(如确实较慢,可加大 --timeout)。"),
    "hint.unread": ("envcheck could not read the host's answer: keep the evidence folder and report it; "
                    "the other checks are not affected.",
                    "envcheck 无法解析主机的返回:请保留证据目录并反馈问题;其他检查不受影响。"),
    "hint.service": ("The value could not be read because the service or tool did not answer (the error above): "
                     "make it answer on the host, then run `envcheck check -c {check} --limit {hosts}` again.",
                     "服务或工具未响应(见上方错误),无法读取该值:在主机上使其恢复响应后,重新运行 "
                     "`envcheck check -c {check} --limit {hosts}`。"),
    "checks.count": ("{n} checks", "共 {n} 项检查"),
    "exec.unreachable": ("NOT RUN", "未执行"),
    "exec.exit": ("exit {code}", "退出码 {code}"),
    # envcheck inventory ping: yes/no and the live lines.
    "ping.answered": ("{host}: {state} ({seconds} s)", "{host}:{state}({seconds} 秒)"),
    "ping.ok": ("reachable", "可连接"),
    "ping.down": ("unreachable", "无法连接"),
    # envcheck fix: unreachable hosts, failed playbooks.
    "fix.unreachable": ("{n} host(s) of that check run were unreachable, nothing was checked there: {hosts}",
                        "该检查记录中有 {n} 台主机无法连接,未做任何检查:{hosts}"),
    "fix.cause": ("Why it failed", "失败原因"),
    "deploy.skipped": ("skipped", "跳过"),
    "deploy.status_successful": ("successful", "成功"),
    "deploy.status_failed": ("failed", "失败"),
    "deploy.status_timeout": ("timed out", "超时"),
    "deploy.status_canceled": ("canceled", "已取消"),
    "fix.preview": ("preview (check mode, diff)", "预览(检查模式,显示差异)"),
    "fix.apply": ("apply", "执行"),
    # envcheck inventory import: big sheets.
    "sheet.too_big": ("{path}: {n} rows, more than {limit}: is it the host list? Import it anyway with --yes.",
                      "{path}:共 {n} 行,超过 {limit} 行:确定是主机清单吗?如确认,请加 --yes 导入。"),
    # envcheck data (issue 19, helper E): profile, compare, the checklist, the report section.
    "data.status_pass": ("PASS", "通过"),
    "data.status_fail": ("FAIL", "不通过"),
    "data.status_error": ("ERROR", "出错"),
    "data.clean": ("no text problems", "未发现文本问题"),
    "data.profile_line": ("{rows} rows, {dup} duplicate key(s)", "{rows} 行,{dup} 个重复主键"),
    "data.rows_per_s": ("rows/s", "行/秒"),
    "data.summary": ("checklist: {passed} passed, {failed} failed", "验收清单:通过 {passed} 项,未通过 {failed} 项"),
    "data.section": ("Data migration", "数据迁移"),
    "data.item": ("Item", "检查项"),
    "data.figures": ("Figures", "数据"),
    "data.keys": ("Affected keys", "涉及主键"),
    "data.databases": ("Source → target", "源库 → 目标库"),
    "data.incomplete": ("Interrupted: the tables compared so far are kept", "已中断:已比对的表已保存"),
    "data.fig_class": ("{n} row(s): {classes}", "{n} 行:{classes}"),
    "data.fig_missing": ("{n} row(s) missing", "缺失 {n} 行"),
    "data.fig_extra": ("{n} row(s) extra", "多出 {n} 行"),
    "data.fig_equal": ("equal", "一致"),
    "data.fig_tables": ("{n} table(s)", "{n} 张表"),
    "data.fig_chunks": ("{n} chunk(s)", "{n} 个分块"),
    "data.fig_duplicates": ("{n} key(s) with several rows", "{n} 个主键有多行"),
    "data.fig_orphans": ("{fks} (target / source)", "{fks}(目标库 / 源库)"),
    "data.fig_no_fks": ("no foreign keys declared", "未声明外键"),
    "data.fig_sampled": ("{n} row(s) sampled", "抽样 {n} 行"),
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
    """The word for `key` in `lang` (en unless zh), its {names} filled from `values`; Chinese
    with Chinese punctuation (zh_typography)."""
    en, zh = WORDS[key]
    if lang != "zh":
        return en.format(**values) if values else en
    return zh_typography(zh.format(**values) if values else zh)


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_FULL = {",": "\uff0c", ":": "\uff1a", ";": "\uff1b", "!": "\uff01", "?": "\uff1f"}
_CODE = re.compile(r"(`[^`]*`)")
_PAIR = re.compile(r"\(([^()`]*)\)")
_MARK = re.compile(r"(?<=[\u3400-\u9fff\uff09])([,:;!?]) ?|([,:;!?]) ?(?=[\u3400-\u9fff\uff08])")


def zh_typography(text: str) -> str:
    """Full-width punctuation where it touches Chinese: "已中断:已收集" reads "已中断：已收集",
    "(0.5 秒)" reads "（0.5 秒）". Code in backticks, paths and English-only brackets are kept."""
    parts = _CODE.split(text)
    for i in range(0, len(parts), 2):  # the odd parts are code spans
        part = _PAIR.sub(_bracket, parts[i])
        parts[i] = _MARK.sub(lambda m: _FULL[m.group(1) or m.group(2)], part)
    return "".join(parts)


def _bracket(m: re.Match[str]) -> str:
    before = m.string[m.start() - 1] if m.start() > 0 else ""
    if _CJK.search(m.group(1)) or _CJK.match(before):
        return f"\uff08{m.group(1)}\uff09"
    return m.group(0)


def t_or(key: str, lang: str, default: str) -> str:
    """The word for `key`, or `default` where the catalogue has none (a value read from a
    run record, such as a severity, that may name something this version does not know)."""
    return t(key, lang) if key in WORDS else default


def colon(lang: str) -> str:
    """A label's colon: full-width in Chinese ("结果：失败"), ": " in English."""
    return "\uff1a" if lang == "zh" else ": "
