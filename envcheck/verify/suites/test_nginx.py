"""Nginx in front of the app tier: package, service, port, the site's settings, a request and
a Chinese path through the proxy to Tomcat and back."""

from __future__ import annotations

from typing import Any

from envcheck.verify.support import (
    config_lines,
    expect,
    expect_in,
    installed_and_running,
    read_file,
    run_ok,
)
from envcheck.verify.web import through_the_proxy

ROLE = "nginx"


def test_installed_and_running(host: Any, target: Any, rvars: dict[str, Any]) -> None:
    installed_and_running(host, target.name, ["nginx"], "nginx", rvars["nginx_listen_port"])


def test_site_settings(host: Any, target: Any, std: Any, rvars: dict[str, Any]) -> None:
    path = rvars["nginx_site_file"]
    lines = [" ".join(ln.split()) for ln in config_lines(read_file(host, target.name, path))]
    expect_in(target.name, f"{path} charset (standard_charset)", f"charset {std.charset.lower()};", lines)
    expect_in(target.name, f"{path} client_max_body_size (standard_http_client_max_body_size)",
              f"client_max_body_size {std.http_client_max_body_size};", lines)
    if rvars.get("nginx_site_link"):
        expect(target.name, f"site enabled ({rvars['nginx_site_link']})",
               host.file(rvars["nginx_site_link"]).linked_to, path)


def test_configuration_valid(host: Any, target: Any) -> None:
    run_ok(host, target.name, "nginx -t (configuration test)", "nginx -t")


def test_http_and_chinese_text_through_the_proxy(host: Any, target: Any, std: Any, rvars: dict[str, Any]) -> None:
    through_the_proxy(host, target.name, int(rvars["nginx_listen_port"]), std.charset)
