"""Secrets on the deployed site: a vault password, a sudo password (kept in Ansible Vault)
and the database passwords (from the environment) in use by `deploy` and `check`. While they
run, the process lists of the controller and of every host are sampled; afterwards every file
of the run directories, the reports built from them (HTML and Markdown) and the hosts' logs
are read. None of the secrets is anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.lab.site import SECRETS, Site
from tests.reliability.labkit import last_run, read_json, run_envcheck

pytestmark = [pytest.mark.lab, pytest.mark.reliability, pytest.mark.slow]
VAULT_PASSWORD = "Vault-Pw-1618"
SUDO_PASSWORD = "Sudo-Pw-5821"
DB_PASSWORD = "Rel-Db-Pw-1414"  # a PostgreSQL user created by the run: its password really used
ALL_SECRETS = {"vault": VAULT_PASSWORD, "sudo": SUDO_PASSWORD, "new db user": DB_PASSWORD, **SECRETS}
VAULT = Path(sys.executable).parent / "ansible-vault"
OPS_SETUP = (
    "id ops >/dev/null 2>&1 || useradd -m -s /bin/bash ops; echo ops:{pw} | chpasswd; "
    "echo 'ops ALL=(ALL) ALL' > /etc/sudoers.d/ops && chmod 440 /etc/sudoers.d/ops; "
    "install -d -m 700 -o ops -g ops ~ops/.ssh; "
    "install -m 600 -o ops -g ops ~root/.ssh/authorized_keys ~ops/.ssh/authorized_keys"
)


def _vaulted_inventory(site: Site, folder: Path, sudo_password: str) -> tuple[Path, Path]:
    """The site's inventory, connecting as `ops` with sudo; the sudo password in Vault."""
    folder.mkdir()
    password_file = folder / "vault-pass"
    password_file.write_text(VAULT_PASSWORD + "\n")
    password_file.chmod(0o600)
    inv = yaml.safe_load(site.inventory.read_text())
    for group in inv["all"]["children"].values():
        for hvars in group["hosts"].values():
            hvars.update(ansible_user="ops", ansible_become=True)
    (folder / "hosts.yml").write_text(yaml.safe_dump(inv))
    gv = folder / "group_vars"
    subprocess.run(["cp", "-r", str(site.inventory.parent / "group_vars"), str(gv)], check=True)
    with open(gv / "all.yml", "a", encoding="utf-8") as fh:
        fh.write("\n" + _vault(password_file, "ansible_become_password", sudo_password))
        fh.write("\n" + _vault(password_file, "reliability_db_password", DB_PASSWORD))
    db = yaml.safe_load((gv / "db.yml").read_text())
    db["postgresql_users"].append({"name": "reliability", "password": "{{ reliability_db_password }}"})
    (gv / "db.yml").write_text(yaml.safe_dump(db))
    return folder / "hosts.yml", password_file


def _vault(password_file: Path, name: str, value: str) -> str:
    vaulted = subprocess.run([str(VAULT), "encrypt_string", "--vault-password-file", str(password_file),
                              value, "--name", name], capture_output=True, text=True, check=True).stdout
    assert value not in vaulted
    return vaulted


DROP_USER = "su postgres -c \"psql -Xqc 'DROP ROLE IF EXISTS reliability'\""


@pytest.fixture(scope="module")
def ops(site: Site) -> Iterator[Site]:
    for h in site.lab.hosts:
        assert site.lab.ssh(h.name, OPS_SETUP.format(pw=SUDO_PASSWORD)).returncode == 0
    assert site.lab.ssh(site.host("db"), DROP_USER).returncode == 0
    yield site
    for h in site.lab.hosts:
        site.lab.ssh(h.name, "rm -f /etc/sudoers.d/ops; userdel -r ops 2>/dev/null; true")
    site.lab.ssh(site.host("db"), DROP_USER)


