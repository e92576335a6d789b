"""Every host: packages, timezone, locale, limits, kernel settings, NTP, service user."""

from __future__ import annotations

import shlex
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from envcheck.verify.support import TEXT, config_lines, expect, expect_in, packages, read_file, run_ok

ROLE = "baseline"


def _norm(locale: str) -> str:
    """zh_CN.UTF-8 and zh_CN.utf8 are one locale (`locale -a` prints the second)."""
    name, _, charset = locale.partition(".")
    return f"{name}.{charset.lower().replace('-', '')}" if charset else name


def test_packages(host: Any, target: Any, rvars: dict[str, Any]) -> None:
    packages(host, target.name, rvars["baseline_packages"])


def test_timezone_link(host: Any, target: Any, std: Any) -> None:
    link = host.file("/etc/localtime")
    expect(target.name, "/etc/localtime is a link", link.is_symlink, True)
    expect(target.name, "/etc/localtime (standard_timezone)", link.linked_to,
           f"/usr/share/zoneinfo/{std.timezone}")
    if host.file("/etc/timezone").exists:
        expect(target.name, "/etc/timezone (standard_timezone)",
               read_file(host, target.name, "/etc/timezone").strip(), std.timezone)


def test_clock_shows_the_standard_offset(host: Any, target: Any, std: Any) -> None:
    found = run_ok(host, target.name, "date +%z", "date +%z").strip()
    expect(target.name, "UTC offset of the system clock (standard_timezone)", found,
           datetime.now(ZoneInfo(std.timezone)).strftime("%z"))


def test_system_locale(host: Any, target: Any, std: Any, rvars: dict[str, Any]) -> None:
    path = rvars["baseline_locale_file"]
    lines = config_lines(read_file(host, target.name, path))
    expect_in(target.name, f"{path} LANG (standard_locale)", f"LANG={std.locale}", lines)


def test_locales_generated(host: Any, target: Any, std: Any) -> None:
    available = {_norm(x) for x in run_ok(host, target.name, "locale -a", "locale -a").split()}
    for name in {std.locale, *std.locales_required}:
        expect_in(target.name, "generated locales (standard_locales_required)", _norm(name),
                  available, sorted(available))


def test_chinese_text_round_trip_in_the_system_locale(host: Any, target: Any, std: Any) -> None:
    # Under the standard locale, the shell counts characters, not bytes, and gives them back.
    script = f"export LANG={shlex.quote(std.locale)} LC_ALL=; t={shlex.quote(TEXT)}; " \
             'printf "%s|%s|%s" "$(locale charmap)" "${#t}" "$t"'
    found = run_ok(host, target.name, "Chinese text in the system locale", f"bash -c {shlex.quote(script)}")
    expect(target.name, f"charset|length|text of {TEXT} under LANG={std.locale} (standard_charset)",
           found, f"{std.charset}|{len(TEXT)}|{TEXT}")


def test_limits(host: Any, target: Any, std: Any) -> None:
    path = "/etc/security/limits.d/90-envcheck.conf"
    lines = [" ".join(ln.split()) for ln in config_lines(read_file(host, target.name, path))]
    for kind, value in (("nofile", std.nofile), ("nproc", std.nproc)):
        for soft_hard in ("soft", "hard"):
            expect_in(target.name, f"{path} {soft_hard} {kind} (standard_{kind})",
                      f"{std.service_user} {soft_hard} {kind} {value}", lines)


def test_kernel_settings_file(host: Any, target: Any, std: Any) -> None:
    path = "/etc/sysctl.d/60-envcheck.conf"
    lines = [" ".join(ln.split()) for ln in config_lines(read_file(host, target.name, path))]
    expect_in(target.name, f"{path} vm.swappiness (standard_vm_swappiness)",
              f"vm.swappiness = {std.vm_swappiness}", lines)
    expect_in(target.name, f"{path} net.core.somaxconn (standard_net_core_somaxconn)",
              f"net.core.somaxconn = {std.net_core_somaxconn}", lines)


def test_ntp_service(host: Any, target: Any, rvars: dict[str, Any]) -> None:
    unit = rvars["baseline_chrony_service"]
    expect(target.name, f"service {unit} enabled at boot", host.service(unit).is_enabled, True)
    # In a container the clock is the host machine's: the role enables chrony, not starts it.
    in_container = host.run("systemd-detect-virt --container --quiet").rc == 0
    if not in_container:
        expect(target.name, f"service {unit} running", host.service(unit).is_running, True)


def test_service_user(host: Any, target: Any, std: Any) -> None:
    expect(target.name, f"user {std.service_user} exists (standard_service_user)",
           host.user(std.service_user).exists, True)
