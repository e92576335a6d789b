"""The Apache checks apply only where Apache is installed: a host with only
/etc/apache2/conf-available (left by javascript-common, a dependency of many packages) has
no Apache, so its checks are not applicable there (skip), not failures; once apache2 is
installed they run (Debian's default has no AddDefaultCharset: fail)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from envcheck.model import Status
from tests.lab.audit import audit, result
from tests.lab.lab import Lab

pytestmark = pytest.mark.lab
APT = "DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=120"


def _apt(lab: Lab, name: str, command: str) -> None:
    done = lab.ssh(name, f"{APT} update >/dev/null && {APT} {command}", timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


@pytest.fixture
def host(lab: Lab) -> Iterator[str]:
    name = lab.hosts[0].name
    lab.reset(name)  # a clean host: no Apache, no /etc/apache2
    yield name
    lab.reset(name)


def test_apache_checks_skip_without_apache_and_run_with_it(lab: Lab, host: str) -> None:
    _apt(lab, host, "install -y javascript-common")
    listing = lab.ssh(host, "ls /etc/apache2; ls /usr/sbin/apache2 2>&1").stdout
    assert "conf-available" in listing and "No such file" in listing  # the folder, no Apache
    r = result(audit(lab.inventory_path, ["apache"], host), host, "apache.default_charset")
    assert r.status == Status.SKIP, r
    assert "Apache" in r.message.en and "Apache" in r.message.zh

    _apt(lab, host, "install -y --no-install-recommends apache2")
    r = result(audit(lab.inventory_path, ["apache"], host), host, "apache.default_charset")
    assert r.status == Status.FAIL and r.found == "not set", r
