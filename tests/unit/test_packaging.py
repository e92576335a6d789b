"""What `pip install .` installs: setup.cfg finds packages (`packages = find:`), so every folder of
envcheck that holds modules must be a package, or a plain install leaves it out."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "envcheck"


def test_every_folder_with_modules_is_a_package() -> None:
    # The roles' files/ are data sent to hosts (shipped by package_data), not modules.
    missing = sorted(str(d.relative_to(PACKAGE.parent)) for d in {p.parent for p in PACKAGE.rglob("*.py")}
                     if not (d / "__init__.py").is_file() and "playbooks" not in d.relative_to(PACKAGE).parts)
    assert not missing, f"no __init__.py, so `pip install .` leaves them out: {missing}"


def test_every_playbook_role_and_template_file_ships_in_the_package() -> None:
    """`pip install .` must carry the playbooks and every role file (tasks, vars, meta, argument
    specs, templates): the package_data patterns of setup.cfg cover each of them."""
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(PACKAGE.parent / "setup.cfg")
    value = cfg["options.package_data"]["envcheck"]
    # setuptools splits on newlines when there are any, else on commas: read it the same way.
    patterns = [p.strip() for p in (value.splitlines() if "\n" in value.strip() else value.split(",")) if p.strip()]
    shipped = {p for pattern in patterns for p in PACKAGE.glob(pattern) if p.is_file()}
    files = {p for p in (PACKAGE / "playbooks").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    missing = sorted(str(p.relative_to(PACKAGE)) for p in files - shipped)
    assert not missing, f"left out of a wheel by setup.cfg's package_data: {missing}"
