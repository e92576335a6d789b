"""The playbooks parse, and the templates render what the standard says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
import yaml

from envcheck.paths import PLAYBOOK_DIR, ROLES_DIR

ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
PLAYBOOKS = sorted(p.name for p in PLAYBOOK_DIR.glob("*.yml"))
# Each role's templates in its own templates/; shared fragments in the standard role's.
TEMPLATE_DIRS = sorted(str(p) for p in ROLES_DIR.glob("*/templates"))


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_syntax(playbook: str, tmp_path: Path) -> None:
    inv = tmp_path / "hosts.yml"
    inv.write_text("all:\n  children:\n    web:\n      hosts:\n        web1: {ansible_host: 127.0.0.11}\n")
    env = {"ANSIBLE_CONFIG": str(PLAYBOOK_DIR / "ansible.cfg"), "PATH": f"{ANSIBLE_PLAYBOOK.parent}:/usr/bin:/bin"}
    result = subprocess.run([str(ANSIBLE_PLAYBOOK), "--syntax-check", "-i", str(inv), str(PLAYBOOK_DIR / playbook)],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_baseline_defaults_come_from_the_standard_only() -> None:
    defaults = yaml.safe_load((PLAYBOOK_DIR / "roles" / "baseline" / "defaults" / "main.yml").read_text())
    standard = yaml.safe_load((PLAYBOOK_DIR / "roles" / "standard" / "defaults" / "main.yml").read_text())
    for key in ("baseline_timezone", "baseline_locale", "baseline_nofile", "baseline_service_user"):
        assert "standard_" in str(defaults[key]), key  # never a literal copy of a standard value
    assert standard["standard_timezone"] not in yaml.safe_dump(defaults)


def _render(name: str, **values: object) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIRS), undefined=jinja2.StrictUndefined,
                             autoescape=False, keep_trailing_newline=True,  # noqa: S701 - config files, not HTML
                             trim_blocks=True)  # as Ansible renders templates
    env.filters["basename"] = lambda path: str(path).rstrip("/").rpartition("/")[2]  # an Ansible filter
    return env.get_template(name).render(**values)


def test_templates_render_the_standard() -> None:
    assert "LANG=zh_CN.UTF-8" in _render("locale.conf.j2", baseline_locale="zh_CN.UTF-8")
    limits = _render("limits.conf.j2", baseline_service_user="appuser", baseline_nofile=65535, baseline_nproc=4096)
    assert "appuser hard nofile 65535" in limits
    sysctl = _render("sysctl.conf.j2", baseline_sysctl={"vm.swappiness": 10})
    assert "vm.swappiness = 10" in sysctl


def test_database_templates_render_the_standard() -> None:
    my = _render("my.cnf.j2", mysql_charset="utf8mb4", mysql_collation="utf8mb4_unicode_ci",
                 mysql_timezone="Asia/Shanghai", mysql_max_connections=500, envcheck_memory_mb=8192,
                 mysql_buffer_pool_percent=50, mysql_bind_address="0.0.0.0")
    assert "character-set-server = utf8mb4" in my and "collation-server = utf8mb4_unicode_ci" in my
    assert "default-time-zone = 'Asia/Shanghai'" in my and "innodb_buffer_pool_size = 4096M" in my
    pg = _render("postgresql.conf.j2", postgresql_listen_addresses="*", postgresql_max_connections=200,
                 postgresql_timezone="Asia/Shanghai", envcheck_memory_mb=8192, postgresql_shared_buffers_percent=25,
                 postgresql_effective_cache_percent=50, postgresql_password_encryption="scram-sha-256")
    assert "timezone = 'Asia/Shanghai'" in pg and "log_timezone = 'Asia/Shanghai'" in pg
    assert "shared_buffers = 2048MB" in pg and "password_encryption = 'scram-sha-256'" in pg
    hba = _render("pg_hba.conf.j2", postgresql_password_encryption="scram-sha-256", postgresql_hba_entries=[
        {"database": "his", "user": "his", "address": "10.0.0.0/24"},
        {"type": "local", "database": "his", "user": "his", "method": "peer"}])
    assert hba.splitlines() == ["host his his 10.0.0.0/24 scram-sha-256", "local his his peer"]


def test_ansible_cfg_ships_pipelining_and_control_persist() -> None:
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(PLAYBOOK_DIR / "ansible.cfg")
    assert cfg.getboolean("ssh_connection", "pipelining")
    assert "ControlPersist=" in cfg.get("ssh_connection", "ssh_args")
    assert "ControlMaster=auto" in cfg.get("ssh_connection", "ssh_args")
    assert cfg.get("defaults", "host_key_checking", fallback="True") != "False"


def test_every_template_is_used_by_a_role_and_every_role_template_exists() -> None:
    import re

    used: set[str] = set()
    for role in ROLES_DIR.iterdir():
        tasks = "\n".join(p.read_text() for p in role.glob("tasks/*.yml"))
        # src: name.j2 (the role's own), "{{ role_path }}/../<role>/templates/name.j2" (shared)
        used |= {f"{role.name}/{n}" for n in re.findall(r"(?:src: |template', ')'?([\w.-]+\.j2)", tasks)}
        used |= {f"{r}/{n}" for r, n in re.findall(r"role_path \}\}/\.\./(\w+)/templates/([\w.-]+\.j2)", tasks)}
    shipped = {f"{p.parent.parent.name}/{p.name}" for p in ROLES_DIR.glob("*/templates/*.j2")}
    assert used <= shipped, used - shipped
    assert shipped <= used, f"templates no role uses: {shipped - used}"
    tasks = "\n".join(p.read_text() for p in ROLES_DIR.rglob("tasks/*.yml"))
    # Configuration files are templates, not inline content in the tasks.
    assert "content: |" not in tasks


@pytest.mark.parametrize("role", ["baseline", "postgresql", "mysql", "apache", "tomcat"])
def test_per_os_task_files_exist_for_both_families(role: str) -> None:
    """Every `include_tasks: ...-{{ envcheck_os_family }}.yml` has a Debian and a RedHat file."""
    import re

    tasks_dir = PLAYBOOK_DIR / "roles" / role / "tasks"
    stems = set()
    for path in tasks_dir.glob("*.yml"):
        stems |= set(re.findall(r"([\w-]+)-\{\{ envcheck_os_family \}\}\.yml", path.read_text()))
    assert stems, role
    for stem in stems:
        for family in ("Debian", "RedHat"):
            assert (tasks_dir / f"{stem}-{family}.yml").is_file(), f"{role}: {stem}-{family}.yml"
    for family in ("Debian", "RedHat"):
        assert (PLAYBOOK_DIR / "roles" / role / "vars" / f"{family}.yml").is_file()


def test_offline_tomcat_unit_and_firewall_templates_render() -> None:
    values = {"tomcat_release_dir": "/opt/tomcat/apache-tomcat-10.1.60", "tomcat_user": "tomcat",
              "tomcat_group": "tomcat", "tomcat_defaults_file": "/etc/default/tomcat",
              "tomcat_archive_root": "/opt/tomcat", "tomcat_base": "/var/lib/tomcat",
              "tomcat_java_archive": "", "tomcat_java_home": "/opt/java/current"}
    unit = _render("tomcat.service.j2", **values)
    assert "EnvironmentFile=/etc/default/tomcat" in unit and "ExecStart=/opt/tomcat/current/bin/catalina.sh run" in unit
    assert "Environment=CATALINA_BASE=/var/lib/tomcat" in unit and "JAVA_HOME" not in unit
    with_jdk = _render("tomcat.service.j2", **(values | {"tomcat_java_archive": "/srv/jdk-17.tar.gz"}))
    assert "Environment=JAVA_HOME=/opt/java/current" in with_jdk
    nft = _render("nftables.conf.j2", baseline_firewall_ssh_ports=[2222], baseline_firewall_ports=[80, "8080", 22])
    assert "policy drop;" in nft and "tcp dport { 2222, 80, 8080, 22 } accept" in nft
    # envcheck's own table, replaced as a whole: never the whole ruleset (Docker, ufw, fail2ban).
    assert "flush ruleset" not in nft and "delete table inet envcheck" in nft


def test_every_role_has_argument_specs_for_its_public_variables() -> None:
    """Each role validates its inputs when it starts (meta/argument_specs.yml), and every
    variable of its defaults is in the spec (a typo'd spec would check nothing)."""
    for role in sorted(p for p in ROLES_DIR.iterdir() if p.is_dir()):
        spec_file = role / "meta" / "argument_specs.yml"
        assert spec_file.is_file(), f"{role.name}: no meta/argument_specs.yml"
        options = yaml.safe_load(spec_file.read_text())["argument_specs"]["main"]["options"]
        defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text()) or {}
        assert set(defaults) <= set(options), f"{role.name}: not in the spec: {set(defaults) - set(options)}"
        os_data = {k[2:] for f in role.glob("vars/*.yml") for k in (yaml.safe_load(f.read_text()) or {})
                   if k.startswith("__")}
        assert os_data <= set(options), f"{role.name}: OS data not in the spec: {os_data - set(options)}"


