"""The interface words, English and Simplified Chinese, in one catalogue, for the commands,
the output formats, the live deploy view and the report (its templates call `t` too); the
language from the user's locale.

What a check says (its title, fix, messages) is data of the check, kept on it as en/zh
pairs (envcheck.model.Text); help texts carry both languages at once. A user error
(envcheck.errors) takes its words from the "user errors" block (error.*) and shows one language.
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
    "progress.checked": ("{done}/{total} hosts checked", "{done}/{total} 台主机已检查"),
    "progress.unreachable": ("{count} unreachable", "{count} 台无法连接"),
    "progress.running": ("{count} running", "{count} 台进行中"),
    "progress.slowest": (", slowest: {hosts}", ",最慢:{hosts}"),
    "progress.host_seconds": ("{host} {seconds} s", "{host} {seconds} 秒"),
    "check.skipped_hidden": ("skipped (not applicable on those hosts) not listed: --show-skipped lists them",
                             "项跳过(对相应主机不适用)未列出:使用 --show-skipped 查看"),
    "checks.title": ("Title", "名称"),
    # envcheck deploy (and fix): the live table and the result.
    "bundle.built": ("{path}: {mb} MB, {debs} OS packages, {wheels} wheels ({python}), built in {seconds} s",
                     "{path}：{mb} MB，{debs} 个系统软件包，{wheels} 个 wheel（{python}），用时 {seconds} 秒"),
    "bundle.verified": ("{path}: every file matches the manifest", "{path}：所有文件与清单一致"),
    "bundle.damaged": ("{path}: {count} file(s) do not match the manifest", "{path}：{count} 个文件与清单不符"),
    "bundle.restored": ("apt sources restored", "apt 软件源已恢复"),
    "bundle.shipped": ("offline bundle, {host}: {sent} package file(s) sent ({mb} MB), {kept} already there",
                       "离线包，{host}：发送 {sent} 个软件包文件（{mb} MB），{kept} 个已在主机上"),
    "bundle.restore_failed": ("offline bundle, {host}: apt sources NOT restored ({error}); "
                              "run `envcheck bundle restore -i INVENTORY`",
                              "离线包，{host}：apt 软件源未能恢复（{error}）；"
                              "请运行 `envcheck bundle restore -i 清单`"),
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
    # The application's view in the report (issue 18, envcheck/report/appview.py).
    "appview.title": ("The application's view", "应用视角"),
    "appview.endpoints": ("Partner endpoints: which host reaches which", "外部接口:各主机的可达情况"),
    "appview.endpoint": ("Endpoint", "接口"),
    "appview.findings": ("Datasources, configs and proxies as the application gets them",
                         "应用实际获得的数据源、配置和代理"),
    "appview.layer": ("Finding (the layer that differs)", "发现(存在差异的层)"),
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
    "deploy.worker_lost": ("worker {worker}: the connection ended before the job did ({reason}); what it ran "
                           "there was ended, the outcome of its hosts is unknown",
                           "工作节点 {worker}：连接在作业结束前断开（{reason}）；"
                           "其上的作业进程已结束，其主机的结果未知"),
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
    # A probe's own time limit (its fact's), which --timeout (the host's whole session) does not change.
    "hint.timeout": ("The probe ran out of its own time on the host, which --timeout does not lengthen: look at the "
                     "host's load and at what the probe waits for (a hung network mount, a service that does not "
                     "answer), then run `envcheck check -c {check} --limit {hosts}` again.",
                     "探测在主机上超出了自身时限(--timeout 不会延长它):检查主机负载以及探测所等待的对象"
                     "(挂死的网络挂载、无响应的服务),然后重新运行 `envcheck check -c {check} --limit {hosts}`。"),
    "hint.timeout_site": ("The site check ran out of its time on the host, which --timeout does not lengthen: a "
                          "`command` or `http` entry slow by nature needs a larger `timeout` in its site_checks "
                          "entry; else look at the host's load and at what it waits for (a hung network mount, a "
                          "service that does not answer). Then run `envcheck check -c {check} --limit {hosts}` again.",
                          "站点检查在主机上超出了时限(--timeout 不会延长它):本身就慢的 `command` 或 `http` 检查项,"
                          "请在 site_checks 中加大该项的 `timeout`;否则检查主机负载以及它所等待的对象"
                          "(挂死的网络挂载、无响应的服务)。然后重新运行 `envcheck check -c {check} --limit {hosts}`。"),
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
    # --- Issue 17, helper G: user errors (envcheck.errors: BadInput.of(key, ...), shown in the
    # command's language). The Chinese carries its full-width punctuation itself; values (paths,
    # options, host names, library messages) are filled in as they are.
    "error.label": ("Error", "错误"),
    "error.empty": ("(empty)", "（空）"),
    "error.in_file": ("{path}: {error}", "{path}：{error}"),
    "error.file_missing": ("{path} does not exist", "{path} 不存在"),
    "error.needs_inventory": ("`envcheck {command}` needs an inventory (-i INVENTORY)",
                              "`envcheck {command}` 需要用 -i 指定清单"),
    "error.limit_needs_inventory": ("--limit needs an inventory (-i)", "--limit 需要同时用 -i 指定清单"),
    "error.empty_command": ("an empty command", "命令为空"),
    "error.extra_var": ("-e {item}: expected key=value", "-e {item}：格式应为 key=value"),
    "error.bad_size": ("--max-file-size {value}: expected a size such as 512k or 2M",
                       "--max-file-size {value}：应为 512k 或 2M 这样的大小"),
    "error.collect_what": ("--what: unknown {unknown}; choose from {known}",
                           "--what：未知的收集范围 {unknown}；可选：{known}"),
    "error.unknown_check": ("unknown check or area {name}: see `envcheck checks list`",
                            "未知的检查项或检查领域 {name}：可用 `envcheck checks list` 查看"),
    "error.unknown_role": ("--role {roles}: unknown; known: {known}", "--role {roles}：未知的角色；可选：{known}"),
    "error.role_no_host": ("--role {roles}: no selected host has this role (roles follow inventory groups, "
                           "see --help)", "--role {roles}：所选主机都没有这些角色（角色取自清单分组，见 --help）"),
    "error.ssh_option_newline": ("ssh option {value} holds a line break", "SSH 选项 {value} 含有换行符"),
    "error.ssh_config": ("ssh config {path} cannot be read: {error}", "无法读取 SSH 配置文件 {path}：{error}"),
    "error.unknown_playbook": ("unknown playbook {name}; choose one of {known}", "未知的剧本 {name}；可选：{known}"),
    "error.worker_name": ("worker {name}: give an inventory host or `[user@]host[:port]`",
                          "工作节点 {name}：请给出清单中的主机或 `[user@]host[:port]`"),
    "error.worker_unreachable": ("worker {worker} cannot be reached over SSH: {detail}",
                                 "无法通过 SSH 连接工作节点 {worker}：{detail}"),
    "error.worker_setup": ("worker {worker}: its ansible-runner could not be installed: {detail}",
                           "工作节点 {worker}：无法安装 ansible-runner：{detail}"),
    "error.worker_wheels": ("{path} holds no pip and ansible-runner wheels "
                            "(--worker-wheels, ENVCHECK_WORKER_WHEELS)",
                            "{path} 中没有 pip 和 ansible-runner 的 wheel 包"
                            "（--worker-wheels、ENVCHECK_WORKER_WHEELS）"),
    "error.worker_download": ("the workers' wheels could not be fetched with pip; give a folder of them with "
                              "--worker-wheels: {detail}",
                              "无法用 pip 获取工作节点所需的 wheel 包，请用 --worker-wheels 指定其目录：{detail}"),
    "error.playbook_missing": ("playbook {path} is missing from this installation", "本次安装中缺少剧本 {path}"),
    # output files (-o, --json, --junit ...)
    "error.output_is_dir": ("{option} {path}: is a directory", "{option} {path}：是一个目录，不是文件"),
    "error.output_no_folder": ("{option} {path}: the folder {folder} does not exist; create it first "
                               "(mkdir -p {folder})",
                               "{option} {path}：目录 {folder} 不存在，请先创建（mkdir -p {folder}）"),
    "error.output_not_writable": ("{option} {path}: not writable", "{option} {path}：没有写入权限"),
    "error.output_write": ("-o {path}: cannot be written ({error})", "-o {path}：无法写入（{error}）"),
    "error.output_exists": ("{path} exists; --force overwrites it", "{path} 已存在；如需覆盖，请加 --force"),
    # the offline bundle (envcheck.bundle, envcheck.deploy.offline)
    "error.bundle_root": ("--root {path}: not a Debian root (no var/lib/dpkg/status in it)",
                          "--root {path}：不是 Debian 根目录（其中没有 var/lib/dpkg/status）"),
    "error.bundle_source": ("--source {path}: not an envcheck checkout (no setup.cfg)",
                            "--source {path}：不是 envcheck 源码目录（没有 setup.cfg）"),
    "error.bundle_apt": ("apt failed ({command}): {error}", "apt 执行失败（{command}）：{error}"),
    "error.bundle_pip": ("pip could not build the wheels: {error}", "pip 无法构建 wheel：{error}"),
    "error.bundle_read": ("{path}: not an envcheck bundle ({error})", "{path}：不是 envcheck 离线包（{error}）"),
    "error.bundle_family": ("{path}: the bundle has no {family} repository (built: {built})",
                            "{path}：离线包中没有 {family} 软件仓库（已包含：{built}）"),
    "error.bundle_ship": ("host {host}: the bundle's repository could not be set up ({error})",
                          "主机 {host}：无法部署离线包的软件仓库（{error}）"),
    # inventories
    "error.inventory_missing": ("inventory {path} does not exist", "清单文件 {path} 不存在"),
    "error.inventory_parse": ("inventory: {error}", "清单解析失败：{error}"),
    "error.inventory_host": ("inventory, host {host}: {error}", "清单中的主机 {host}：{error}"),
    "error.inventory_empty": ("the inventory has no host", "清单中没有任何主机"),
    "error.limit_no_match": ("--limit {limit} matches no host", "--limit {limit} 没有匹配到任何主机"),
    "error.bad_limit": ("--limit {limit} is not a valid host pattern ({error})",
                        "--limit {limit} 不是有效的主机范围（{error}）"),
    "error.bad_port": ("inventory, host {host}: ansible_port {value} is not a number",
                       "清单中的主机 {host}：ansible_port {value} 不是数字"),
    "error.vault_file": ("cannot read the vault password file {path}: {error}",
                         "无法读取 Vault 密码文件 {path}：{error}"),
    "error.inventory_too_many_files": ("inventory {source}: more than {limit} files",
                                       "清单 {source}：文件超过 {limit} 个"),
    "error.inventory_file_too_big": ("inventory file {path} is {size} MiB, more than {limit} MiB: not an inventory?",
                                     "清单文件 {path} 有 {size} MiB，超过 {limit} MiB：是否选错了文件？"),
    "error.inventory_file_unreadable": ("cannot read inventory file {path}: {error}",
                                        "无法读取清单文件 {path}：{error}"),
    "error.inventory_not_text": ("inventory file {path} is not text (a spreadsheet?): export it as an INI or YAML "
                                 "inventory in UTF-8",
                                 "清单文件 {path} 不是文本（是 Excel 表格吗？）："
                                 "请导出为 UTF-8 编码的 INI 或 YAML 清单"),
    "error.inventory_bom": ("inventory file {path} starts with a byte order mark (BOM): save it as UTF-8 without BOM",
                            "清单文件 {path} 以 BOM（字节顺序标记）开头：请另存为无 BOM 的 UTF-8"),
    "error.inventory_not_utf8": ("inventory file {path}, line {line}: not UTF-8.",
                                 "清单文件 {path} 第 {line} 行：不是 UTF-8 编码。"),
    "error.inventory_gbk": ("inventory file {path}, line {line}: not UTF-8. It reads as GBK/GB18030: convert it "
                            "with `iconv -f GB18030 -t UTF-8`.",
                            "清单文件 {path} 第 {line} 行：不是 UTF-8 编码。看起来是 GBK/GB18030，"
                            "请用 `iconv -f GB18030 -t UTF-8` 转换。"),
    "error.inventory_yaml": ("inventory file {path}: invalid YAML: {problem}",
                             "清单文件 {path}：YAML 格式错误：{problem}"),
    "error.inventory_yaml_at": ("inventory file {path}, line {line}, column {column}: invalid YAML: {problem}",
                                "清单文件 {path} 第 {line} 行第 {column} 列：YAML 格式错误：{problem}"),
    # host sheets (envcheck inventory import)
    "error.sheet_type": ("{path}: expected .xlsx or .csv (old .xls: save it as .xlsx first)",
                         "{path}：只支持 .xlsx 或 .csv（旧版 .xls 请先另存为 .xlsx）"),
    "error.sheet_unreadable": ("{path}: not a readable .xlsx workbook ({error})",
                               "{path}：无法读取该 Excel 工作簿（{error}）"),
    "error.sheet_no_sheet": ("{path}: no sheet {sheet}; sheets: {sheets}",
                             "{path}：没有工作表 {sheet}；现有工作表：{sheets}"),
    "error.csv_encoding": ("the CSV is neither UTF-8 nor GBK/GB18030; save it again as 'CSV UTF-8'",
                           "CSV 文件既不是 UTF-8 也不是 GBK/GB18030 编码：请另存为“CSV UTF-8”格式"),
    "error.sheet_columns": ("row {row}: no column for {missing}; accepted headers: {accepted}",
                            "第 {row} 行：缺少 {missing} 列；可用的表头：{accepted}"),
    "error.sheet_no_header": ("no header row with a host name and an address column (e.g. {examples}) in the "
                              "first 10 rows", "前 10 行中找不到表头：需要主机名列和地址列（例如 {examples}）"),
    "error.sheet_bad_rows": ("{path}: {n} bad row(s) ({rows}); nothing written",
                             "{path}：有 {n} 行有误（{rows}），未写入任何文件"),
    "error.sheet_no_hosts": ("{path}: no good host row; nothing written", "{path}：没有可导入的主机行，未写入任何文件"),
    # the site standard (standard_* variables)
    "error.source_host": ("inventory, host {host}", "清单中的主机 {host}"),
    "error.source_defaults": ("defaults", "默认值"),
    "error.source_inventory": ("inventory", "清单"),
    "error.std_missing": ("{source}: {key} is missing (and has no default in {defaults})",
                          "{source}：缺少 {key}（{defaults} 中也没有默认值）"),
    "error.std_timezone": ("{source}: standard_timezone {value} is not an IANA time zone (e.g. Asia/Shanghai)",
                           "{source}：standard_timezone {value} 不是有效的 IANA 时区名（例如 Asia/Shanghai）"),
    "error.std_locale": ("{source}: locale {value} is not a locale name like zh_CN.UTF-8",
                         "{source}：{value} 不是有效的语言环境名称（例如 zh_CN.UTF-8）"),
    "error.std_charset": ("{source}: standard_charset {value} is not a known charset",
                          "{source}：standard_charset {value} 不是已知的字符集"),
    "error.std_mysql_charset": ("{source}: standard_mysql_charset {value} is not valid (lower-case letters and "
                                "digits only)",
                                "{source}：standard_mysql_charset {value} 无效（只能包含小写字母和数字）"),
    "error.std_collation": ("{source}: standard_mysql_collation {value} does not belong to charset {charset}",
                            "{source}：standard_mysql_collation {value} 不属于字符集 {charset}"),
    "error.std_thp": ("{source}: standard_transparent_hugepage must be never, madvise or always",
                      "{source}：standard_transparent_hugepage 只能是 never、madvise 或 always"),
    "error.std_value": ("{source}: {name} has an invalid value {value}", "{source}：{name} 的值 {value} 无效"),
    "error.std_secret_value": ("(see the inventory: the value may hold a password)", "（见清单：该值可能含有密码）"),
    "error.std_declaration": ("{source}: {name}: {error}", "{source}：{name} 的声明无效：{error}"),
    "error.std_defaults_unreadable": ("cannot read the standard defaults {path}: {error}",
                                      "无法读取标准默认值文件 {path}：{error}"),
    "error.std_defaults_shape": ("{path} is not a mapping of standard_* variables",
                                 "{path} 不是 standard_* 变量的映射"),
    # waivers
    "error.waivers_missing": ("waivers file {path} does not exist", "豁免文件 {path} 不存在"),
    "error.waivers_unreadable": ("waivers file {path} cannot be read: {error}", "无法读取豁免文件 {path}：{error}"),
    "error.waivers_not_list": ("{source}: waivers must be a list of entries ({fields})",
                               "{source}：豁免必须是条目列表（{fields}）"),
    "error.waiver_where": ("{source}, waiver {number}", "{source} 第 {number} 条豁免"),
    "error.waiver_not_mapping": ("{where}: not a mapping of fields (check, reason, approver, expires ...)",
                                 "{where}：不是由字段组成的映射（check、reason、approver、expires 等）"),
    "error.waiver_missing": ("{where}: {missing} missing (each waiver needs {required})",
                             "{where}：缺少 {missing}（每条豁免都需要 {required}）"),
    "error.waiver_unknown": ("{where}: unknown field(s) {unknown} (known: {known})",
                             "{where}：未知字段 {unknown}（可用字段：{known}）"),
    "error.waiver_text": ("{where}: `{field}` is one text, not {value}",
                          "{where}：`{field}` 应为一段文本，而不是 {value}"),
    "error.waiver_hosts": ("{where}: `hosts` is host name globs, comma separated or a list of them, not {value}",
                           "{where}：`hosts` 应为主机名通配符（逗号分隔，或其列表），而不是 {value}"),
    "error.waiver_date": ("{where}: expires {value} is not a date like 2027-03-31",
                          "{where}：expires {value} 不是日期，格式应为 2027-03-31"),
    # run directories (report, fix)
    "error.run_dir_missing": ("{path}: no such run directory", "{path}：运行目录不存在"),
    "error.run_file_missing": ("{folder}: {name} is missing: not a complete envcheck run",
                               "{folder}：缺少 {name}，不是完整的 envcheck 运行记录"),
    "error.run_file_unreadable": ("{path}: cannot be read ({error})", "{path}：文件损坏，无法读取（{error}）"),
    "error.run_file_not_object": ("{path}: not a JSON object", "{path}：内容不是 JSON 对象"),
    "error.run_kind": ("{path}: kind {kind} is not one of {kinds}",
                       "{path}：运行类型 {kind} 未知（应为 {kinds} 之一）"),
    "error.run_no_lists": ("{path}: no `results` or `hosts` list", "{path}：缺少 `results` 或 `hosts` 列表"),
    "error.verify_unfinished": ("{path}: the verify run did not finish (no tests)",
                                "{path}：验证运行未完成（没有测试结果）"),
    "error.no_runs_dir": ("{base}: no runs directory; run `envcheck check` or `envcheck verify` first, or name "
                          "run directories",
                          "{base}：运行记录目录不存在；请先运行 `envcheck check` 或 `envcheck verify`，"
                          "或直接指定运行目录"),
    "error.no_runs": ("{base}: holds no check, verify or deploy run", "{base}：没有任何检查、验证或部署记录"),
    "error.runs_at_most_one": ("name at most one {kind} run (got {n})", "{kind}记录最多只能指定一个（指定了 {n} 个）"),
    "error.no_site_run": ("{base}: no check run of site {site} (sites recorded: {known})",
                          "{base}：没有现场 {site} 的检查记录（已记录的现场：{known}）"),
    "error.fix_no_result": ("{path}: no result.json (a finished `envcheck check` run?)",
                            "{path}：没有 result.json（是否为已完成的 `envcheck check` 运行目录？）"),
    "error.fix_no_check_run": ("no finished check run under {base}: run `envcheck check` first, or give --from RUN_DIR",
                               "{base} 下没有已完成的检查记录：请先运行 `envcheck check`，或用 --from 指定运行目录"),
    "error.file_unreadable": ("{path} cannot be read: {error}", "无法读取 {path}：{error}"),
    "error.fix_unknown_check": ("check {check} of that run is not in this envcheck's catalogue",
                                "该检查记录中的检查项 {check} 不在当前 envcheck 的检查目录中"),
    # envcheck data (issue 17, helper H): URLs, passwords, --via, the mapping file, the checklist.
    # A password is never shown: a URL holding one is refused before any other check.
    "error.db_url": ("database URL {url}: {error}", "数据库地址 {url} 格式错误：{error}"),
    "error.db_scheme": ("database URL {url}: the scheme must be one of {known}",
                        "数据库地址 {url}：不支持该数据库类型，可选：{known}"),
    "error.db_url_password": ("a password in the database URL is refused (it would be kept in shell history and "
                              "evidence): use --password-file or ENVCHECK_DB_PASSWORD",
                              "不允许在数据库地址中写密码（会留在命令历史和证据中）："
                              "请用 --password-file 或环境变量 ENVCHECK_DB_PASSWORD"),
    "error.db_url_parts": ("database URL {url}: expected `{scheme}://USER@HOST[:PORT]/DATABASE`",
                           "数据库地址 {url} 应包含用户、主机和数据库名：`{scheme}://USER@HOST[:PORT]/DATABASE`"),
    "error.db_connect": ("{url}: cannot connect: {error}", "无法连接数据库 {url}：{error}"),
    "error.password_file": ("cannot read the password file {path}: {error}", "无法读取密码文件 {path}：{error}"),
    "error.password_vault_needs_key": ("{path} is an Ansible Vault file: give --vault-password-file",
                                       "密码文件 {path} 已用 Ansible Vault 加密：请指定 --vault-password-file"),
    "error.password_vault_open": ("{path}: cannot open the vault: {error}", "无法解密密码文件 {path}：{error}"),
    "error.via_needs_inventory": ("--via needs an inventory (-i INVENTORY)", "--via 需要同时用 -i 指定清单"),
    "error.via_no_host": ("--via {host}: not a host of the inventory", "--via {host}：清单中没有该主机"),
    "error.via_ssh": ("--via {host}: cannot connect over SSH: {reason}", "--via {host}：SSH 连接失败：{reason}"),
    "error.data_key": ("--key {spec}: expected `TABLE=COL[,COL]`",
                       "--key {spec}：格式应为 `TABLE=COL[,COL]`（表=字段）"),
    "error.tz_offset": ("time zone {value}: give an offset such as `+08:00` or UTC",
                        "时区 {value} 无效：请写成 `+08:00` 这样的偏移量或 UTC"),
    "error.mapping_unreadable": ("mapping file {path} cannot be read: {error}", "无法读取映射文件 {path}：{error}"),
    "error.mapping_shape": ("mapping file {path}: expected a mapping with `tables:`",
                            "映射文件 {path} 格式错误：应为含有 `tables:` 的映射"),
    "error.mapping_table": ("{path}: tables.{name} must be a mapping", "{path}：tables.{name} 应为映射"),
    "error.mapping_unknown": ("{path}: tables.{name}: unknown {unknown} (known: {known})",
                              "{path}：tables.{name} 中有未知字段 {unknown}（可用字段：{known}）"),
    "error.mapping_since": ("{path}: tables.{name}.since needs column and value",
                            "{path}：tables.{name}.since 需要同时写 column 和 value"),
    "error.mapping_names": ("{path}: tables.{field}: expected a list of names", "{path}：tables.{field} 应为名称列表"),
    "error.checklist_unreadable": ("checklist {path} cannot be read: {error}", "无法读取验收清单 {path}：{error}"),
    "error.checklist_no_items": ("checklist {path}: expected `items:` with a list of items",
                                 "验收清单 {path} 格式错误：应包含 `items:` 条目列表"),
    "error.checklist_item": ("checklist {path}, item {number}", "验收清单 {path} 第 {number} 项"),
    "error.checklist_item_id": ("checklist {path}, item {number} ({id})", "验收清单 {path} 第 {number} 项（{id}）"),
    "error.checklist_no_id": ("{where}: each item needs an id", "{where}：每一项都需要 id"),
    "error.checklist_title": ("{where}: the title needs en and zh", "{where}：title 需要同时写 en 和 zh"),
    "error.checklist_rule": ("{where}: unknown rule {rule}; known: {known}",
                             "{where}：未知的规则 {rule}；可选：{known}"),
    "error.checklist_sql": ("{where}: give `rule:`, or `sql:` with `side: source` or `side: target`",
                            "{where}：需要 `rule:`，或 `sql:` 加上 `side: source` 或 `side: target`"),
    "error.checklist_expect": ("{where}: expect {value}: write e.g. `== 0`, `>= 1` or `== source`",
                               "{where}：expect {value} 格式错误，应写成 `== 0`、`>= 1` 或 `== source`"),
    "error.checklist_expect_number": ("{where}: expect {value}: a number or source",
                                      "{where}：expect {value} 的比较值应为数字或 source"),
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
    # --- Issue 24, helper C: deploy inputs refused before any play runs (envcheck/deploy/inputs.py).
    "error.bad_choice": ("{host}: {variable}={value!r} is not allowed; allowed values: {allowed}",
                         "{host}：{variable}={value!r} 不是允许的值；允许的值：{allowed}"),
    # --- Issue 23, helper J2: results for monitoring (envcheck/output/prometheus.py: the HELP of
    # each metric, prom.<metric>; envcheck/serve.py and envcheck/commands/serve.py).
    "prom.envcheck_info": ("envcheck's version (the value is 1)", "envcheck 版本(值为 1)"),
    "prom.envcheck_audit_ready": ("1 when the verdict of the last audit is Ready, else 0",
                                  "最近一次检查的结论为可上线时为 1,否则为 0"),
    "prom.envcheck_audit_complete": ("1 when the last audit finished, 0 when it was interrupted",
                                     "最近一次检查完整结束时为 1,被中断时为 0"),
    "prom.envcheck_audit_seconds": ("How long the last audit took, in seconds", "最近一次检查耗时(秒)"),
    "prom.envcheck_audit_timestamp_seconds": ("When the last audit finished (Unix time)",
                                              "最近一次检查结束的时间(Unix 时间)"),
    "prom.envcheck_results": ("Results of the last audit by status", "最近一次检查各状态的结果数"),
    "prom.envcheck_check_failing": ("1 when the check fails or errs on the host (status says which), 0 when it "
                                    "passes, warns, is skipped or waived; host is empty for a check across hosts",
                                    "检查项在该主机上失败或出错时为 1(status 标签说明是哪种),"
                                    "通过、警告、跳过或豁免时为 0;"
                                    "跨主机检查的 host 为空"),
    "prom.envcheck_host_up": ("1 when the host answered over SSH, 0 when it could not be reached",
                              "主机通过 SSH 应答时为 1,无法连接时为 0"),
    "prom.envcheck_host_audit_seconds": ("How long the host's audit took, in seconds", "该主机检查耗时(秒)"),
    "prom.envcheck_host_clock_offset_seconds": ("The host's clock minus the controller's, round trip corrected, "
                                                "in seconds", "主机时钟减控制端时钟(已按往返时间校正,秒)"),
    "prom.envcheck_host_clock_rtt_seconds": ("The round trip of the clock reading, in seconds",
                                             "读取时钟的往返时间(秒)"),
    "prom.envcheck_clock_offset_max_seconds": ("The standard's largest allowed clock offset, in seconds",
                                               "标准允许的最大时钟偏差(秒)"),
    "prom.envcheck_endpoint_connect_seconds": ("TCP connect time from the host to the partner endpoint, in seconds",
                                               "从主机到外部接口的 TCP 连接时间(秒)"),
    "prom.envcheck_endpoint_latency_seconds": ("HTTP answer time of the partner endpoint from the host, in seconds",
                                               "从主机访问外部接口的 HTTP 应答时间(秒)"),
    "prom.envcheck_endpoint_certificate_days": ("Days until the partner endpoint's certificate expires",
                                                "外部接口证书距过期的天数"),
    "prom.envcheck_datasource_clock_offset_seconds": ("NOW() in the datasource's session minus the controller's "
                                                      "clock, in seconds", "数据源会话中 NOW() 减控制端时钟(秒)"),
    "prom.envcheck_serve_audits_total": ("Audits envcheck serve has run", "envcheck serve 已运行的检查次数"),
    "prom.envcheck_serve_audit_ok": ("1 when the last audit ran (whatever its verdict), 0 when it could not run",
                                     "最近一次检查得以运行时为 1(无论结论如何),无法运行时为 0"),
    "prom.envcheck_serve_interval_seconds": ("The least time between two audits, in seconds",
                                             "两次检查之间的最短间隔(秒)"),
    "serve.listening": ("Serving the audit of {inventory} on http://{address}/metrics (health: /healthz), "
                        "at most one audit every {interval} s; Ctrl+C stops",
                        "正在 http://{address}/metrics 提供 {inventory} 的检查结果(健康检查:/healthz),"
                        "最多每 {interval} 秒检查一次;按 Ctrl+C 停止"),
    "serve.this_machine": ("this machine", "本机"),
    "serve.stopped": ("Stopped after {audits} audit(s)", "已停止,共检查 {audits} 次"),
    "serve.not_found": ("Not found: envcheck serve answers /metrics and /healthz",
                        "未找到:envcheck serve 只提供 /metrics 和 /healthz"),
    "serve.no_audit": ("The audit could not run: {error}", "检查无法运行:{error}"),
    "error.serve_listen": ("--listen {value!r}: expected HOST:PORT, e.g. 127.0.0.1:9816",
                           "--listen {value!r}:应为 `主机:端口`,例如 `127.0.0.1:9816`"),
    "error.serve_port_in_use": ("--listen {address}: the port is already in use (another envcheck serve?)",
                                "--listen {address}:端口已被占用,可能已有另一个 `envcheck serve` 在运行"),
    # envcheck snapshot and envcheck diff (docs/snapshot-diff.md)
    "snapshot.host_kept": ("{host}: the output of {probes} probes kept", "{host}:已保存 {probes} 项探测的输出"),
    "snapshot.host_unreachable": ("{host}: unreachable: {error}", "{host}:无法连接:{error}"),
    "diff.title": ("Differences", "差异"),
    "diff.sides": ("A: {a}  B: {b}", "A:{a}  B:{b}"),
    "diff.pair": ("{a} ↔ {b}: {n} difference(s)", "{a} ↔ {b}:{n} 处差异"),
    "diff.area": ("Area", "类别"),
    "diff.item": ("Item", "项目"),
    "diff.missing": ("(not there)", "(不存在)"),
    "diff.ignored": ("{n} expected difference(s) ignored (host names, addresses, sizes from memory...)",
                     "已忽略 {n} 处预期差异(主机名、地址、按内存计算的大小等)"),
    "diff.not_compared": ("Not compared (read on one side only): {areas}", "未比较(仅一侧读取):{areas}"),
    "diff.only_a": ("Only in A: {hosts}", "仅在 A 中:{hosts}"),
    "diff.only_b": ("Only in B: {hosts}", "仅在 B 中:{hosts}"),
    "diff.unreachable": ("Unreachable: {hosts}", "无法连接:{hosts}"),
    "error.diff_side": ("{side}: not a run directory, an inventory, or (with -i INVENTORY) a host or group",
                        "{side}:不是运行目录或清单;若是主机或组名,请用 -i 指定清单"),
    "error.diff_no_hosts": ("{side}: no host of the inventory matches", "{side}:清单中没有匹配的主机"),
    "error.diff_rules": ("{path}: expected `ignore:` and a list of {{item: GLOB, why: TEXT}}",
                         "{path}:应为 `ignore:` 加 `{{item: GLOB, why: TEXT}}` 列表"),
    "error.report_diff": ("{path}: not a diff section for a {fmt} report; write one with "
                          "`envcheck diff A B --format {fmt} -o FILE`",
                          "{path}：不是 {fmt} 报告可用的差异章节；请用 "
                          "`envcheck diff A B --format {fmt} -o FILE` 生成"),
    "error.diff_map": ("{path}: expected a mapping of A's host names to B's (`web1: web-prod-1`)",
                       "{path}:应为 A 主机名到 B 主机名的映射（`web1: web-prod-1`）"),
    "error.diff_map_host": ("--map {a}: {b}: a host not found, or paired twice",
                            "`--map {a}: {b}`:主机不存在或重复配对"),
    "error.snapshot_paths": ("inventory ({host}): snapshot_paths {value}: expected a list of absolute paths",
                             "清单({host}):snapshot_paths {value}:应为绝对路径列表"),
    "error.serve_cannot_listen": ("--listen {address}: cannot listen there: {error}",
                                  "--listen {address}:无法在此监听:{error}"),
    # --- Issue 20, helper I2: envcheck rollback (envcheck/commands/rollback.py, envcheck/deploy/undo.py).
    "rollback.preview": ("Dry run (--check): nothing was changed; rollback would do this:",
                         "预览(--check):未做任何修改;回滚将执行以下操作:"),
    "rollback.nothing": (" nothing to put back", "没有需要恢复的内容"),
    "rollback.file_restored": ("restored", "已恢复"),
    "rollback.file_removed": ("removed (the deploy created it)", "已删除(由部署创建)"),
    "rollback.service": ("service {name}: {action}", "服务 {name}:{action}"),
    "rollback.action.enable": ("enabled again", "重新启用"),
    "rollback.action.disable": ("disabled again", "重新禁用"),
    "rollback.action.start": ("started again", "重新启动"),
    "rollback.action.stop": ("stopped again", "重新停止"),
    "rollback.action.restart": ("restarted (its files were put back)", "已重启(其文件已恢复)"),
    "rollback.packages_removed": ("packages removed:", "已卸载的软件包:"),
    "rollback.not_undone": ("Not undone", "未撤销的内容"),
    "rollback.left.packages": ("package {item} installed by the deploy (--packages removes it)",
                               "部署安装的软件包 {item}(使用 --packages 可卸载)"),
    "rollback.left.packages_needed": ("package {item} kept: removing it would remove other packages too",
                                      "软件包 {item} 保留:卸载它会连带卸载其他软件包"),
    "rollback.left.files": ("{item} came with package {value} and stays with it (--packages removes both)",
                            "{item} 随软件包 {value} 安装,随其保留(使用 --packages 一并删除)"),
    "rollback.left.users": ("user {item} created (its home and files kept)", "已创建的用户 {item}(其主目录和文件保留)"),
    "rollback.left.groups": ("group {item} created", "已创建的用户组 {item}"),
    "rollback.left.locales": ("locale {item} generated", "已生成的语言环境 {item}"),
    "rollback.left.sysctl": ("kernel setting {item} = {value} at runtime until a reboot (its file is put back)",
                             "内核参数 {item} = {value} 在重启前仍然生效(其配置文件已恢复)"),
    "rollback.left.role": ("role {item} records nothing: what it did stays (databases, users, data, files)",
                           "角色 {item} 不记录变更:其所做的一切保留(数据库、用户、数据、文件)"),
    "rollback.left.role_unfinished": ("role {item} did not finish in that deploy: its files that differ were put "
                                      "back, nothing else of it",
                                      "角色 {item} 在该次部署中未完成:仅恢复了有差异的文件"),
    "error.rollback_nothing": ("{path}: this deploy recorded nothing to roll back (a --check run, or an older "
                               "envcheck)", "{path}:该次部署没有可回滚的记录(可能是 --check 预览,或旧版 envcheck)"),
    "error.rollback_refused": ("changed since the deploy (by hand?): {files}; nothing was rolled back. "
                               "--force puts the deploy's previous versions back all the same",
                               "部署后这些文件被改动过(可能是手工修改):{files};未做任何回滚。"
                               "使用 --force 仍按部署前的版本恢复"),
    # --- Issue 23, helper J1: site checks (envcheck/sitechecks/spec.py) and `spec suggest`.
    "error.site_spec": ("{file}: {entry}, field {field}: {problem}", "{file}：{entry} 的字段 {field}：{problem}"),
    "error.site_spec_list": ("{file}: {variable} must be a list of checks, not a {value}",
                             "{file}：{variable} 应为检查项列表，而不是 {value}"),
    "error.site_spec_twice": ("{file}: {variable}[{position}]: the name {name} is already taken by {other}",
                              "{file}：{variable}[{position}]：名称 {name} 已被 {other} 使用"),
    "error.site_spec_many": ("{count} site_checks entries are malformed (nothing was run):",
                             "{count} 个 site_checks 检查项有误（未执行任何检查）："),
    "error.site_spec_more": ("... and {count} more", "……另有 {count} 项"),
    "sitespec.need_mapping": ("an entry is a mapping of fields, not {value}", "每一项应为字段映射，而不是 {value}"),
    "sitespec.need_name": ("{value} is not a name: lower-case letters, digits, _ and -",
                           "{value} 不是合法名称：只能用小写字母、数字、_ 和 -"),
    "sitespec.need_text": ("expected text, found {value}", "应为文本，实际为 {value}"),
    "sitespec.one_line": ("{value} spans several lines", "{value} 跨越多行"),
    "sitespec.need_word": ("{value} is not a name (letters, digits and ._@:+~/-, no spaces)",
                           "{value} 不是合法名称（字母、数字和 ._@:+~/-，不含空格）"),
    "sitespec.need_path": ("{value} is not an absolute path", "{value} 不是绝对路径"),
    "sitespec.need_bool": ("expected true or false, found {value}", "应为 true 或 false，实际为 {value}"),
    "sitespec.need_int": ("expected a whole number from {low} to {high}, found {value}",
                          "应为 {low} 到 {high} 之间的整数，实际为 {value}"),
    "sitespec.need_size": ("expected a size such as 500G or 10M, found {value}",
                           "应为大小，例如 500G 或 10M，实际为 {value}"),
    "sitespec.need_mode": ("expected an octal mode in quotes such as '0640', found {value}",
                           "应为加引号的八进制权限，例如 '0640'，实际为 {value}"),
    "sitespec.need_regex": ("{value} is not a regular expression: {error}", "{value} 不是合法的正则表达式：{error}"),
    "sitespec.need_choice": ("{value} is not one of {allowed}", "{value} 不在可选值 {allowed} 之中"),
    "sitespec.need_version": ("expected a version such as '>= 17' or '1.2.3', found {value}",
                              "应为版本约束，例如 '>= 17' 或 '1.2.3'，实际为 {value}"),
    "sitespec.need_headers": ("expected a mapping of header name to regular expression, found {value}",
                              "应为响应头名称到正则表达式的映射，实际为 {value}"),
    "sitespec.need_url": ("{value} is not an http:// or https:// URL", "{value} 不是 http:// 或 https:// 地址"),
    "sitespec.need_pair": ("expected en and zh texts (en: ..., zh: ...), found {value}",
                           "应同时给出 en 和 zh 文本（en: ...，zh: ...），实际为 {value}"),
    "sitespec.unknown_field": ("unknown field; known: {allowed}", "未知字段；可用字段：{allowed}"),
    "sitespec.required": ("missing: this type needs it", "缺失：此类型必须填写"),
    "error.spec_needs_host": ("spec suggest reads one known-good host: give -i INVENTORY and --limit HOST",
                              "spec suggest 读取一台已知正常的主机：请给出 -i 清单 和 --limit 主机"),
    "error.spec_one_host": ("--limit {limit} selects {count} hosts; spec suggest reads exactly one",
                            "--limit {limit} 选中了 {count} 台主机；spec suggest 只读取一台"),
    "error.spec_exists": ("{path} exists: the draft never overwrites a file; name another with -o",
                          "{path} 已存在：草稿不会覆盖已有文件；请用 -o 指定其他文件"),
    "spec.suggested": ("{count} site check(s) proposed for {host}, written to {path}: review them, then move "
                       "what holds into the inventory (nothing was applied)",
                       "已为 {host} 提出 {count} 个站点检查项，写入 {path}："
                       "请审阅后把需要的项移入清单（未做任何更改）"),
    "spec.list_head": ("{inventory}: {checks} site check(s) on {hosts} (read from the inventory; no host contacted)",
                       "{inventory}：{hosts}，共 {checks} 个站点检查项（读自清单，未连接任何主机）"),
    "spec.list_none": ("no site checks declared: site_checks in group_vars or host_vars (docs/site-checks.md)",
                       "未声明站点检查项：请在 group_vars 或 host_vars 中写 site_checks（见 docs/site-checks.md）"),
    "spec.list_without": ("without site checks: {hosts}", "没有站点检查项的主机：{hosts}"),
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
