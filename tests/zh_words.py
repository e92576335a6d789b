"""Interface words that must not stay English in a zh output, and the search for them: shared by
the lab test of a zh run (tests/integration/test_output_lab.py) and the user errors' tests."""

from __future__ import annotations

import re
from collections.abc import Sequence

ENGLISH = ("FAIL", "PASS", "ERROR", "WARN", "SKIP", "pass", "fail", "warn", "skip", "error", "hosts", "host",
           "failed", "no", "yes", "Found", "Expected", "Summary", "unreachable", "Result", "ok", "changed",
           "critical", "major", "minor", "info", "none", "not set", "missing", "Evidence", "Unreachable")
# What an error adds to the words above: its label and the sentences errors used to be.
ENGLISH_ERRORS = (*ENGLISH, "Error", "needs", "inventory", "unknown", "cannot", "not", "does", "exist", "is",
                  "the", "a", "an", "of", "first", "run", "file", "found", "expected", "choose", "from",
                  "must", "valid", "invalid", "read", "written", "see", "or", "and")


def english_left(text: str, hosts: Sequence[str] = (), words: Sequence[str] = ENGLISH) -> list[str]:
    """English interface words in a zh output, outside code spans, paths, ids and host names."""
    text = re.sub(r"`[^`]*`", " ", text)
    tokens = [tok for tok in re.split(r"[\s,，:：()（）|;；]+", text)
              if tok and not re.search(r"[./_=@<>#-]", tok) and tok not in hosts]
    joined = " " + " ".join(tokens) + " "
    found = [re.search(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])", joined) for w in words]
    return [f"{m.group(0)}: ...{joined[max(0, m.start() - 40):m.end() + 40]}..." for m in found if m]