def test_the_play_selectors_have_their_choices_in_the_standard_spec() -> None:
    from envcheck.deploy.inputs import spec_choices

    assert spec_choices() == {"db_engine": ("postgresql", "mysql"), "web_server": ("nginx", "apache")}


def test_no_restart_is_allowed_to_fail_and_config_writes_keep_a_backup() -> None:
    """Safe changes: no `failed_when: false` on a service task, and every template that
    writes a configuration file keeps the previous version (backup: true)."""
    for path in ROLES_DIR.rglob("*/*.yml"):
        tasks = yaml.safe_load(path.read_text()) or []
        if not isinstance(tasks, list):
            continue
        for task in _flatten(tasks):
            name = f"{path.relative_to(ROLES_DIR)}: {task.get('name')}"
            service = {"ansible.builtin.service", "ansible.builtin.systemd_service"} & set(task)
            assert not (service and task.get("failed_when") is False), name
            if "ansible.builtin.template" in task:
                assert task["ansible.builtin.template"].get("backup") is True, name


def _flatten(tasks: list) -> list:  # type: ignore[type-arg]
    out = []
    for task in tasks:
        if isinstance(task, dict):
            out.append(task)
            for key in ("block", "rescue", "always"):
                out += _flatten(task.get(key) or [])
    return out
