"""packages.sources: where a download goes (the proxy for http), what is unreachable, the
outcome. The parser runs on the lab's captured cases (tests/fixtures/facts/packages.sources)."""

from __future__ import annotations

import importlib
from typing import Any

from envcheck.checks import CHECKS, load_catalogue
from envcheck.model import Status
from envcheck.standard import Standard

load_catalogue()  # the registry in its own order (docs/checks.md), before this area is used
packages = importlib.import_module("envcheck.checks.packages")
target, unreachable = packages.target, packages.unreachable
sources = CHECKS["packages.sources"].evaluate


def test_the_download_goes_to_the_proxy_for_http_and_to_the_host_otherwise() -> None:
    assert target("http://mirror.example.net/debian", "http://10.0.0.1:3142") == "10.0.0.1:3142"
    assert target("http://mirror.example.net/debian", "") == "mirror.example.net:80"
    assert target("https://user@mirror.example.net:8443/d", "http://p:1") == "mirror.example.net:8443"
    assert target("file:/srv/repo", "") is None


def _facts(found: dict[str, Any]) -> dict[str, Any]:
    return {"packages.sources": found}


def test_sources_nowhere_reachable_warn_with_the_offline_bundle_as_fix() -> None:
    cut = {"proxy": "", "sources": ["http://mirror.example.net/debian", "file:/gone"],
           "tcp": {"mirror.example.net:80": 124}, "local": {"/gone": 1}}
    outcome = sources(_facts(cut), Standard.from_vars({}))
    assert outcome.status is Status.WARN
    assert "no package source is reachable" in outcome.message.en and "(timed out)" in outcome.message.en
    assert unreachable(cut) == ["http://mirror.example.net/debian (timed out)", "file:/gone (no such folder)"]
    ok = {"proxy": "http://10.0.0.1:3142", "sources": ["http://mirror.example.net/debian"],
          "tcp": {"10.0.0.1:3142": 0}, "local": {}}
    assert sources(_facts(ok), Standard.from_vars({})).status is Status.PASS
    none = {"proxy": "", "sources": [], "tcp": {}, "local": {}}
    assert sources(_facts(none), Standard.from_vars({})).status is Status.SKIP
