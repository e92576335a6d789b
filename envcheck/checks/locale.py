"""Locale and charset: the system's, the generated ones, and those of running services,
read from /proc (the SSH session's own locale says nothing about a service's)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from envcheck.checks.common import bad, key_values, norm_charset, norm_locale, ok, sections
from envcheck.checks.registry import Remediation, absent, check, fact
from envcheck.model import Outcome, ProbeOutput, Severity
from envcheck.standard import Standard

BASELINE_LOCALE = Remediation("server", ("locale",))
# Not nginx: it overwrites its environment area with its process title (so /proc/PID/environ
# holds "nginx: master process ..."), clears its workers' environment, and uses no locale.
SERVICES = ("java", "mysqld", "mariadbd", "postgres", "apache2", "httpd")


@fact(
    "locale.system",
    "echo '== default_locale =='; cat /etc/default/locale 2>/dev/null\n"
    "echo '== locale_conf =='; cat /etc/locale.conf 2>/dev/null\n"
    "echo '== environment =='; grep -sE '^[[:space:]]*(export[[:space:]]+)?(LANG|LC_[A-Z]+)=' "
    "/etc/environment /etc/profile /etc/profile.d/*.sh; true",
)
def parse_system(out: ProbeOutput) -> dict[str, Any]:
    parts = sections(out.stdout)
    conf = {**_strip_quotes(key_values(parts.get("locale_conf", ""))),
            **_strip_quotes(key_values(parts.get("default_locale", "")))}
    overrides = []
    for line in parts.get("environment", "").splitlines():
        where, _, assignment = line.partition(":")
        m = re.search(r"\b(LANG|LC_[A-Z]+)=[\"']?([^\"'\s]*)", assignment)
        if m:
            overrides.append({"file": where, "name": m.group(1), "value": m.group(2)})
    return {"lang": conf.get("LANG"), "lc_all": conf.get("LC_ALL"),
            "settings": conf, "overrides": overrides}


def _strip_quotes(values: dict[str, str]) -> dict[str, str]:
    return {k: v.strip("\"'") for k, v in values.items()}


@fact("locale.available", "locale -a 2>/dev/null")
def parse_available(out: ProbeOutput) -> list[str]:
    return sorted({norm_locale(line) for line in out.stdout.split() if line.strip()})


@fact(
    "locale.services",
    "for p in /proc/[0-9]*; do read -r c < $p/comm 2>/dev/null || continue; case \" "
    + " ".join(SERVICES)
    + " \" in *\" $c \"*) ;; *) continue;; esac; "
    "echo \"== ${p#/proc/} $c ==\"; { tr '\\0' '\\n' < $p/environ; } 2>/dev/null | "
    "grep -E '^(LANG|LC_[A-Z]+|TZ)='; "
    "echo \"cmdline=$( { tr '\\0' ' ' < $p/cmdline; } 2>/dev/null | head -c 4000)\"; done; true",
    sudo=True,
)
def parse_services(out: ProbeOutput) -> Any:
    services: dict[str, dict[str, Any]] = {}
    for header, body in sections(out.stdout).items():
        if not header:
            continue
        pid, _, comm = header.partition(" ")
        if comm not in SERVICES:
            continue
        name = "mysqld" if comm == "mariadbd" else comm
        # The main process has the lowest PID (the glob lists /proc/1001 before /proc/999);
        # nginx's workers, for one, are stripped of the environment on purpose.
        if name in services and services[name]["pid"] < int(pid):
            continue
        env = key_values(body)
        cmdline = env.pop("cmdline", "")
        services[name] = {"pid": int(pid), "env": env, "file_encoding": _jvm_prop(cmdline, "file.encoding"),
                          "sun_jnu_encoding": _jvm_prop(cmdline, "sun.jnu.encoding")}
    if not services:
        return absent("no java, database or web server process runs",
                      "没有运行中的 java、数据库或 Web 服务进程")
    return services


def _jvm_prop(cmdline: str, name: str) -> str | None:
    m = re.search(r"-D" + re.escape(name) + r"=(\S+)", cmdline)
    return m.group(1) if m else None


def effective_locale(env: Mapping[str, str]) -> str:
    """The locale a process really runs with: LC_ALL, else LC_CTYPE, else LANG, else C."""
    return env.get("LC_ALL") or env.get("LC_CTYPE") or env.get("LANG") or "C"


@check(
    "locale.system_lang",
    title=("System locale is the standard locale", "系统语言环境符合标准"),
    fix=("Generate the locale, then set it: `localectl set-locale LANG=<locale>` "
         "(or `envcheck deploy server --tags locale`).",
         "先生成该语言环境,再设置:`localectl set-locale LANG=<语言环境>`"
         "(或 `envcheck deploy server --tags locale`)。"),
    severity=Severity.CRITICAL,
    facts=["locale.system"],
    remediation=BASELINE_LOCALE,
)
def system_lang(f: Mapping[str, Any], std: Standard) -> Outcome:
    s = f["locale.system"]
    found = s["lc_all"] or s["lang"]
    if found and norm_locale(found) == norm_locale(std.locale):
        return ok(found, std.locale, f"system locale is {found}", f"系统语言环境为 {found}")
    shown = found or "unset (C/POSIX)"
    return bad(shown, std.locale, f"system locale is {shown}, expected {std.locale}",
               f"系统语言环境为 {shown},应为 {std.locale}")


@check(
    "locale.system_charset",
    title=("System charset is the standard charset", "系统字符集符合标准"),
    fix=("Use a UTF-8 locale (e.g. zh_CN.UTF-8, not zh_CN.GBK) in /etc/default/locale.",
         "在 /etc/default/locale 中使用 UTF-8 语言环境(如 zh_CN.UTF-8,而非 zh_CN.GBK)。"),
    severity=Severity.CRITICAL,
    facts=["locale.system"],
    remediation=BASELINE_LOCALE,
)
def system_charset(f: Mapping[str, Any], std: Standard) -> Outcome:
    s = f["locale.system"]
    found = s["lc_all"] or s["lang"] or "C"
    charset = norm_charset(found.partition(".")[2]) if "." in found else "ANSI_X3.4-1968"
    if charset == norm_charset(std.charset):
        return ok(charset, std.charset, f"system charset is {charset}", f"系统字符集为 {charset}")
    return bad(charset, std.charset, f"system charset is {charset} ({found})",
               f"系统字符集为 {charset}({found})")


@check(
    "locale.required_generated",
    title=("Required locales are generated", "所需语言环境已生成"),
    fix=("Add them to /etc/locale.gen and run `locale-gen` (RHEL: install glibc-langpack-zh), "
         "or `envcheck deploy server --tags locale`.",
         "将其加入 /etc/locale.gen 并执行 `locale-gen`(RHEL:安装 glibc-langpack-zh),"
         "或 `envcheck deploy server --tags locale`。"),
    severity=Severity.CRITICAL,
    facts=["locale.available"],
    remediation=BASELINE_LOCALE,
)
def required_generated(f: Mapping[str, Any], std: Standard) -> Outcome:
    available = set(f["locale.available"])
    wanted = [norm_locale(x) for x in (std.locale, *std.locales_required)]
    missing = sorted({w for w in wanted if w not in available})
    if not missing:
        return ok(sorted(set(wanted)), sorted(set(wanted)), "required locales are generated", "所需语言环境均已生成")
    return bad(f"missing: {', '.join(missing)}", sorted(set(wanted)),
               f"locales not generated: {', '.join(missing)}", f"未生成的语言环境:{', '.join(missing)}")


@check(
    "locale.no_override",
    title=("No non-UTF-8 LANG/LC_* set in profiles", "profile 中没有非 UTF-8 的 LANG/LC_* 设置"),
    fix=("Remove LANG/LC_* lines that set another charset from /etc/environment and "
         "/etc/profile.d/*.sh; the system locale belongs in /etc/default/locale.",
         "删除 /etc/environment 和 /etc/profile.d/*.sh 中设置其他字符集的 LANG/LC_* 行;"
         "系统语言环境应在 /etc/default/locale 中设置。"),
    severity=Severity.MAJOR,
    facts=["locale.system"],
)
def no_override(f: Mapping[str, Any], std: Standard) -> Outcome:
    overrides = f["locale.system"]["overrides"]
    wrong = [o for o in overrides if ("." in o["value"] and norm_charset(o["value"].partition(".")[2])
             != norm_charset(std.charset)) or o["value"] in ("C", "POSIX")]
    listing = [f"{o['file']}: {o['name']}={o['value']}" for o in wrong]
    if not wrong:
        return ok([f"{o['file']}: {o['name']}={o['value']}" for o in overrides], None,
                  "no conflicting locale override", "没有冲突的语言环境设置")
    return bad(listing, f"{std.charset} or unset", "; ".join(listing), ";".join(listing))


@check(
    "locale.service_lang",
    title=("Running services use a UTF-8 locale", "运行中的服务使用 UTF-8 语言环境"),
    fix=("Set the locale in the service's unit (Environment=LANG=<locale>) or "
         "/etc/default/locale and restart it; a service started without LANG runs in C/ASCII.",
         "在服务的 unit 中设置 Environment=LANG=<语言环境>(或 /etc/default/locale)并重启;"
         "未设置 LANG 的服务以 C/ASCII 运行。"),
    severity=Severity.CRITICAL,
    facts=["locale.services"],
)
def service_lang(f: Mapping[str, Any], std: Standard) -> Outcome:
    found = {name: effective_locale(s["env"]) for name, s in f["locale.services"].items()}
    wrong = {n: loc for n, loc in found.items()
             if norm_charset(loc.partition(".")[2] or "ANSI_X3.4-1968") != norm_charset(std.charset)}
    if not wrong:
        return ok(found, std.charset, "services run with a UTF-8 locale", "各服务均以 UTF-8 语言环境运行")
    listing = ", ".join(f"{n}: {loc}" for n, loc in wrong.items())
    return bad(found, std.charset, f"services without a {std.charset} locale: {listing}",
               f"未使用 {std.charset} 语言环境的服务:{listing}")

