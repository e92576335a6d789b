"""Hostile strings for the injection tests: shell metacharacters around a payload that, were
it ever run by a shell, would leave a marker file behind."""

from __future__ import annotations

from hypothesis import strategies as st

# Each template runs {cmd} if the string reaches a shell unquoted, in double quotes, inside
# single quotes closed early, or as a script of its own (bash -c, eval).
TEMPLATES = (
    "$({cmd})", "`{cmd}`", ";{cmd};", "'; {cmd}; '", '"; {cmd}; "', "\n{cmd}\n", "|{cmd}",
    "&&{cmd}", '"$({cmd})"', "\\';{cmd};#", "$(IFS=,;{cmd})", "'\"`{cmd}`\"'",
)
NOISE = st.text(alphabet=" ;$()`'\"\\\n|&<>*?{}[]#~!%=-_.,:/abc中文", max_size=8)


def hostile(marker: str) -> st.SearchStrategy[str]:
    """A string holding a payload that appends to `marker` when a shell runs it."""
    cmd = f"echo pwned >> {marker}"
    return st.builds(lambda pre, t, post: pre + t.format(cmd=cmd) + post,
                     NOISE, st.sampled_from(TEMPLATES), NOISE)
