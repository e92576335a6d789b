"""The pytest plugin of `envcheck verify`, loaded by name (-p) in every pytest-xdist worker.

It reads the plan (--envcheck-plan), parametrizes each suite over the hosts that get it (one
xdist group per host: a host's tests run in one worker, over one SSH master connection) and
gives the suites their fixtures: `host` (testinfra), `std` (the Standard), `rvars` (role
variables: the role's defaults and OS variables under the inventory's values).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import testinfra

from envcheck.standard import Standard
from envcheck.verify.plan import HostPlan, Plan
from envcheck.verify.support import role_vars

_PLAN = pytest.StashKey[Plan]()
_HOSTS: dict[str, Any] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--envcheck-plan", help="plan of envcheck verify (JSON)")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("envcheck_plan")
    if path:
        config.stash[_PLAN] = Plan.read(Path(path))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" not in metafunc.fixturenames:
        return
    role = getattr(metafunc.module, "ROLE", None)
    plan = metafunc.config.stash[_PLAN]
    params = [pytest.param(h.name, id=h.name, marks=pytest.mark.xdist_group(h.name))
              for h in plan.hosts if role in h.suites]
    metafunc.parametrize("target", params, indirect=True, scope="module")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "target" in callspec.params:
            item.user_properties.append(("host", callspec.params["target"]))
            item.user_properties.append(("role", getattr(getattr(item, "module", None), "ROLE", "")))


@pytest.fixture(scope="module")
def target(request: pytest.FixtureRequest) -> HostPlan:
    return request.config.stash[_PLAN].host(request.param)


@pytest.fixture(scope="module")
def host(request: pytest.FixtureRequest, target: HostPlan) -> Any:
    """One testinfra host per inventory host and worker, over the generated ssh_config."""
    if target.name not in _HOSTS:
        plan = request.config.stash[_PLAN]
        if target.local:
            _HOSTS[target.name] = testinfra.get_host("local://", sudo=target.become)
        else:
            _HOSTS[target.name] = testinfra.get_host(
                f"ssh://{target.name}", ssh_config=plan.ssh_config, sudo=target.become,
                timeout=int(plan.timeout))
    return _HOSTS[target.name]


@pytest.fixture(scope="module")
def std(target: HostPlan) -> Any:
    return Standard.from_vars(target.variables, f"inventory, host {target.name}")


@pytest.fixture(scope="module")
def rvars(request: pytest.FixtureRequest, target: HostPlan, host: Any) -> dict[str, Any]:
    role = getattr(request.module, "ROLE", "baseline")
    return role_vars(role, host.system_info.distribution or "", target.variables)
