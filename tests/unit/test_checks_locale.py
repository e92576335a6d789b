"""Locale checks: small fact values in, status out (the parsers are tested on captured output
in test_fact_fixtures.py)."""

from __future__ import annotations

from typing import Any

import pytest

from envcheck.audit.engine import evaluate_check
from envcheck.checks import CHECKS, load_catalogue
from envcheck.checks.util.common import locale_charset
from envcheck.checks.util.jvm import java_main, jvm_encodings, jvm_options
from envcheck.model import Absent, Status, Text
from envcheck.standard import Standard

load_catalogue()
STD = Standard.from_vars({})  # zh_CN.UTF-8, UTF-8, zh_CN.UTF-8 + en_US.UTF-8 required


def status(check_id: str, std: Standard = STD, **facts: Any) -> Status:
    values = {k.replace("__", "."): v for k, v in facts.items()}
    return evaluate_check(CHECKS[check_id], "h", values, std).status


def system(lang: str | None = None, overrides: list[dict[str, str]] | None = None, **settings: str) -> dict[str, Any]:
    conf = {**({"LANG": lang} if lang else {}), **settings}
    return {"lang": lang, "lc_all": settings.get("LC_ALL"), "settings": conf, "overrides": overrides or []}


def jvm(env: dict[str, str], cmdline: list[str], version: str | None = "17.0.13") -> dict[str, Any]:
    return {"pid": 42, "env": env, "main": java_main(cmdline), "java_version": version, "exe": None,
            "options": jvm_options(env, cmdline)}


@pytest.mark.parametrize("name,charset", [
    ("zh_CN.UTF-8", "UTF-8"), ("zh_CN.utf8", "UTF-8"), ("C.UTF-8", "UTF-8"), ("en_US.utf8@euro", "UTF-8"),
    ("C", "ANSI_X3.4-1968"), ("POSIX", "ANSI_X3.4-1968"), ("", "ANSI_X3.4-1968"),
    ("zh_CN", "GB2312"), ("zh_CN.GBK", "GBK"), ("zh_TW", "BIG5"), ("en_US", "ISO-8859-1"),
])
def test_locale_charset_as_glibc_reads_the_name(name: str, charset: str) -> None:
    assert locale_charset(name) == charset


def test_system_lang() -> None:
    assert status("locale.system_lang", locale__system=system("zh_CN.utf8")) == Status.PASS
    assert status("locale.system_lang", locale__system=system("en_US.UTF-8")) == Status.FAIL
    assert status("locale.system_lang", locale__system=system()) == Status.FAIL  # unset: C
    assert status("locale.system_lang", locale__system=system("en_US.UTF-8", LC_ALL="zh_CN.UTF-8")) == Status.PASS


def test_system_charset_follows_lc_ctype_over_lang() -> None:
    assert status("locale.system_charset", locale__system=system("zh_CN.UTF-8")) == Status.PASS
    assert status("locale.system_charset", locale__system=system("zh_CN")) == Status.FAIL  # GB2312
    assert status("locale.system_charset", locale__system=system("zh_CN.UTF-8", LC_CTYPE="zh_CN.GBK")) == Status.FAIL
    assert status("locale.system_charset", locale__system=system()) == Status.FAIL
    assert status("locale.system_charset", Standard.from_vars({"standard_locale": "C.UTF-8"}),
                  locale__system=system("C.UTF-8")) == Status.PASS


def test_required_locales_compare_normalised_names() -> None:
    assert status("locale.required_generated", locale__available=["C", "C.UTF-8", "en_US.UTF-8", "zh_CN.UTF-8"]) \
        == Status.PASS
    assert status("locale.required_generated", locale__available=["C", "C.UTF-8", "en_US.UTF-8"]) == Status.FAIL
    assert status("locale.required_generated", locale__available=[]) == Status.FAIL


def test_no_override() -> None:
    def o(value: str, name: str = "LANG") -> dict[str, str]:
        return {"file": "/etc/profile.d/x.sh", "name": name, "value": value}

    assert status("locale.no_override", locale__system=system("zh_CN.UTF-8")) == Status.PASS
    assert status("locale.no_override", locale__system=system(overrides=[o("en_US.UTF-8")])) == Status.PASS
    assert status("locale.no_override", locale__system=system(overrides=[o("", "LC_ALL")])) == Status.PASS
    for value in ("zh_CN.GBK", "C", "POSIX", "zh_CN"):
        assert status("locale.no_override", locale__system=system(overrides=[o(value, "LC_ALL")])) == Status.FAIL


