"""The offline bundle's pure parts: apt's simulation read, the repository index, the roles'
packages read from the roles, which roles a host gets, `bundle verify` on a bundle folder and the
inventory variable (packages.sources: test_checks_packages.py). The build and the deploy from it run
on the lab (tests/integration/test_offline_lab.py)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from envcheck.bundle import apt
from envcheck.bundle.build import source_ignored
from envcheck.bundle.roles import role_packages, roles_of
from envcheck.cli import cli
from envcheck.deploy import offline
from envcheck.errors import BadInput

SIMULATION = """NOTE: This is only a simulation!
Inst libpq5 (15.8-0+deb12u1 Debian:12.7/stable [amd64])
Inst tzdata [2024a-0+deb12u1] (2024b-0+deb12u1 Debian:12.7/stable-updates [all])
Inst libnftables1 (1:1.0.6-2+deb12u2 Debian:12.7/stable [amd64])
Conf libpq5 (15.8-0+deb12u1 Debian:12.7/stable [amd64])
"""


def test_apt_simulation_is_read_with_epochs_as_apt_names_its_files() -> None:
    debs = apt.parse_simulation(SIMULATION)
    assert [(d.name, d.version, d.arch) for d in debs] == [
        ("libpq5", "15.8-0+deb12u1", "amd64"), ("tzdata", "2024b-0+deb12u1", "all"),
        ("libnftables1", "1:1.0.6-2+deb12u2", "amd64")]
    assert debs[2].file == "libnftables1_1%3a1.0.6-2+deb12u2_amd64.deb"


def test_the_index_points_into_the_pool_and_release_checks_it() -> None:
    records = {"b_1_all.deb": "Package: b\nVersion: 1\nFilename: pool/main/b/b_1_all.deb\nSHA256: x",
               "a_1_all.deb": "Package: a\nVersion: 1\nFilename: pool/main/a/a_1_all.deb\nSHA256: y"}
    index = apt.packages_index(records, ["b_1_all.deb", "a_1_all.deb"])
    assert index.index("Package: a") < index.index("Package: b")
    assert "Filename: pool/a_1_all.deb" in index and "pool/main" not in index
    release = apt.release_file(index, "Thu, 01 Jan 1970 00:00:00 UTC")
    assert f" {hashlib.sha256(index.encode()).hexdigest()} {len(index)} Packages" in release


def test_role_packages_come_from_the_roles() -> None:
    roles = role_packages("Debian")
    assert {"locales", "chrony", "tzdata", "python3-apt"} <= set(roles["baseline"])
    assert roles["tomcat"] == ("default-jre-headless", "tomcat10")
    assert roles["nginx"] == ("nginx",) and roles["apache"] == ("apache2",)
    assert {"postgresql", "postgresql-common"} <= set(roles["postgresql"])
    assert roles_of(("db",)) == ("baseline", "postgresql", "mysql", "extra")
    assert roles_of(("monitoring",)) == ("baseline", "extra")


def _bundle_folder(tmp_path: Path) -> Path:
    top = tmp_path / "envcheck-bundle"
    (top / "wheels").mkdir(parents=True)
    (top / "wheels" / "x-1-py3-none-any.whl").write_bytes(b"wheel")
    data = b"wheel"
    files = {"wheels/x-1-py3-none-any.whl": {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}}
    (top / "manifest.json").write_text(json.dumps({"format": 1, "files": files, "os": {}, "wheels": []}))
    return top


def test_verify_passes_an_intact_bundle_and_names_a_changed_file(tmp_path: Path) -> None:
    top = _bundle_folder(tmp_path)
    good = CliRunner().invoke(cli, ["bundle", "verify", str(top), "--lang", "en"])
    assert good.exit_code == 0 and "every file matches" in good.output
    (top / "wheels" / "x-1-py3-none-any.whl").write_bytes(b"tampered")
    (top / "extra.txt").write_text("?")
    bad = CliRunner().invoke(cli, ["bundle", "verify", str(top), "--lang", "en"])
    assert bad.exit_code == 1
    assert "changed: wheels/x-1-py3-none-any.whl" in bad.output and "not in the manifest: extra.txt" in bad.output


def test_a_bundle_without_a_debian_repository_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no debian12 repository"):
        offline.Bundle(_bundle_folder(tmp_path))
    with pytest.raises(BadInput, match="not an envcheck bundle"):
        offline.Bundle(tmp_path / "nothing.tar")


class _Host:
    def __init__(self, variables: dict) -> None:  # type: ignore[type-arg]
        self.variables = variables


def test_the_bundle_comes_from_the_option_else_from_the_inventory_variable() -> None:
    hosts = [_Host({"envcheck_offline_bundle": "/srv/b.tar"}), _Host({})]
    assert offline.bundle_of(None, hosts) == Path("/srv/b.tar")  # type: ignore[arg-type]
    assert offline.bundle_of("/x.tar", hosts) == Path("/x.tar")  # type: ignore[arg-type]
    assert offline.bundle_of(None, [_Host({})]) is None  # type: ignore[list-item]
    with pytest.raises(BadInput, match="differs between hosts"):
        offline.bundle_of(None, [*hosts, _Host({"envcheck_offline_bundle": "/other.tar"})])  # type: ignore[list-item]


def test_the_source_copy_keeps_every_package_and_leaves_the_checkout_state(tmp_path: Path) -> None:
    top = tmp_path / "co"
    for rel in ("envcheck/runs/__init__.py", "runs/x/run.json", "tests/t.py", ".venv/bin/python",
                "envcheck/__pycache__/a.pyc", "setup.cfg"):
        (top / rel).parent.mkdir(parents=True, exist_ok=True)
        (top / rel).write_text("")
    shutil.copytree(top, tmp_path / "copy", ignore=source_ignored(top))
    kept = sorted(p.relative_to(tmp_path / "copy").as_posix() for p in (tmp_path / "copy").rglob("*") if p.is_file())
    assert kept == ["envcheck/runs/__init__.py", "setup.cfg"]
