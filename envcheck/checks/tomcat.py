"""Tomcat: its HTTP connectors (URIEncoding) and its JVM (encodings, time zone, heap)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import ElementTree as SafeET

from envcheck.checks.locale import effective_locale
from envcheck.checks.registry import Remediation, absent, check, fact
from envcheck.checks.util.common import bad, norm_charset, ok, sections
from envcheck.model import Outcome, ProbeOutput, Severity, Status
from envcheck.standard import Standard

DEPLOY_TOMCAT = Remediation("middleware", ("tomcat",))
DEPLOY_WEB = Remediation("middleware", ("nginx", "apache"))

_TOMCAT = (
    # The running Tomcat's base first (from its command line), else the usual places.
    "pid=; for p in /proc/[0-9]*; do read -r c < $p/comm 2>/dev/null || continue; [ \"$c\" = java ] || continue; "
    "if tr '\\0' ' ' < $p/cmdline 2>/dev/null | grep -q org.apache.catalina; then pid=${p#/proc/}; break; fi; done\n"
    "base=; if [ -n \"$pid\" ]; then "
    "base=$(tr '\\0' '\\n' < /proc/$pid/cmdline | sed -n 's/^-Dcatalina.base=//p'); fi\n"
    "for d in \"$base\" /var/lib/tomcat10 /var/lib/tomcat9 /etc/tomcat10 /etc/tomcat9 /opt/tomcat "
    "/usr/share/tomcat; do "
    "[ -n \"$d\" ] && [ -f \"$d/conf/server.xml\" ] && { xml=$d/conf/server.xml; break; }; "
    "[ -n \"$d\" ] && [ -f \"$d/server.xml\" ] && { xml=$d/server.xml; break; }; done\n"
    "[ -n \"$xml\" ] || [ -n \"$pid\" ] || { echo ABSENT; exit 0; }\n"
    "echo \"== server_xml $xml ==\"; [ -n \"$xml\" ] && head -c 200000 \"$xml\"\n"
    "echo '== jvm =='; if [ -n \"$pid\" ]; then echo \"pid=$pid\"; "
    "tr '\\0' '\\n' < /proc/$pid/cmdline | grep -E '^-D(file.encoding|sun.jnu.encoding|user.timezone)=|^-Xmx' ; "
    "tr '\\0' '\\n' < /proc/$pid/environ | grep -E '^(LANG|LC_ALL|LC_CTYPE|TZ)='; fi\n"
    "echo \"== memory ==\"; awk '/^MemTotal:/ {print int($2/1024)}' /proc/meminfo\n"
)


@fact("tomcat.jvm", _TOMCAT, sudo=True)
def parse_tomcat(out: ProbeOutput) -> Any:
    """The running Tomcat (the java process of org.apache.catalina): its -Dfile.encoding, -Dsun.jnu.encoding,
    -Duser.timezone and -Xmx, its LANG/LC_*/TZ, the connectors of its conf/server.xml (else of the usual
    Tomcat folders), and MemTotal."""
    if out.stdout.strip() == "ABSENT":
        return absent("no Tomcat on this host", "本机未安装 Tomcat")
    parts = sections(out.stdout)
    xml_key = next((k for k in parts if k.startswith("server_xml")), "")
    connectors = _connectors(parts.get(xml_key, ""))
    jvm: dict[str, str] = {}
    env: dict[str, str] = {}
    for line in parts.get("jvm", "").splitlines():
        if line.startswith("-D"):
            name, _, value = line[2:].partition("=")
            jvm[name] = value
        elif line.startswith("-Xmx"):
            jvm["Xmx"] = line[4:]
        elif "=" in line:
            name, _, value = line.partition("=")
            env[name] = value
    running = "pid" in env
    env.pop("pid", None)
    memory = parts.get("memory", "").strip()
    return {
        "server_xml": xml_key.partition(" ")[2] or None,
        "connectors": connectors,
        "running": running,
        "file_encoding": jvm.get("file.encoding"),
        "sun_jnu_encoding": jvm.get("sun.jnu.encoding"),
        "user_timezone": jvm.get("user.timezone") or env.get("TZ"),
        "xmx": jvm.get("Xmx"),
        "env": env,
        "memory_mb": int(memory) if memory.isdigit() else None,
    }


def _connectors(text: str) -> list[dict[str, Any]] | None:
    if not text.strip():
        return None
    # Imported here, where a server.xml is found (it comes from a host we audit): every
    # check run loads this module, most audit no Tomcat.


    try:
        root = SafeET.fromstring(text)
    except (ParseError, ValueError):
        return None
    return [{"port": c.get("port"), "protocol": c.get("protocol") or "HTTP/1.1",
             "URIEncoding": c.get("URIEncoding")} for c in root.iter("Connector")]


JvmEvaluation = Callable[[Mapping[str, Any], Mapping[str, Any], Standard], Outcome]


def running_jvm(evaluate: JvmEvaluation) -> Callable[[Mapping[str, Any], Standard], Outcome]:
    """An evaluation of the running JVM's settings (tomcat.jvm as its first argument); a
    Tomcat installed but stopped has no such settings and fails as "not running"."""

    def evaluation(f: Mapping[str, Any], std: Standard) -> Outcome:
        t = f["tomcat.jvm"]
        if not t["running"]:
            return Outcome(Status.FAIL, "not running", "running", absent(
                "Tomcat is installed but not running", "已安装 Tomcat 但未运行").reason)
        return evaluate(t, f, std)

    return evaluation


@check(
    "tomcat.uri_encoding",
    title=("Every HTTP connector has URIEncoding=\"UTF-8\"", "所有 HTTP 连接器设置了 URIEncoding=\"UTF-8\""),
    fix=("Add URIEncoding=\"UTF-8\" to each <Connector> in server.xml and restart Tomcat "
         "(`envcheck deploy middleware --tags tomcat`); without it Chinese in GET parameters is garbled "
         "on Tomcat 7 and on any connector configured otherwise.",
         "在 server.xml 的每个 <Connector> 上加 URIEncoding=\"UTF-8\" 并重启 Tomcat"
         "(`envcheck deploy middleware --tags tomcat`);否则 GET 参数中的中文会乱码。"),
    severity=Severity.CRITICAL,
    facts=["tomcat.jvm"],
    remediation=DEPLOY_TOMCAT,
)
def uri_encoding(f: Mapping[str, Any], std: Standard) -> Outcome:
    t = f["tomcat.jvm"]
    if t["connectors"] is None:
        return bad(t["server_xml"], std.tomcat_uri_encoding, "server.xml not found or not valid XML",
                   "未找到 server.xml 或其不是有效 XML", Status.ERROR)
    http = [c for c in t["connectors"] if "AJP" not in (c["protocol"] or "").upper()]
    # Explicit is the standard: Tomcat 8+ defaults to UTF-8, but an explicit value survives
    # copied configs from older sites and says what was agreed.
    wrong = [f"{c['port']}: {c['URIEncoding'] or 'unset'}" for c in http
             if norm_charset(c["URIEncoding"] or "") != norm_charset(std.tomcat_uri_encoding)]
    if not wrong:
        return ok([c["port"] for c in http], std.tomcat_uri_encoding, "connectors set URIEncoding",
                  "连接器已设置 URIEncoding")
    return bad(wrong, std.tomcat_uri_encoding, f"{t['server_xml']}: connector URIEncoding {', '.join(wrong)}",
               f"{t['server_xml']}:连接器 URIEncoding 为 {', '.join(wrong)}")


@check(
    "tomcat.file_encoding",
    title=("JVM file.encoding and sun.jnu.encoding are UTF-8", "JVM 的 file.encoding 和 sun.jnu.encoding 为 UTF-8"),
    fix=("Add -Dfile.encoding=UTF-8 -Dsun.jnu.encoding=UTF-8 to JAVA_OPTS (setenv.sh or the unit) and "
         "LANG=<locale> to the service environment; restart Tomcat.",
         "在 JAVA_OPTS(setenv.sh 或 unit)中加入 -Dfile.encoding=UTF-8 -Dsun.jnu.encoding=UTF-8,"
         "并在服务环境中设置 LANG=<语言环境>,然后重启 Tomcat。"),
    severity=Severity.CRITICAL,
    facts=["tomcat.jvm"],
    remediation=DEPLOY_TOMCAT,
)
@running_jvm
def file_encoding(t: Mapping[str, Any], f: Mapping[str, Any], std: Standard) -> Outcome:
    # Without -D flags the JVM takes its encodings from the process locale (C -> ASCII).
    locale = effective_locale(t["env"])
    implied = norm_charset(locale.partition(".")[2]) if "." in locale else "ANSI_X3.4-1968"
    found = {"file.encoding": t["file_encoding"] or f"{implied} (from LANG={locale})",
             "sun.jnu.encoding": t["sun_jnu_encoding"] or f"{implied} (from LANG={locale})"}
    effective = {k: norm_charset(v.split(" ")[0]) for k, v in found.items()}
    if all(v == norm_charset(std.charset) for v in effective.values()):
        return ok(found, std.charset, "the JVM runs in UTF-8", "JVM 以 UTF-8 运行")
    return bad(found, std.charset, f"the JVM is not UTF-8: {found}", f"JVM 编码不是 UTF-8:{found}")


@check(
    "tomcat.user_timezone",
    title=("JVM user.timezone is the standard zone", "JVM 的 user.timezone 符合标准"),
    fix=("Add -Duser.timezone=<zone> to JAVA_OPTS and restart Tomcat (`envcheck deploy middleware --tags tomcat`).",
         "在 JAVA_OPTS 中加入 -Duser.timezone=<时区> 并重启 Tomcat(`envcheck deploy middleware --tags tomcat`)。"),
    severity=Severity.CRITICAL,
    facts=["tomcat.jvm", "time.zone"],
    remediation=DEPLOY_TOMCAT,
)
@running_jvm
def user_timezone(t: Mapping[str, Any], f: Mapping[str, Any], std: Standard) -> Outcome:
    zone = t["user_timezone"] or f"{f['time.zone']['zone']} (from the OS)"
    if zone.split(" ")[0] == std.timezone:
        return ok(zone, std.timezone, f"user.timezone = {zone}", f"user.timezone = {zone}")
    return bad(zone, std.timezone, f"user.timezone is {zone}", f"user.timezone 为 {zone}")


@check(
    "tomcat.heap",
    title=("JVM heap set and sized to memory", "JVM 堆已设置且与内存相称"),
    fix=("Set -Xmx to about the standard share of memory in setenv.sh (`envcheck deploy middleware --tags tomcat`).",
         "在 setenv.sh 中将 -Xmx 设为内存的标准比例(`envcheck deploy middleware --tags tomcat`)。"),
    severity=Severity.MINOR,
    facts=["tomcat.jvm"],
    remediation=DEPLOY_TOMCAT,
)
@running_jvm
def heap(t: Mapping[str, Any], f: Mapping[str, Any], std: Standard) -> Outcome:
    target = (t["memory_mb"] or 0) * std.tomcat_heap_percent // 100
    if not t["xmx"]:
        return bad("unset (JVM default: 1/4 of memory)", f"~{target}m", "no -Xmx: the JVM picks a default",
                   "未设置 -Xmx:由 JVM 自行决定", Status.WARN)
    mb = _size_mb(t["xmx"])
    if target and mb and 0.5 * target <= mb <= 1.2 * target:
        return ok(t["xmx"], f"~{target}m", f"-Xmx{t['xmx']}", f"-Xmx{t['xmx']}")
    return bad(t["xmx"], f"~{target}m", f"-Xmx{t['xmx']} is far from {target}m",
               f"-Xmx{t['xmx']} 与 {target}m 相差过大", Status.WARN)


def _size_mb(text: str) -> float | None:
    m = re.fullmatch(r"(\d+)([kKmMgG]?)", text.strip())
    if not m:
        return None
    factor = {"": 1 / 1048576, "k": 1 / 1024, "m": 1, "g": 1024}[m.group(2).lower()]
    return int(m.group(1)) * factor
