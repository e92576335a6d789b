"""The README stays a short page for users, and what it counts and names is what the code has."""

from __future__ import annotations

import re
from pathlib import Path

from envcheck.checks import CHECKS, FLEET_CHECKS, load_catalogue
from envcheck.cli import cli

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_the_readme_is_short() -> None:
    assert len(README.splitlines()) <= 260, "README.md is for users: move the details to docs/"


def test_the_counts_of_checks_are_the_registry_s() -> None:
    load_catalogue()
    host, fleet = len(CHECKS), len(FLEET_CHECKS)
    said = f"the README should say: {host + fleet} checks: {host} on each host, {fleet} across the fleet"
    assert f"{host + fleet} checks: {host} on each host, {fleet} across the fleet" in README, said
    assert f"共 {host + fleet} 项:每台主机 {host} 项" in README, said
    assert f"跨主机 {fleet} 项" in README, said


def test_every_command_in_the_table_exists() -> None:
    named = set(re.findall(r"^\| `envcheck ([a-z]+)", README, re.MULTILINE))
    assert named == set(cli.list_commands(None))  # type: ignore[arg-type]  (unused by LazyGroup)


_PATH = re.compile(r"\b(docs/\w+\.md|[A-Z]+\.md|bench/README\.md|envcheck/playbooks/[\w/]+\.yml|envcheck/[\w/]+\.py)")


def test_every_file_it_points_to_exists() -> None:
    paths = _PATH.findall(README)
    assert "docs/checks.md" in paths
    for path in paths:
        assert (REPO / path).exists(), path
