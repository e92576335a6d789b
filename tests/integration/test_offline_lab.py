"""Issue 21, the offline bundle: built twice (the same manifest, the same archive); two hosts (web,
app) cut off from everything but the controller's SSH deployed from it (success, a second run
changes nothing, the checks pass, their apt sources as before); and a controller with no
registry (a network namespace with no route out, a fresh venv) that installs envcheck from it
and checks a lab host. Its own lab (tests/lab/offline.py): the shared site keeps its apt proxy
for the tests that install on it later."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from envcheck.bundle.build import source_ignored
from envcheck.cli import cli
from tests.clirunner import crash
from tests.lab import offline
from tests.lab.base import ensure_base, why_unavailable
from tests.lab.config import CACHE_DIR, REPO, LabConfig
from tests.lab.lab import Lab

pytestmark = [pytest.mark.lab, pytest.mark.slow]
CACHE = CACHE_DIR / "bundle-cache"  # apt's and pip's downloads, kept (and locked) across builds


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built twice from the same sources and mirror: the second is the one deployed."""
    reason = why_unavailable()
    if reason:
        pytest.fail(f"the lab cannot run on this machine: {reason}", pytrace=False)
    root = ensure_base(LabConfig.from_env())  # the lab hosts' Debian: apt resolves against it
    out = tmp_path_factory.mktemp("bundle")
    source = out / "source"  # one copy of the checkout: an edit meanwhile is not a difference
    shutil.copytree(REPO, source, ignore=source_ignored(REPO))
    built = []
    for n in (1, 2):
        path = out / f"bundle{n}.tar"
        result = CliRunner().invoke(cli, ["bundle", "build", "-o", str(path), "--root", str(root),
                                          "--cache", str(CACHE), "--source", str(source)])
        assert result.exit_code == 0 and crash(result) is None, result.output + (crash(result) or "")
        built.append(path)
    manifests = [_member(p, "manifest.json") for p in built]
    assert manifests[0] == manifests[1]  # reproducible
    assert built[0].read_bytes() == built[1].read_bytes()
    return built[1]


def _member(bundle: Path, rel: str) -> bytes:
    with tarfile.open(bundle) as tar:
        fh = tar.extractfile(f"envcheck-bundle/{rel}")
        assert fh is not None
        return fh.read()


@pytest.fixture(scope="module")
def cut_off_lab() -> Iterator[Lab]:
    lab = offline.up()
    try:
        for h in lab.hosts:
            offline.cut_off(lab, h.name)
        yield lab
    finally:
        lab.down()


def test_the_bundle_holds_what_a_site_needs_and_verifies(bundle: Path) -> None:
    manifest = json.loads(_member(bundle, "manifest.json"))
    names = {p["name"] for p in manifest["os"]["debian12"]}
    # What the lab's Debian lacks (locales and tzdata it has: apt resolves against it).
    assert {"postgresql", "mariadb-server", "nginx", "apache2", "tomcat10", "default-jre-headless",
            "chrony", "python3-apt"} <= names
    assert all(len(p["sha256"]) == 64 for p in manifest["os"]["debian12"])
    assert any(w.startswith("envcheck-") for w in manifest["wheels"])
    assert any(w.startswith("ansible_core-") for w in manifest["wheels"])
    assert "playbooks/site.yml" in manifest["files"]
    verified = CliRunner().invoke(cli, ["bundle", "verify", str(bundle)])
    assert verified.exit_code == 0, verified.output


