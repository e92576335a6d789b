"""tests/lab/limits.py: the kernel limits a large lab needs, raised and never lowered, on a
copy of /proc/sys's files; the memory a lab of N hosts wants."""

from __future__ import annotations

from pathlib import Path

from tests.lab.limits import LIMITS, MB_PER_HOST, MEMORY_SPARE_MB, memory_problem, prepare


def _sys(root: Path, value: int) -> None:
    for limit in LIMITS:
        path = root / limit.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{value}\n")


def test_raised_for_two_hundred_hosts_never_lowered(tmp_path: Path) -> None:
    _sys(tmp_path, 100)
    assert prepare(200, tmp_path) == []
    for limit in LIMITS:
        assert int((tmp_path / limit.path).read_text()) == limit.wanted(200) >= 200
    _sys(tmp_path, 10**8)
    assert prepare(200, tmp_path) == []
    assert all(int((tmp_path / limit.path).read_text()) == 10**8 for limit in LIMITS)


def test_a_limit_this_kernel_does_not_have_is_left_alone(tmp_path: Path) -> None:
    _sys(tmp_path, 100)
    missing = tmp_path / LIMITS[0].path
    missing.unlink()
    assert prepare(200, tmp_path) == []
    assert not missing.exists()


def test_memory_for_the_hosts_not_yet_started() -> None:
    want = 200 * MB_PER_HOST + MEMORY_SPARE_MB
    assert memory_problem(200, available=want) is None
    assert "200 lab hosts" in (memory_problem(200, available=want - 1) or "")
    assert memory_problem(200, started=150, available=50 * MB_PER_HOST + MEMORY_SPARE_MB) is None