def test_service_lang() -> None:
    def services(**envs: dict[str, str]) -> dict[str, Any]:
        return {name: {"pid": 1, "env": env} for name, env in envs.items()}

    assert status("locale.service_lang", locale__services=services(postgres={"LANG": "zh_CN.UTF-8"})) == Status.PASS
    assert status("locale.service_lang", locale__services=services(postgres={})) == Status.FAIL  # C: ASCII
    assert status("locale.service_lang", locale__services=services(
        postgres={"LANG": "zh_CN.UTF-8"}, mysqld={"LANG": "zh_CN.UTF-8", "LC_ALL": "C"})) == Status.FAIL
    assert status("locale.service_lang", locale__services=services(mysqld={"LANG": "en_US.UTF-8"})) == Status.WARN
    assert status("locale.service_lang", locale__services=Absent(Text("none", "无"))) == Status.SKIP


def test_jvm_options_last_one_wins_and_app_arguments_are_not_options() -> None:
    cmd = ["/usr/bin/java", "-Dfile.encoding=GBK", "-cp", "/a:/b", "-Dfile.encoding=UTF-8", "com.example.Main",
           "-Dfile.encoding=latin1"]
    assert java_main(cmd) == "com.example.Main"
    assert jvm_options({}, cmd) == {"file.encoding": "UTF-8"}
    assert jvm_options({"_JAVA_OPTIONS": "-Dfile.encoding=GBK"}, cmd)["file.encoding"] == "GBK"
    assert jvm_options({"JAVA_TOOL_OPTIONS": "-Dfile.encoding=GBK"}, cmd)["file.encoding"] == "UTF-8"
    assert jvm_options({"JAVA_TOOL_OPTIONS": "-Dsun.jnu.encoding=UTF-8"}, cmd)["sun.jnu.encoding"] == "UTF-8"
    assert java_main(["java", "-Xmx1g", "-jar", "/opt/his/his-server.jar", "--port", "9000"]) == "his-server.jar"


def test_jvm_encodings_from_the_locale_when_not_set() -> None:
    enc = jvm_encodings(jvm({}, ["java", "Main"], "11.0.2"))
    assert enc["file.encoding"].startswith("ANSI_X3.4-1968") and enc["sun.jnu.encoding"].startswith("ANSI_X3.4-1968")
    enc = jvm_encodings(jvm({}, ["java", "Main"], "21.0.1"))  # JEP 400: file.encoding UTF-8, jnu still ASCII
    assert enc["file.encoding"].startswith("UTF-8") and enc["sun.jnu.encoding"].startswith("ANSI_X3.4-1968")
    enc = jvm_encodings(jvm({"LANG": "zh_CN.UTF-8"}, ["java", "-Dfile.encoding=COMPAT", "Main"], "21"))
    assert enc["file.encoding"].startswith("UTF-8 (from the locale")


def test_jvm_encoding_check() -> None:
    def java(env: dict[str, str], *opts: str, version: str = "17.0.13") -> dict[str, Any]:
        return {"java Main": jvm(env, ["java", *opts, "Main"], version)}

    assert status("locale.jvm_encoding", locale__services=java({"LANG": "zh_CN.UTF-8"})) == Status.PASS
    # The classic: -Dfile.encoding=UTF-8 set, but started by systemd without LANG (sun.jnu ASCII).
    assert status("locale.jvm_encoding", locale__services=java({}, "-Dfile.encoding=UTF-8")) == Status.FAIL
    assert status("locale.jvm_encoding", locale__services=java({"LANG": "zh_CN.UTF-8"}, "-Dfile.encoding=GBK")) \
        == Status.FAIL
    assert status("locale.jvm_encoding", locale__services=java({"LANG": "C"}, version="21")) == Status.FAIL
    only_db = {"postgres": {"pid": 1, "env": {"LANG": "zh_CN.UTF-8"}}}
    assert status("locale.jvm_encoding", locale__services=only_db) == Status.SKIP
