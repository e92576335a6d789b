"""Site checks evaluated: pure functions of an entry and what its type's probe read."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from envcheck.model import Outcome, Status, Text
from envcheck.sitechecks.facts import FileFacts
from envcheck.sitechecks.probes import unit
from envcheck.sitechecks.spec import Entry
from envcheck.sitechecks.versions import satisfies


class Diff:
    """The mismatches of one entry: each a (what was found, what is expected) in both languages."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self.expected: list[str] = []
        self.en: list[str] = []
        self.zh: list[str] = []

    def add(self, en: str, zh: str, found: Any, expected: Any) -> None:
        self.en.append(en)
        self.zh.append(zh)
        self.found.append(str(found))
        self.expected.append(str(expected))

    def outcome(self, ok_found: Any = None) -> Outcome:
        """Several mismatches: found and expected are lists (each item said in the reader's
        language on its own, envcheck.output.values), one: the value itself."""
        if not self.en:
            return Outcome(Status.PASS, found=ok_found)
        one = len(self.en) == 1
        return Outcome(Status.FAIL, self.found[0] if one else list(self.found),
                       self.expected[0] if one else list(self.expected),
                       Text("; ".join(self.en), "；".join(self.zh)))


def _missing(en: str, zh: str, what: str) -> Outcome:
    return Outcome(Status.FAIL, "missing", what, Text(en, zh))


def _present(d: Diff, expect: bool, there: bool, en: str, zh: str) -> bool:
    """Whether to go on with the other fields (the thing is there, and should be)."""
    if expect and not there:
        d.add(f"{en} missing", f"{zh}不存在", "missing", "present")
    elif not expect and there:
        d.add(f"{en} present, should not be", f"{zh}存在，但不应存在", "present", "absent")
    return expect and there


def file(e: Entry, i: int, facts: FileFacts) -> Outcome:
    d, path = Diff(), e.get("path")
    st = facts.stat.get(path)
    if not _present(d, e.get("exists", True), st is not None, path, f"{path} "):
        return d.outcome()
    assert st is not None
    kind, mode, owner, group, size = st
    want = e.get("filetype")
    got = "symlink" if path in facts.links else "directory" if kind == "directory" else \
        "file" if kind.startswith("regular") else kind
    if want and (want != got if want != "symlink" else path not in facts.links):
        d.add(f"{path} is a {got}, not a {want}", f"{path} 是 {got}，应为 {want}", got, want)
    for key, value, zh in (("mode", mode.rjust(3, "0"), "权限"), ("owner", owner, "属主"), ("group", group, "属组")):
        if e.get(key) and e.get(key) != value:
            d.add(f"{key} {value} (expected {e.get(key)})", f"{zh} {value}（应为 {e.get(key)}）", value, e.get(key))
    if e.get("min_size") is not None and size < e.get("min_size"):
        d.add(f"size {size} B (at least {e.get('min_size')} B)", f"大小 {size} B（至少 {e.get('min_size')} B）",
              size, f">= {e.get('min_size')}")
    if e.get("max_size") is not None and size > e.get("max_size"):
        d.add(f"size {size} B (at most {e.get('max_size')} B)", f"大小 {size} B（至多 {e.get('max_size')} B）",
              size, f"<= {e.get('max_size')}")
    for kind_, want_rc in (("contains", 0), ("not_contains", 1)):
        for j, rx in enumerate(e.get(kind_, ())):
            rc = facts.grep.get((i, kind_, j))
            if rc not in (0, 1):
                d.add(f"cannot read {path}", f"无法读取 {path}", "unreadable", "readable")
            elif rc != want_rc:
                word = ("no line matches", "没有匹配的行") if kind_ == "contains" else ("a line matches", "有匹配的行")
                d.add(f"{word[0]} /{rx}/", f"{word[1]} /{rx}/", word[0], f"{kind_.replace('_', ' ')} /{rx}/")
    bad = facts.bad_lines.get(path)
    if e.get("utf8") and bad != 0:
        d.add(f"{bad} line(s) not UTF-8" if bad else f"cannot read {path}",
              f"{bad} 行不是 UTF-8" if bad else f"无法读取 {path}", f"{bad} non-UTF-8 lines", "valid UTF-8")
    return d.outcome(f"{got} {mode} {owner}:{group} {size} B")


def mount(e: Entry, _i: int, facts: dict[str, Any]) -> Outcome:
    path, d = e.get("path"), Diff()
    m = facts["mounts"].get(path)
    if m is None:
        return _missing(f"nothing is mounted on {path}", f"{path} 上没有挂载文件系统", f"a filesystem on {path}")
    fstype, options = m
    if e.get("fstype") and e.get("fstype") != fstype:
        d.add(f"filesystem {fstype} (expected {e.get('fstype')})", f"文件系统 {fstype}（应为 {e.get('fstype')}）",
              fstype, e.get("fstype"))
    lacking = [o for o in e.get("options", ()) if o not in options]
    if lacking:
        d.add(f"mount options lack {','.join(lacking)}", f"挂载选项缺少 {','.join(lacking)}", ",".join(options),
              ",".join(e.get("options")))
    size = facts["sizes"].get(path)
    if e.get("min_size") is not None and (size or 0) < e.get("min_size"):
        d.add(f"size {size} B (at least {e.get('min_size')} B)", f"大小 {size} B（至少 {e.get('min_size')} B）",
              size, f">= {e.get('min_size')}")
    return d.outcome(f"{fstype} {size} B")


