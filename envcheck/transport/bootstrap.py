"""The fixed command every session starts with (no inventory value in it): it answers the
clock exchange, reads an optional sudo password into a shell variable, then reads and runs
the probe script (envcheck.probe) from standard input. Its own module so that a session can
be started before the check catalogue is loaded (envcheck.early)."""

from __future__ import annotations

import shlex

READY = b"ECREADY"
BOOTSTRAP = (
    "echo ECREADY; IFS= read -r _; date +%s.%N; "
    'IFS= read -r ECPW; ECS=$(cat); eval "$ECS"'
)
REMOTE_COMMAND = "sh -c " + shlex.quote(BOOTSTRAP)
