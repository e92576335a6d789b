"""The functional probe of the web tier: a request through the proxy, and a Chinese path
that Tomcat decodes and names in its answer (URIEncoding and the proxy both keep it whole)."""

from __future__ import annotations

import re
import shlex
from typing import Any

from envcheck.verify.support import TEXT, expect, expect_in, pct_encode, run_ok

_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def to_bytes(size: str) -> int:
    """100m -> 104857600, as Ansible's human_to_bytes (the Apache role's LimitRequestBody)."""
    match = re.fullmatch(r"\s*(\d+)\s*([kmg]?)b?\s*", size.lower())
    if not match:
        raise ValueError(f"not a size: {size!r}")
    return int(match[1]) * _UNITS[match[2]]


def http(host: Any, name: str, url: str) -> tuple[str, str, str]:
    """(status, content type, body) of a GET from the host itself."""
    out = run_ok(host, name, f"curl {url}", f"curl -s --max-time 20 -w '\\n%{{http_code}}|%{{content_type}}' '{url}'")
    body, _, last = out.rstrip("\n").rpartition("\n")
    status, _, ctype = last.partition("|")
    return status, ctype, body


def through_the_proxy(host: Any, name: str, port: int, charset: str) -> None:
    status, ctype, _ = http(host, name, f"http://127.0.0.1:{port}/")
    expect(name, f"HTTP status of / through the proxy on port {port}", status, "200")
    expect_in(name, "Content-Type charset of / (standard_charset)", f"charset={charset.lower()}",
              ctype.lower().replace(" ", ""), ctype)
    # A Chinese path that does not exist: Tomcat's 404 quotes the path it received, so its
    # UTF-8 bytes must come back exactly as sent (no proxy re-encoding or mangling them).
    status, _, body = http(host, name, f"http://127.0.0.1:{port}/{pct_encode(TEXT)}")
    expect(name, f"HTTP status of /{TEXT} through the proxy (a missing page, answered by Tomcat)", status, "404")
    expect_in(name, f"UTF-8 bytes of the path /{TEXT} through the proxy and back", pct_encode(TEXT), body, body[-300:])


def chinese_file(host: Any, name: str, port: int, webroot: str) -> None:
    """A file named and filled in Chinese, served by Tomcat: found only when Tomcat decodes the
    path as UTF-8 (URIEncoding), given back byte for byte. Removed afterwards."""
    token = run_ok(host, name, "random name", "od -An -N4 -tx4 /dev/urandom").strip()
    path = f"{webroot}/envcheck-{token}-{TEXT}.txt"
    run_ok(host, name, f"write {path}", f"printf %s {shlex.quote(TEXT)} > {shlex.quote(path)}")
    try:
        status, _, body = http(host, name, f"http://127.0.0.1:{port}/{pct_encode(f'envcheck-{token}-{TEXT}.txt')}")
    finally:
        host.run(f"rm -f {shlex.quote(path)}")
    expect(name, f"HTTP status of a file named {TEXT} (URIEncoding, standard_tomcat_uri_encoding)", status, "200")
    expect(name, "Chinese content of that file, through Tomcat", body, TEXT)