def package(e: Entry, _i: int, facts: dict[str, Any]) -> Outcome:
    name, d = e.get("name"), Diff()
    installed, version = facts["packages"].get(name, (False, ""))
    if not _present(d, e.get("installed", True), installed, f"package {name}", f"软件包 {name} "):
        return d.outcome()
    want = e.get("version")
    if want and not satisfies(version, want):
        d.add(f"{name} {version} (expected {''.join(want)})", f"{name} 版本 {version}（应为 {''.join(want)}）",
              version, "".join(want))
    return d.outcome(version)


# The states `systemctl is-enabled` answers with exit code 0 (systemctl(1)).
STARTED_AT_BOOT = ("enabled", "enabled-runtime", "static", "alias", "indirect", "generated", "transient")


def service(e: Entry, _i: int, facts: dict[str, dict[str, str]]) -> Outcome:
    name, d = unit(e.get("name")), Diff()
    info = facts.get(name, {})
    if info.get("LoadState") != "loaded":
        return _missing(f"no unit {name}", f"没有服务单元 {name}", name)
    active, enabled = info.get("ActiveState", ""), info.get("UnitFileState", "")
    if e.get("active", True) != (active == "active"):
        d.add(f"{name} is {active}", f"{name} 状态为 {active}", active,
              "active" if e.get("active", True) else "inactive")
    if e.get("enabled", True) != (enabled in STARTED_AT_BOOT):
        d.add(f"{name} is {enabled or 'not enabled'} at boot", f"{name} 开机启动状态为 {enabled or '未启用'}",
              enabled, "enabled" if e.get("enabled", True) else "disabled")
    return d.outcome(f"{active}, {enabled}")


def port(e: Entry, _i: int, facts: list[tuple[str, int, tuple[str, ...]]]) -> Outcome:
    proto, number, d = e.get("proto", "tcp"), e.get("port"), Diff()
    here = [names for p, n, names in facts if p == proto and n == number]
    label = f"{proto}/{number}"
    if not _present(d, e.get("listening", True), bool(here), f"listener on {label}", f"{label} 上的监听"):
        return d.outcome()
    names = sorted({n for ns in here for n in ns})
    if e.get("process") and e.get("process") not in names:
        d.add(f"{label} is held by {', '.join(names) or '?'}", f"{label} 由 {', '.join(names) or '?'} 占用",
              ", ".join(names), e.get("process"))
    return d.outcome(", ".join(names) or "listening")


def process(e: Entry, _i: int, facts: list[tuple[str, str]]) -> Outcome:
    name, d = e.get("name"), Diff()
    mine = [user for user, comm in facts if comm == name[:15]]
    if not _present(d, e.get("running", True), bool(mine), f"process {name}", f"进程 {name} "):
        return d.outcome()
    others = sorted({u for u in mine if e.get("user") and u != e.get("user")})
    if others:
        d.add(f"{name} runs as {', '.join(others)}", f"{name} 以 {', '.join(others)} 身份运行", ", ".join(others),
              e.get("user"))
    lo, hi = e.get("min_count"), e.get("max_count")
    if (lo is not None and len(mine) < lo) or (hi is not None and len(mine) > hi):
        d.add(f"{len(mine)} {name} process(es)", f"{len(mine)} 个 {name} 进程", len(mine), f"{lo or 0}..{hi or '∞'}")
    return d.outcome(f"{len(mine)} running")


def kernel_param(e: Entry, i: int, facts: dict[int, str | None]) -> Outcome:
    value = facts.get(i)
    if value is None:
        return _missing(f"no kernel parameter {e.get('name')}", f"没有内核参数 {e.get('name')}", e.get("value"))
    want = " ".join(str(e.get("value")).split())
    got = " ".join(value.split())
    if got != want:
        return Outcome(Status.FAIL, got, want, Text(f"{e.get('name')} = {got}", f"{e.get('name')} = {got}"))
    return Outcome(Status.PASS, found=got)


