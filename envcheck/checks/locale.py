"""Locale and charset: the system's, the generated ones, and those of running services,
read from /proc (the SSH session's own locale says nothing about a service's)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from envcheck.checks.registry import Remediation, absent, check, fact
from envcheck.checks.util.common import (
    bad,
    effective_locale,
    key_values,
    locale_charset,
    norm_charset,
    norm_locale,
    ok,
    sections,
)
from envcheck.checks.util.jvm import java_main, jvm_encodings, jvm_options
from envcheck.model import Outcome, ProbeOutput, Severity, Status
from envcheck.standard import Standard

BASELINE_LOCALE = Remediation("server", ("locale",))
# Not nginx: it overwrites its environment area with its process title (so /proc/PID/environ
# holds "nginx: master process ..."), clears its workers' environment, and uses no locale.
SERVICES = ("java", "mysqld", "mariadbd", "postgres", "apache2", "httpd")
_ENV = r"^(LANG|LC_[A-Z]+|TZ|JAVA_TOOL_OPTIONS|JDK_JAVA_OPTIONS|_JAVA_OPTIONS)="


@fact(
    "locale.system",
    # Two small files read by the shell itself (a cat each would be an exec).
    "echo '== default_locale =='; eccat /etc/default/locale\n"
    "echo '== locale_conf =='; eccat /etc/locale.conf\n"
    "echo '== environment =='; grep -sE '^[[:space:]]*(export[[:space:]]+)?(LANG|LC_[A-Z]+)=' "
    "/etc/environment /etc/profile /etc/profile.d/*.sh; true",
    may_block=False,
)
def parse_system(out: ProbeOutput) -> dict[str, Any]:
    """The system locale: /etc/default/locale and /etc/locale.conf, and LANG/LC_* set in /etc/environment,
    /etc/profile and /etc/profile.d/*.sh."""
    parts = sections(out.stdout)
    # Debian reads /etc/default/locale (systemd is patched to), RHEL /etc/locale.conf.
    conf = {**_strip_quotes(key_values(parts.get("locale_conf", ""))),
            **_strip_quotes(key_values(parts.get("default_locale", "")))}
    overrides = []
    for line in parts.get("environment", "").splitlines():
        where, _, assignment = line.partition(":")
        m = re.search(r"\b(LANG|LC_[A-Z]+)=[\"']?([^\"'\s;]*)", assignment)
        if m:
            overrides.append({"file": where, "name": m.group(1), "value": m.group(2)})
    return {"lang": conf.get("LANG"), "lc_all": conf.get("LC_ALL"),
            "settings": conf, "overrides": overrides}


def _strip_quotes(values: dict[str, str]) -> dict[str, str]:
    return {k.removeprefix("export ").strip(): v.strip("\"'") for k, v in values.items() if not k.startswith("#")}


@fact("locale.available", "locale -a 2>/dev/null", may_block=False)
def parse_available(out: ProbeOutput) -> list[str]:
    """The generated locales: `locale -a`."""
    return sorted({norm_locale(line) for line in out.stdout.split() if line.strip()})


@fact(
    "locale.services",
    "for p in /proc/[0-9]*; do read -r c < $p/comm 2>/dev/null || continue; case \" "
    + " ".join(SERVICES)
    + " \" in *\" $c \"*) ;; *) continue;; esac; "
    "echo \"== ${p#/proc/} $c ==\"; { tr '\\0' '\\n' < $p/environ; } 2>/dev/null | "
    f"grep -E '{_ENV}'; "
    # A JVM's arguments, kept apart by tabs (the NULs of /proc/PID/cmdline), binary and version.
    "if [ \"$c\" = java ]; then echo \"cmdline=$( { tr '\\0' '\\t' < $p/cmdline; } 2>/dev/null | head -c 8000)\"; "
    "e=$(readlink $p/exe 2>/dev/null); echo \"exe=$e\"; "
    "sed -n 's/^JAVA_VERSION=\"\\(.*\\)\"/java_version=\\1/p' \"${e%/bin/java}/release\" "
    "\"${e%/jre/bin/java}/release\" 2>/dev/null | head -n1; fi; "
    "done; true",
    sudo=True,
)
def parse_services(out: ProbeOutput) -> Any:
    """The locale of running services: LANG, LC_*, TZ and the JVM option variables in /proc/PID/environ of
    java, MySQL/MariaDB, PostgreSQL and Apache processes; for a JVM also its command line, binary and Java
    version."""
    services: dict[str, dict[str, Any]] = {}
    for header, body in sections(out.stdout).items():
        if not header:
            continue
        pid_text, _, comm = header.partition(" ")
        if comm not in SERVICES or not pid_text.isdigit():
            continue
        pid = int(pid_text)
        env = key_values(body)
        cmdline = [a for a in env.pop("cmdline", "").split("\t") if a]
        exe, version = env.pop("exe", None), env.pop("java_version", None)
        env = {k: v for k, v in env.items() if k.startswith(("LANG", "LC_", "TZ", "JAVA_", "JDK_", "_JAVA"))}
        if comm == "java":
            if not version and exe:  # no release file: the JDK's directory usually names it
                m = re.search(r"(?:java-|jdk-?|jre-?)(1\.\d+|\d+)", exe)
                version = m.group(1) if m else None
            entry = {"pid": pid, "env": env, "main": java_main(cmdline), "java_version": version,
                     "exe": exe, "options": jvm_options(env, cmdline)}
            name = f"java {entry['main']}"
            services[name if name not in services else f"{name} #{pid}"] = entry
            continue
        name = "mysqld" if comm == "mariadbd" else comm
        # The main process has the lowest PID (the glob lists /proc/1001 before /proc/999);
        # nginx's workers, for one, are stripped of the environment on purpose.
        if name in services and services[name]["pid"] < pid:
            continue
        services[name] = {"pid": pid, "env": env}
    if not services:
        return absent("no java, database or web server process runs",
                      "没有运行中的 java、数据库或 Web 服务进程")
    return dict(sorted(services.items()))


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
    fix=("Use a UTF-8 locale (e.g. zh_CN.UTF-8, not zh_CN.GBK or zh_CN) for LANG and any LC_CTYPE/"
         "LC_ALL in /etc/default/locale (RHEL: /etc/locale.conf): `envcheck deploy server --tags locale`.",
         "LANG 及 LC_CTYPE/LC_ALL 须使用 UTF-8 语言环境(如 zh_CN.UTF-8,而非 zh_CN.GBK 或 zh_CN),"
         "见 /etc/default/locale(RHEL:/etc/locale.conf):`envcheck deploy server --tags locale`。"),
    severity=Severity.CRITICAL,
    facts=["locale.system"],
    remediation=BASELINE_LOCALE,
)
def system_charset(f: Mapping[str, Any], std: Standard) -> Outcome:
    locale = effective_locale(f["locale.system"]["settings"])  # LC_CTYPE decides the charset
    charset = locale_charset(locale)
    if charset == norm_charset(std.charset):
        return ok(charset, std.charset, f"system charset is {charset}", f"系统字符集为 {charset}")
    return bad(charset, std.charset, f"system charset is {charset} ({locale})",
               f"系统字符集为 {charset}({locale})")


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
    wanted = sorted({norm_locale(x) for x in (std.locale, *std.locales_required)})
    missing = [w for w in wanted if w not in available]
    if not missing:
        return ok(wanted, wanted, "required locales are generated", "所需语言环境均已生成")
    return bad(f"missing: {', '.join(missing)}", wanted,
               f"locales not generated: {', '.join(missing)}", f"未生成的语言环境:{', '.join(missing)}")


@check(
    "locale.no_override",
    title=("No non-UTF-8 LANG/LC_* set in profiles", "profile 中没有非 UTF-8 的 LANG/LC_* 设置"),
    fix=("Remove LANG/LC_* lines that set another charset from /etc/environment, /etc/profile and "
         "/etc/profile.d/*.sh; the system locale belongs in /etc/default/locale (RHEL: /etc/locale.conf).",
         "删除 /etc/environment、/etc/profile 和 /etc/profile.d/*.sh 中设置其他字符集的 LANG/LC_* 行;"
         "系统语言环境应在 /etc/default/locale(RHEL:/etc/locale.conf)中设置。"),
    severity=Severity.MAJOR,
    facts=["locale.system"],
)
def no_override(f: Mapping[str, Any], std: Standard) -> Outcome:
    overrides = f["locale.system"]["overrides"]
    listing = [f"{o['file']}: {o['name']}={o['value']}" for o in overrides]
    # An empty value (LC_ALL=) unsets the variable: harmless.
    wrong = [f"{o['file']}: {o['name']}={o['value']}" for o in overrides
             if o["value"] and locale_charset(o["value"]) != norm_charset(std.charset)]
    if not wrong:
        return ok(listing, f"{std.charset} or unset", "no conflicting locale override", "没有冲突的语言环境设置")
    return bad(wrong, f"{std.charset} or unset", "non-UTF-8 locale set in " + "; ".join(wrong),
               "设置了非 UTF-8 语言环境:" + ";".join(wrong))


@check(
    "locale.service_lang",
    title=("Running services use the standard UTF-8 locale", "运行中的服务使用标准的 UTF-8 语言环境"),
    fix=("Set the locale in the service's unit (`systemctl edit <unit>`: Environment=LANG=<locale>) "
         "or in /etc/default/locale, then restart the service; a service started without LANG runs in C/ASCII. "
         "Debian's Apache sets LANG=C in /etc/apache2/envvars: source /etc/default/locale there instead.",
         "在服务的 unit 中设置语言环境(`systemctl edit <服务>`:Environment=LANG=<语言环境>)"
         "或在 /etc/default/locale 中设置,然后重启服务;未设置 LANG 的服务以 C/ASCII 运行。"
         "Debian 的 Apache 在 /etc/apache2/envvars 中写死了 LANG=C:改为引用 /etc/default/locale。"),
    severity=Severity.CRITICAL,
    facts=["locale.services"],
)
def service_lang(f: Mapping[str, Any], std: Standard) -> Outcome:
    found = {name: effective_locale(s["env"]) for name, s in f["locale.services"].items()}
    shown = {n: loc if _sets_locale(s["env"]) else f"{loc} (no LANG/LC_* set)"
             for (n, loc), s in zip(found.items(), f["locale.services"].values(), strict=True)}
    wrong = {n: shown[n] for n, loc in found.items() if locale_charset(loc) != norm_charset(std.charset)}
    if wrong:
        listing = ", ".join(f"{n}: {loc}" for n, loc in wrong.items())
        return bad(shown, std.locale, f"services not in {std.charset}: {listing}",
                   f"未使用 {std.charset} 的服务:{listing}")
    other = {n: loc for n, loc in found.items() if norm_locale(loc) != norm_locale(std.locale)}
    if other:
        listing = ", ".join(f"{n}: {loc}" for n, loc in other.items())
        return bad(shown, std.locale, f"services in UTF-8 but not the standard locale {std.locale}: {listing}",
                   f"服务使用 UTF-8 但不是标准语言环境 {std.locale}:{listing}", Status.WARN)
    return ok(shown, std.locale, f"services run in {std.locale}", f"各服务均以 {std.locale} 运行")


def _sets_locale(env: Mapping[str, str]) -> bool:
    return any(k == "LANG" or k.startswith("LC_") for k in env)


@check(
    "locale.jvm_encoding",
    title=("Every JVM runs with file.encoding and sun.jnu.encoding UTF-8",
           "所有 JVM 的 file.encoding 和 sun.jnu.encoding 为 UTF-8"),
    fix=("Give the JVM a UTF-8 locale (Environment=LANG=<locale> in its unit) and add "
         "-Dfile.encoding=UTF-8 to its options, then restart it; sun.jnu.encoding (file names, "
         "arguments) follows the locale only.",
         "为 JVM 设置 UTF-8 语言环境(在 unit 中 Environment=LANG=<语言环境>),并在启动参数中加入 "
         "-Dfile.encoding=UTF-8,然后重启;sun.jnu.encoding(文件名、参数)只随语言环境变化。"),
    severity=Severity.CRITICAL,
    facts=["locale.services"],
)
def jvm_encoding(f: Mapping[str, Any], std: Standard) -> Outcome:
    jvms = {n: s for n, s in f["locale.services"].items() if "options" in s}
    if not jvms:
        return Outcome(Status.SKIP, None, std.charset, absent("no JVM runs", "没有运行中的 JVM").reason)
    found = {n: jvm_encodings(s) for n, s in jvms.items()}
    want = norm_charset(std.charset)
    wrong = [f"{n} {prop}={value}" for n, enc in found.items() for prop, value in enc.items()
             if norm_charset(value.split(" ")[0]) != want]
    if not wrong:
        return ok(found, std.charset, f"every JVM runs in {std.charset}", f"所有 JVM 均以 {std.charset} 运行")
    return bad(found, std.charset, "JVM not in UTF-8: " + "; ".join(wrong), "JVM 编码不是 UTF-8:" + ";".join(wrong))
