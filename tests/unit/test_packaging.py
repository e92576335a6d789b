"""What `pip install .` installs: setup.cfg finds packages (`packages = find:`), so every folder of
envcheck that holds modules must be a package, or a plain install leaves it out."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "envcheck"


def test_every_folder_with_modules_is_a_package() -> None:
    missing = sorted(str(d.relative_to(PACKAGE.parent)) for d in {p.parent for p in PACKAGE.rglob("*.py")}
                     if not (d / "__init__.py").is_file())
    assert not missing, f"no __init__.py, so `pip install .` leaves them out: {missing}"