def account(e: Entry, _i: int, facts: dict[str, Any]) -> Outcome:
    name, d = e.get("name"), Diff()
    table = facts["passwd"] if e.type == "user" else facts["group"]
    row = table.get(name)
    what = ("user", "用户") if e.type == "user" else ("group", "组")
    if not _present(d, e.get("exists", True), row is not None, f"{what[0]} {name}", f"{what[1]} {name} "):
        return d.outcome()
    checks: list[tuple[str, str, Any, Any]] = []
    if e.type == "user":
        primary = facts["group"].get(e.get("group") or "", [None, None, None])[2]
        checks = [("uid", "UID", row[2], e.get("uid")), ("home", "主目录", row[5], e.get("home")),
                  ("shell", "登录 shell", row[6], e.get("shell")),
                  ("primary group", "主组", row[3], primary if e.get("group") else None)]
        lacking = [g for g in e.get("groups", ()) if g not in facts["ids"].get(name, ())]
        if lacking:
            d.add(f"{name} is not in {', '.join(lacking)}", f"{name} 不属于 {', '.join(lacking)}",
                  " ".join(facts["ids"].get(name, ())), " ".join(e.get("groups")))
    else:
        checks = [("gid", "GID", row[2], e.get("gid"))]
        lacking = [m for m in e.get("members", ()) if m not in row[3].split(",")]
        if lacking:
            d.add(f"{name} lacks members {', '.join(lacking)}", f"{name} 缺少成员 {', '.join(lacking)}", row[3],
                  ",".join(e.get("members")))
    for en, zh, got, want in checks:
        if want is not None and str(got) != str(want):
            d.add(f"{en} {got} (expected {want})", f"{zh} {got}（应为 {want}）", got, want)
    return d.outcome(":".join(row[:4]) if e.type == "group" else f"uid {row[2]}")


def cron(e: Entry, _i: int, facts: list[tuple[str, str]]) -> Outcome:
    rx, user = re.compile(e.get("match")), e.get("user")
    for path, line in facts:
        if user:
            owner = path.rsplit("/", 1)[-1] if "/spool/" in path else (line.split() + [""] * 6)[5]
            if owner != user:
                continue
        if rx.search(line):
            return Outcome(Status.PASS, found=f"{path}: {line.strip()}")
    who = f" of {user}" if user else ""
    return _missing(f"no cron entry{who} matches /{e.get('match')}/",
                    f"没有匹配 /{e.get('match')}/ 的定时任务" + (f"（用户 {user}）" if user else ""), e.get("match"))


def java(e: Entry, i: int, facts: dict[int, dict[str, str]]) -> Outcome:
    info = facts.get(i, {})
    version = info.get("java_version")
    where = e.get("java_home") or "java"
    if not version:
        return _missing(f"no JVM at {where}", f"{where} 处没有 JVM", "".join(e.get("version")))
    d = Diff()
    want = "".join(e.get("version"))
    if not satisfies(version, e.get("version")):
        d.add(f"Java {version} (expected {want})", f"Java 版本 {version}（应为 {want}）", version, want)
    vendor = info.get("implementor", "")
    if e.get("vendor") and not re.search(e.get("vendor"), vendor):
        d.add(f"vendor {vendor}", f"厂商 {vendor}", vendor, e.get("vendor"))
    return d.outcome(f"{version} {vendor} {info.get('home', '')}".strip())


def http(e: Entry, _i: int, facts: dict[str, Any]) -> Outcome:
    if facts.get("error"):
        msg = f"{e.get('url')}: {facts['error']}"
        return Outcome(Status.FAIL, facts["error"], e.get("status", 200), Text(msg, msg))
    d = Diff()
    want = e.get("status", 200)
    if facts["status"] != want:
        d.add(f"HTTP {facts['status']} (expected {want})", f"HTTP 状态 {facts['status']}（应为 {want}）",
              facts["status"], want)
    if e.get("body") and not re.search(e.get("body"), facts["body"]):
        d.add(f"the body does not match /{e.get('body')}/", f"响应内容不匹配 /{e.get('body')}/", "no match",
              e.get("body"))
    for name, rx in e.get("headers", ()):
        value = facts["headers"].get(name.lower())
        if value is None or not re.search(rx, value):
            d.add(f"header {name}: {value}", f"响应头 {name}：{value}", value, rx)
    return d.outcome(f"HTTP {facts['status']}")


def command(e: Entry, _i: int, facts: dict[str, Any]) -> Outcome:
    d, want = Diff(), e.get("exit_code", 0)
    if facts["rc"] != want:
        tail = facts["stderr"].strip().splitlines()[-1:] or [""]
        d.add(f"exit code {facts['rc']} (expected {want}) {tail[0]}".strip(),
              f"退出码 {facts['rc']}（应为 {want}）{tail[0]}".strip(), facts["rc"], want)
    if e.get("stdout") and not re.search(e.get("stdout"), facts["stdout"], re.MULTILINE):
        d.add(f"the output does not match /{e.get('stdout')}/", f"输出不匹配 /{e.get('stdout')}/",
              facts["stdout"].strip()[:200], e.get("stdout"))
    return d.outcome(facts["stdout"].strip()[:200])


EVALUATE: dict[str, Callable[[Entry, int, Any], Outcome]] = {
    "file": file, "mount": mount, "package": package, "service": service, "port": port, "process": process,
    "kernel_param": kernel_param, "user": account, "group": account, "cron": cron, "java": java, "http": http,
    "command": command,
}
