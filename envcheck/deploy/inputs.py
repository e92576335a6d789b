"""Inputs a play would otherwise take silently, refused before any play runs (exit 2).

`db_engine` and `web_server` choose the plays a host gets: a typo ("postgres") used to skip
the database play without a word. Their allowed values live once, in the `standard` role's
argument specs (roles/standard/meta/argument_specs.yml), which Ansible checks too when the
role starts; envcheck reads the same file and checks every selected host (and -e) first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from envcheck.errors import BadInput, words
from envcheck.model import Text
from envcheck.paths import PLAYBOOK_DIR

# The variables that select plays; the allowed values come from the argument specs.
SELECTORS = ("db_engine", "web_server")


@dataclass(frozen=True)
class BadChoice:
    host: str  # "-e" when the value came from the command line
    variable: str
    value: str
    allowed: tuple[str, ...]


@cache
def spec_choices(roles_dir: Path = PLAYBOOK_DIR / "roles") -> dict[str, tuple[str, ...]]:
    """variable -> allowed values, from the standard role's argument specs."""
    import yaml  # noqa: PLC0415

    spec = yaml.safe_load((roles_dir / "standard" / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    options = spec["argument_specs"]["main"]["options"]
    return {name: tuple(str(c) for c in options[name]["choices"]) for name in SELECTORS}


def bad_choices(hosts: Iterable[tuple[str, Mapping[str, Any]]], extra_vars: Mapping[str, Any],
                choices: Mapping[str, tuple[str, ...]]) -> list[BadChoice]:
    """Every (host, variable) whose value is not one of the choices; -e wins over the inventory
    as it does in Ansible, and is reported once."""
    found: list[BadChoice] = []
    for variable, allowed in choices.items():
        if variable in extra_vars:
            if str(extra_vars[variable]) not in allowed:
                found.append(BadChoice("-e", variable, str(extra_vars[variable]), allowed))
            continue
        for host, variables in hosts:
            value = variables.get(variable)
            if value is not None and str(value) not in allowed:
                found.append(BadChoice(host, variable, str(value), allowed))
    return found


def refuse(found: list[BadChoice]) -> None:
    """A BadInput (exit 2) naming each host, variable, value and the allowed values, a line
    each, in the command's language (the catalogue's error.bad_choice)."""
    if not found:
        return
    lines = [words("error.bad_choice", host=b.host, variable=b.variable, value=b.value, allowed=", ".join(b.allowed))
             for b in found]
    raise BadInput(Text("\n".join(x.en for x in lines), "\n".join(x.zh for x in lines)))
