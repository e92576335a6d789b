"""appconfig.*: the application's own config files (standard_app_configs): JDBC URLs and datasource definitions
in .properties, .yml, Tomcat context.xml/server.xml and .env files, checked against the standard
zone and charset and against the declared datasources; Oracle's NLS_LANG in the service
environment; and the encoding of the files themselves. Secrets are masked on the host."""

from __future__ import annotations

import base64
import re
import shlex
from collections.abc import Mapping
from typing import Any

from envcheck.appview import jdbc
from envcheck.appview.configs import encoding_of, url_problems, urls_in
from envcheck.checks.registry import HostContext, check, fact
from envcheck.checks.util.common import listed, sections
from envcheck.masking import mask_text
from envcheck.model import Outcome, ProbeOutput, Severity, Status, Text
from envcheck.paths import shell_text
from envcheck.standard import Standard

FACT = "appconfig.files"
_SCRIPT = shell_text("checks/util/appconfig.sh")
_NLS = re.compile(r"NLS_LANG=[\"']?([A-Za-z_]+\.[A-Za-z0-9]+)")


def _command(ctx: HostContext, std: Standard) -> str | None:
    if not std.app_configs:
        return None
    return _SCRIPT + "ecconfig " + " ".join(shlex.quote(p) for p in std.app_configs) + "\n"


@fact(FACT, command_for=_command, timeout=20)
def parse_configs(out: ProbeOutput) -> dict[str, Any]:
    """Each declared application config file, its secrets masked on the host, read as base64 (so its own encoding
    is seen): its encoding, the JDBC URLs it defines and NLS_LANG; plus NLS_LANG in the service environment."""
    files: dict[str, Any] = {}
    parts = sections(out.stdout)
    for path, body in parts.items():
        if not path or path == "NLS_LANG":
            continue
        if body.strip() == "MISSING":
            files[path] = {"missing": True}
            continue
        data = base64.b64decode(body.strip() or b"")
        encoding = encoding_of(data)
        text, _ = mask_text(data.decode("utf-8" if encoding == "UTF-8" else "gb18030", "replace"))
        files[path] = {"encoding": encoding, "urls": urls_in(text), "nls_lang": _NLS.findall(text),
                       "non_ascii": any(b > 127 for b in data)}
    env = [line.strip() for line in parts.get("NLS_LANG", "").splitlines() if line.strip()]
    nls = [f"{line.partition(':')[0]}: {n}" for line in env for n in _NLS.findall(line)]
    return {"files": files, "nls_lang_env": nls}


def _all_urls(f: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(path, u) for path, x in f[FACT]["files"].items() for u in x.get("urls", [])]


@check(
    "appconfig.jdbc",
    title=("The application's JDBC URLs and NLS_LANG ask for the standard zone and charset",
           "应用的 JDBC URL 和 NLS_LANG 使用标准时区和字符集"),
    fix=("Correct the URL in the file named (serverTimezone/connectionTimeZone or options=-c TimeZone= set to the "
         "standard zone, characterEncoding=UTF-8, useUnicode=true); Oracle: NLS_LANG=<LANG>_<TERRITORY>.AL32UTF8.",
         "修改所列文件中的 URL(serverTimezone/connectionTimeZone 或 options=-c TimeZone= 设为标准时区,"
         "characterEncoding=UTF-8,useUnicode=true);Oracle:NLS_LANG=<语言>_<地区>.AL32UTF8。"),
    severity=Severity.CRITICAL,
    facts=[FACT],
)
def config_jdbc(f: Mapping[str, Any], std: Standard) -> Outcome:
    problems = [f"{path}: {mask_text(u)[0]}: {p}" for path, u in _all_urls(f) for p in url_problems(u, std)]
    nls = [*f[FACT]["nls_lang_env"], *(f"{p}: {n}" for p, x in f[FACT]["files"].items() for n in x.get("nls_lang", []))]
    problems += [f"{n}: Oracle client charset is not AL32UTF8" for n in nls if not n.upper().endswith(".AL32UTF8")]
    found = {"urls": [f"{p}: {mask_text(u)[0]}" for p, u in _all_urls(f)], "nls_lang": nls}
    return listed(found, {"zone": std.timezone, "charset": std.charset}, problems,
                  Text("the application's URLs ask for the standard", "应用的 URL 符合标准"))


@check(
    "appconfig.datasources",
    title=("The application's config points at the declared datasources", "应用配置指向已声明的数据源"),
    fix=("The config names a database the inventory does not declare (or the other way round): correct the URL, or "
         "declare the datasource it really uses in standard_app_datasources.",
         "配置中的数据库与清单声明不一致:修正 URL,或在 standard_app_datasources 中声明实际使用的数据源。"),
    severity=Severity.MAJOR,
    facts=[FACT],
)
def config_datasources(f: Mapping[str, Any], std: Standard) -> Outcome:
    declared = {(d.engine, d.host, d.port, d.database) for d in std.app_datasources}
    if not declared:
        return Outcome(Status.SKIP, message=Text("no datasource declared", "未声明数据源"))
    found, problems = [], []
    for path, url in _all_urls(f):
        parsed = jdbc.parse(url)
        if parsed is None or parsed.engine == "oracle":
            continue
        key = (parsed.engine, parsed.host, parsed.port, parsed.database)
        found.append(f"{parsed.engine}://{parsed.host}:{parsed.port}/{parsed.database}")
        if key not in declared:
            problems.append(f"{path}: {found[-1]} is not a declared datasource")
    expected = sorted(f"{e}://{h}:{p}/{d}" for e, h, p, d in declared)
    return listed(found, expected, problems, Text("config and datasources agree", "配置与数据源声明一致"))


@check(
    "appconfig.encoding",
    title=("The application's config files exist and are UTF-8", "应用配置文件存在且为 UTF-8 编码"),
    fix=("Convert the file: iconv -f GB18030 -t UTF-8 FILE > FILE.new && mv FILE.new FILE (a GBK file read as "
         "UTF-8 garbles every Chinese value in it); restore a missing file or correct standard_app_configs.",
         "转换文件编码:iconv -f GB18030 -t UTF-8 文件 > 文件.new && mv 文件.new 文件(GBK 文件按 UTF-8 读取会使"
         "其中的中文全部乱码);缺失的文件请恢复或修正 standard_app_configs。"),
    severity=Severity.MAJOR,
    facts=[FACT],
)
def config_encoding(f: Mapping[str, Any], std: Standard) -> Outcome:
    files = f[FACT]["files"]
    found = {p: ("missing" if x.get("missing") else x["encoding"]) for p, x in files.items()}
    wrong = [f"{p}: {v}" for p, v in found.items() if v != "UTF-8"]
    return listed(found, "UTF-8", wrong, Text("config files are UTF-8", "配置文件均为 UTF-8"))
