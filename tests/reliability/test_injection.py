"""Injection: host names, addresses, variables and expected values holding `;`, `$(...)`,
backticks, quotes and newlines never change the commands that run.

Where commands are built: the probe script (envcheck/audit/probe.py, the facts whose commands come
from the inventory: envcheck/checks/*), the ssh command line (envcheck/transport/process.py;
paramiko sends the same fixed REMOTE_COMMAND), and ansible-playbook's command line
(envcheck/deploy.py through ansible-runner). test_injection_lab.py runs hostile values on a
real host."""

from __future__ import annotations

import inspect
import shlex
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envcheck.audit.probe import BOOTSTRAP, REMOTE_COMMAND, build_script, split_output
from envcheck.checks import load_catalogue
from envcheck.checks.registry import FACTS, HostContext
from envcheck.deploy.runner import DeployRequest, _runner_kwargs, playbook_path
from envcheck.ssh import OpenSSHTransport, SshSettings, Target
from envcheck.standard import Standard, Tier
from tests.reliability.hostile import hostile

pytestmark = pytest.mark.reliability
load_catalogue()
# The path hypothesis draws into values: fixed for the whole run (the strategies are built at
# import), this run's own (another run beside it never touches it).
MARKER = Path(tempfile.gettempdir()) / f"envcheck-injection-{uuid.uuid4().hex}"
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# (A fact the controller reads through the host, `gather`, sends no command to it.)
DYNAMIC = [f for f in FACTS.values() if f.command_for is not None and f.gather is None]
FIELDS = ("name", "peer_name", "peer_address", "disk_path", "service", "service_user", "config_path", "health_url")
APP_VIEW = {  # the application's view declared, so that its probes are built too
    "standard_app_datasources": [{"name": "his", "engine": "postgresql", "host": "10.0.0.3", "database": "his",
                                  "user": "his", "password_env": "HIS_DB_PASSWORD"}],
    "standard_app_endpoints": [{"name": "pay", "url": "https://pay.partner.lab:8443/health"}],
}


def _bound(values: dict[str, str]) -> list:  # type: ignore[type-arg]
    """The inventory-built facts of host web1, with `values` placed where the inventory would."""
    ctx = HostContext(
        name=values["name"], address="127.0.0.1", groups=("web",), lan_address="10.0.0.1",
        peers={"web": ((values["name"], "10.0.0.1"),), "app": ((values["peer_name"], values["peer_address"]),)},
    )
    std = Standard.from_vars({
        "standard_disk_paths": ["/", values["disk_path"]], "standard_services": [values["service"]],
        "standard_service_user": values["service_user"],
        "standard_tiers": [{"from": "web", "to": "app", "ports": [8080]}],
        "standard_app_configs": [values["config_path"]], "standard_app_health_urls": [values["health_url"]],
        **APP_VIEW,
    })
    assert std.tiers == (Tier("web", "app", (8080,)),)
    facts = [f.bind(ctx, std) for f in DYNAMIC]
    assert all(f is not None for f in facts)
    return facts


BENIGN = {k: f"placeholder{i}" for i, k in enumerate(FIELDS)}


@SETTINGS
@given(field=st.sampled_from(FIELDS), value=hostile(str(MARKER)))
def test_built_commands_differ_from_benign_ones_only_by_the_quoted_value(field: str, value: str) -> None:
    """Byte for byte: each probe built with a hostile value equals the one built with a plain
    placeholder, once the placeholder's quoted form is put in place of the value's."""
    hostile_facts = _bound({**BENIGN, field: value})
    benign_facts = _bound(BENIGN)
    for bad, good in zip(hostile_facts, benign_facts, strict=True):
        assert bad.command.replace(shlex.quote(value), shlex.quote(BENIGN[field])) == good.command, bad.id
    script = build_script(hostile_facts, marker="@@EC0123456789abcdef")
    for fact in hostile_facts:
        # the probe's whole command reaches `ecrun` as one argument
        timeout = str(max(1, int(fact.timeout)) if fact.may_block else 0)  # 0: run in a subshell
        line = f"ecrun {fact.id} {timeout} {shlex.quote(fact.command)}"
        assert line + ("; else" if fact.present else "\n") in script.text  # `present`: inside its test
        assert shlex.split(line) == ["ecrun", fact.id, timeout, fact.command]


