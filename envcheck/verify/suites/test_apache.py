"""Apache httpd in front of the app tier: package, service, port, the site's settings, a
request and a Chinese path through the proxy to Tomcat and back."""

from __future__ import annotations

from typing import Any

from envcheck.verify.support import (
    config_lines,
    expect_in,
    installed_and_running,
    read_file,
    run_ok,
)
from envcheck.verify.web import through_the_proxy, to_bytes

ROLE = "apache"


def test_installed_and_running(host: Any, target: Any, rvars: dict[str, Any]) -> None:
    installed_and_running(host, target.name, [rvars["apache_package"]], rvars["apache_service"],
                          rvars["apache_listen_port"])


def test_site_settings(host: Any, target: Any, std: Any, rvars: dict[str, Any]) -> None:
    path = rvars["apache_site_file"]
    lines = [" ".join(ln.split()) for ln in config_lines(read_file(host, target.name, path))]
    expect_in(target.name, f"{path} AddDefaultCharset (standard_charset)", f"AddDefaultCharset {std.charset}", lines)
    expect_in(target.name, f"{path} LimitRequestBody (standard_http_client_max_body_size)",
              f"LimitRequestBody {to_bytes(std.http_client_max_body_size)}", lines)


def test_configuration_valid(host: Any, target: Any) -> None:
    run_ok(host, target.name, "apachectl configtest", "apachectl configtest")


def test_http_and_chinese_text_through_the_proxy(host: Any, target: Any, std: Any, rvars: dict[str, Any]) -> None:
    through_the_proxy(host, target.name, int(rvars["apache_listen_port"]), std.charset)
