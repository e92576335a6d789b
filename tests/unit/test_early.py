"""envcheck.early reads a check command line as click does, or not at all."""

from __future__ import annotations

from typing import Any

import pytest

from envcheck.commands.check import check
from envcheck.commands.options import build_connection
from envcheck.early import Settings, read_settings

SAME_AS_CLICK = [
    ["-i", "hosts.yml"],
    ["-i", "a.yml", "--inventory", "b.ini", "-i", "dir/"],
    ["--inventory=hosts.yml", "--limit=db:&beijing", "-f", "7", "--timeout", "30"],
    ["-ihosts.yml", "-ldb", "-f7", "--timeout=12.5", "--known-hosts", "kh", "--ssh-config", "cfg"],
    ["-i", "h.yml", "--accept-new-host-keys", "-c", "time", "--only", "mysql", "--format", "json", "-o", "x.json",
     "--runs-dir", "runs", "--lang", "zh", "--show-passed", "--show-skipped", "--transport", "paramiko"],
    ["-i", "h.yml", "-l", "web", "-l", "db"],  # the last one counts
    ["-i", "h.yml", "--limit", "!db", "--vault-password-file", __file__],
]


@pytest.mark.parametrize("args", SAME_AS_CLICK)
def test_the_settings_read_early_are_those_click_reads(args: list[str]) -> None:
    ctx = check.make_context("check", list(args))
    params: dict[str, Any] = dict(ctx.params)
    transport = params["transport"]
    conn = build_connection(params)
    read = read_settings(["check", *args])
    assert read is not None
    settings, early_transport = read
    assert early_transport == transport
    assert settings == (conn.inventories, conn.limit, conn.forks, conn.timeout, conn.ssh_config,
                        conn.known_hosts, conn.accept_new_host_keys, None)
    assert Settings.of(conn, None) == settings


@pytest.mark.parametrize("argv", [
    ["deploy", "-i", "h.yml"], ["check", "-i", "h.yml", "--help"], ["check", "-i", "h.yml", "stray"],
    ["check", "-i", "h.yml", "--new-option", "x"], ["check", "-i"], ["check", "-i", "h.yml", "-f", "many"],
    ["check", "-Ki", "h.yml"], ["check", "-i", "h.yml", "-K"], ["check", "-i", "h.yml", "--ask-become-pass"], [],
])
def test_anything_else_is_left_to_click(argv: list[str]) -> None:
    assert read_settings(argv) is None