@SETTINGS
@given(field=st.sampled_from(FIELDS), value=hostile(str(MARKER)))
def test_hostile_values_are_never_run_by_the_probe_script(field: str, value: str) -> None:
    """The script really runs (sh, in a network namespace of its own so that nothing leaves
    this machine): the payload never runs, and values printed back come back whole."""
    MARKER.unlink(missing_ok=True)
    facts = _bound({**BENIGN, field: value})
    script = build_script(facts)
    proc = subprocess.run(["unshare", "--net", "sh", "-c", BOOTSTRAP], input=b"\n\n" + script.text.encode(),
                          capture_output=True, timeout=60)
    out = split_output(script.marker, proc.stdout.split(b"\n", 2)[2])
    assert not MARKER.exists(), f"{field}={value!r} was run by a shell"
    assert set(out) == {f.id for f in facts}
    if field == "disk_path":
        assert f"missing|{value}" in out["resources.disk"].stdout
    if field == "peer_address":
        # name|address|port|rc: the address comes back whole and the connect did not succeed
        assert f"|{value}|8080|" in out["network.tiers"].stdout
        assert f"|{value}|8080|0\n" not in out["network.tiers"].stdout


@SETTINGS
@given(address=hostile(str(MARKER)), user=hostile(str(MARKER)), key=hostile(str(MARKER)),
       port=st.integers(1, 65535))
def test_the_ssh_command_line_takes_inventory_values_as_single_arguments(address: str, user: str, key: str,
                                                                         port: int) -> None:
    argv = OpenSSHTransport(SshSettings(known_hosts="/tmp/kh")).argv(Target("h", address, port, user, key),
                                                                     REMOTE_COMMAND)
    assert argv[-3:] == ["--", address, REMOTE_COMMAND]  # never read as an option; the command is fixed
    assert argv[argv.index("-l") + 1] == user and argv[argv.index("-i") + 1] == key
    assert argv[argv.index("-p") + 1] == str(port)
    assert "sh -c" in REMOTE_COMMAND and "ECREADY" in REMOTE_COMMAND


@settings(SETTINGS, max_examples=10)  # each example builds runner's whole config (~0.7 s)
@given(limit=hostile(str(MARKER)), tag=hostile(str(MARKER)), skip=hostile(str(MARKER)),
       vault=hostile(str(MARKER)), value=hostile(str(MARKER)))
def test_ansible_playbook_gets_each_value_as_one_argument(tmp_path: Path, limit: str, tag: str, skip: str,
                                                          vault: str, value: str) -> None:
    """The argv ansible-runner builds (and runs without a shell) from our request."""
    from ansible_runner.config.runner import RunnerConfig

    private = Path(tempfile_dir(tmp_path))
    value = "EXTRA-VAR:" + value  # told apart from the other values (their alphabet has no capitals)
    request = DeployRequest("server", ("/tmp/hosts.yml",), limit=limit, tags=(tag,), skip_tags=(skip,),
                            vault_password_file="/tmp/" + vault.replace("\x00", ""), extra_vars={"note": value})
    kwargs = _runner_kwargs(request, playbook_path("server"), private, private)
    params = inspect.signature(RunnerConfig.__init__).parameters
    config = RunnerConfig(**{k: v for k, v in kwargs.items() if k in params})
    config.prepare()
    argv = config.command
    assert argv[argv.index("--limit") + 1] == limit
    assert argv[argv.index("--tags") + 1] == tag
    assert argv[argv.index("--skip-tags") + 1] == skip
    assert argv[argv.index("--vault-password-file") + 1] == str(Path(request.vault_password_file or "").resolve())
    assert not any(value in arg for arg in argv)  # extra variables go in a file


_COUNTER = iter(range(10**9))


def tempfile_dir(base: Path) -> Path:
    path = base / f"p{next(_COUNTER)}"
    path.mkdir()
    return path