class ProcessSampler:
    """`ps -ww -eo args` (full width: a cut line could hide a secret) of the controller and of
    every host, over and over, while a run goes on."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.controller: list[str] = []
        self.hosts: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._local, daemon=True)] + [
            threading.Thread(target=self._remote, args=(h.name,), daemon=True) for h in site.lab.hosts]

    def _local(self) -> None:
        # This test's own processes and their descendants (envcheck, ansible-playbook, ssh):
        # the controller is shared, and other checkouts' tests use the same lab secrets.
        while not self._stop.is_set():
            table = subprocess.run(["ps", "-ww", "-eo", "pid=,ppid=,args="], capture_output=True, text=True).stdout
            self.controller.append("\n".join(_descendants(table, os.getpid())))
            self._stop.wait(0.2)

    def _remote(self, name: str) -> None:
        while not self._stop.is_set():
            self.hosts.append(self.site.lab.ssh(name, "ps -ww -eo args", timeout=30).stdout)
            self._stop.wait(0.5)

    def __enter__(self) -> ProcessSampler:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)


def _descendants(table: str, root: int) -> list[str]:
    rows = [line.split(None, 2) for line in table.splitlines() if len(line.split(None, 2)) == 3]
    mine, lines, grown = {root}, [], True
    while grown:
        grown = False
        for pid, ppid, args in rows:
            if int(ppid) in mine and int(pid) not in mine:
                mine.add(int(pid))
                lines.append(args)
                grown = True
    return lines


def _leaks(texts: dict[str, bytes]) -> list[str]:
    """Where each secret was found, with the line that holds it (masked)."""
    found = []
    for where, data in texts.items():
        for name, secret in ALL_SECRETS.items():
            for line in data.splitlines():
                if secret.encode() in line:
                    text = line.decode("utf-8", "replace").replace(secret, f"<{name}>")
                    found.append(f"{where}: {text[:300]}")
                    break
    return found


def test_no_secret_in_process_lists_run_records_or_logs(ops: Site, tmp_path: Path) -> None:
    site = ops
    inventory, password_file = _vaulted_inventory(site, tmp_path / "inv", SUDO_PASSWORD)
    runs = tmp_path / "runs"
    db = site.host("db")
    with ProcessSampler(site) as sampler:
        code, out = run_envcheck(["deploy", "database", "-i", str(inventory), "--vault-password-file",
                                  str(password_file), "--runs-dir", str(runs)], env=site.env)
        assert code == 0, out  # as ops, through sudo with the vaulted password
        [db_host] = read_json(last_run(runs, "deploy") / "run.json")["hosts"]
        assert db_host["changed"] >= 1  # the user was created with the vaulted password
        code, out = run_envcheck(["check", "-i", str(inventory), "--vault-password-file", str(password_file),
                                  "--runs-dir", str(runs), "--format", "json"], env=site.env)
        assert code in (0, 1), out
    # The samples saw the runs (the test would prove nothing otherwise).
    assert any("ansible-playbook" in s for s in sampler.controller)
    assert any("ECREADY" in s for s in sampler.controller)  # the check's ssh sessions
    assert any("BECOME-SUCCESS" in s for s in sampler.hosts)  # Ansible's sudo on the hosts
    assert any("ECREADY" in s for s in sampler.hosts)  # the check's sessions on the hosts
    login = site.lab.ssh(db, f"PGPASSWORD={DB_PASSWORD} psql -h 127.0.0.1 -U reliability -d his -XAtc 'SELECT 1'")
    assert login.stdout.strip() == "1", login.stderr  # the user really has that password
    texts: dict[str, bytes] = {f"controller ps #{i}": s.encode() for i, s in enumerate(sampler.controller)}
    texts |= {f"host ps #{i}": s.encode() for i, s in enumerate(sampler.hosts)}
    for fmt in ("html", "markdown"):  # the document handed to the customer, from these runs
        report = tmp_path / f"report.{fmt}"
        code, out = run_envcheck(["report", "--runs-dir", str(runs), "--format", fmt, "-o", str(report)],
                                 env=site.env)
        # Written whatever the verdict (exit 0 only when Ready: envcheck.verdict).
        assert code in (0, 1, 3) and "Verdict" in out and report.stat().st_size > 1000, out
        texts[str(report)] = report.read_bytes()
    texts |= {str(p): p.read_bytes() for base in (runs, site.lab.cfg.state_dir / "runs")
              for p in base.rglob("*") if p.is_file()}
    for h in site.lab.hosts:
        for what, command in (("/var/log", "find /var/log -type f -exec cat {} + 2>/dev/null"),
                              ("journal", "journalctl --no-pager -o cat 2>/dev/null")):
            texts[f"{h.name}:{what}"] = subprocess.run(["ssh", "-F", str(site.lab.ssh_config_path), h.name, command],
                                                       capture_output=True, timeout=120).stdout
    assert len(texts) > 20
    leaks = _leaks(texts)
    assert leaks == [], "\n".join(leaks[:5])


def test_a_wrong_sudo_password_fails_deploy_naming_sudo_and_is_not_kept(ops: Site, tmp_path: Path) -> None:
    wrong = "Wrong-Sudo-Pw-404"
    inventory, password_file = _vaulted_inventory(ops, tmp_path / "inv", wrong)
    web = ops.host("web")
    code, out = run_envcheck(["deploy", "server", "-i", str(inventory), "--vault-password-file", str(password_file),
                              "--limit", web, "-t", "timezone", "--runs-dir", str(tmp_path / "runs")], env=ops.env)
    record = read_json(last_run(tmp_path / "runs", "deploy") / "run.json")
    [host] = record["hosts"]
    assert code == 1 and f"{web}: FAIL (" in out, out
    assert "Incorrect sudo password" in " ".join(host["failed_tasks"]), host
    for p in (tmp_path / "runs").rglob("*"):
        if p.is_file():
            assert wrong.encode() not in p.read_bytes(), p


PWNED = f"/tmp/envcheck-pwned-pg-{uuid.uuid4().hex}"  # this run's own: a payload that ran leaves it
HOSTILE_PASSWORDS = ["it's", "back\\slash\\n", "two\nlines", f"$(touch {PWNED})", "'; DROP ROLE his; --",
                     ":'name' :\"name\" `id`", "中文密码\t\\\\'"]


def test_the_postgresql_role_sends_any_password_whole_on_stdin(site: Site) -> None:
    """The role's own stdin template, rendered by Ansible's templating (which changes
    backslashes inside expressions: plain Jinja would hide that) for hostile passwords and fed
    to psql on the db host: each comes back exactly, nothing in it is run."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    from envcheck.paths import PLAYBOOK_DIR

    tasks = yaml.safe_load((PLAYBOOK_DIR / "roles" / "postgresql" / "tasks" / "databases.yml").read_text())
    [task] = [t for t in tasks if t["name"] == "Create roles and apply changed passwords"]
    assert "environment" not in task  # `environment:` with become lands on the command line
    template = task["ansible.builtin.command"]["stdin"]
    # The statement as the server would run it, but returning the password instead of storing it.
    statement = template[template.index("SELECT format("):]
    template = template.replace(statement, "SELECT convert_from(decode(:'password64', 'base64'), 'UTF8');\n")
    db = site.host("db")
    for password in HOSTILE_PASSWORDS:
        variables = {"item": {"item": {"password": password}, "stdout": "exists x"},
                     "postgresql_password_encryption": "scram-sha-256"}
        script = Templar(loader=DataLoader(), variables=variables).template(trust_as_template(template))
        got = site.lab.ssh(db, "su postgres -c 'psql -XAtq -v ON_ERROR_STOP=1'", input=script)
        assert got.returncode == 0 and got.stdout[:-1] == password, (password, got.stdout, got.stderr)
    assert site.lab.ssh(db, f"ls {PWNED}* 2>/dev/null; true").stdout == ""