def test_hosts_cut_off_deploy_the_site_from_the_bundle(bundle: Path, cut_off_lab: Lab, tmp_path: Path) -> None:
    lab, runs = cut_off_lab, tmp_path / "runs"
    for h in lab.hosts:
        assert offline.reaches_out(lab, h.name) == "", h.name  # nothing but SSH
    before = {h.name: lab.ssh(h.name, offline.APT_SOURCES).stdout for h in lab.hosts}
    records = [_deploy(lab, bundle, runs) for _ in (1, 2)]
    assert all(h["changed"] > 0 and h["failed"] == 0 for h in records[0]["hosts"]), records[0]["hosts"]
    assert all(h["changed"] == 0 for h in records[1]["hosts"]), records[1]["hosts"]  # idempotent
    assert {h.name: lab.ssh(h.name, offline.APT_SOURCES).stdout for h in lab.hosts} == before
    # A controller killed during a run leaves apt on the bundle: `bundle restore` gives it back.
    snippet = f'Dir::Etc::sourcelist "{offline.HOST_DIR}/sources.list";'
    left = lab.ssh(lab.hosts[0].name, f"echo {shlex.quote(snippet)} > /etc/apt/apt.conf.d/99envcheck-offline")
    assert left.returncode == 0 and lab.ssh(lab.hosts[0].name, offline.APT_SOURCES).stdout != before[lab.hosts[0].name]
    restored = CliRunner().invoke(cli, ["bundle", "restore", "-i", str(lab.inventory_path)])
    assert restored.exit_code == 0, restored.output
    assert {h.name: lab.ssh(h.name, offline.APT_SOURCES).stdout for h in lab.hosts} == before
    checked = CliRunner().invoke(cli, ["check", "-i", str(lab.inventory_path), "--format", "json",
                                       "--runs-dir", str(runs)])
    doc = json.loads(checked.stdout)
    failing = [(r["check"], r["host"], r["found"]) for r in doc["results"] if r["status"] == "fail"]
    assert not failing and checked.exit_code == 0, failing
    sources = [r for r in doc["results"] if r["check"] == "packages.sources"]
    assert sources and all(r["status"] == "warn" for r in sources), sources  # it says why, and what to do


def _deploy(lab: Lab, bundle: Path, runs: Path) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(cli, ["deploy", "site", "-i", str(lab.inventory_path), "--offline", str(bundle),
                                      "--runs-dir", str(runs)])
    assert result.exit_code == 0 and crash(result) is None, result.output[-4000:] + (crash(result) or "")
    return json.loads((max(runs.glob("*-deploy")) / "run.json").read_text())


def test_a_controller_with_no_registry_installs_from_the_bundle(bundle: Path, cut_off_lab: Lab,
                                                                 tmp_path: Path) -> None:
    lab, name = cut_off_lab, cut_off_lab.hosts[0].name
    subprocess.run(["tar", "-xf", str(bundle), "-C", str(tmp_path), "envcheck-bundle/wheels"], check=True)
    wheels, venv = tmp_path / "envcheck-bundle" / "wheels", tmp_path / "venv"
    # Nothing of this machine's pip set-up (its mirrors, its wheel folder) reaches the install.
    env = {"PATH": f"{venv / 'bin'}:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "PIP_CONFIG_FILE": os.devnull, "ENVCHECK_NO_RECORD": "1"}
    with offline.Isolated(lab, name, tmp_path / "relay") as iso:
        out = iso.run_in(["ip", "route", "show"], env=env)
        assert out.stdout.strip() == "", out.stdout  # no route at all
        steps = [[sys.executable, "-m", "venv", str(venv)],
                 [str(venv / "bin" / "pip"), "install", "-q", "--isolated", "--no-index", "--find-links",
                  str(wheels), "envcheck"],
                 [str(venv / "bin" / "envcheck"), "--help"]]
        for argv in steps:
            done = iso.run_in(argv, env=env, timeout=1200)
            assert done.returncode == 0, (argv, done.stdout[-2000:], done.stderr[-3000:])
        checked = iso.run_in([str(venv / "bin" / "envcheck"), "check", "-i", str(lab.inventory_path), "--limit",
                              name, "-c", "time", "-c", "packages.sources", "--format", "json", "--runs-dir",
                              str(tmp_path / "runs")], env=env)
    doc = json.loads(checked.stdout)
    assert {r["host"] for r in doc["results"]} == {name}, checked.stderr
    assert not [r for r in doc["results"] if r["status"] in ("fail", "error")], doc["results"]
