"""The playbooks parse, and the templates render what the standard says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
import yaml

from envcheck.paths import PLAYBOOK_DIR, TEMPLATE_DIR

ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
PLAYBOOKS = sorted(p.name for p in PLAYBOOK_DIR.glob("*.yml"))


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
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), undefined=jinja2.StrictUndefined,
                             autoescape=False, keep_trailing_newline=True)  # noqa: S701 - config files, not HTML
    return env.get_template(name).render(**values)


def test_templates_render_the_standard() -> None:
    assert "LANG=zh_CN.UTF-8" in _render("locale.conf.j2", baseline_locale="zh_CN.UTF-8")
    chrony = _render("chrony.conf.j2", baseline_ntp_servers=["127.0.0.1"])
    assert "server 127.0.0.1 iburst" in chrony and chrony.startswith("# Managed by envcheck")
    limits = _render("limits.conf.j2", baseline_service_user="appuser", baseline_nofile=65535, baseline_nproc=4096)
    assert "appuser hard nofile 65535" in limits
    sysctl = _render("sysctl.conf.j2", baseline_sysctl={"vm.swappiness": 10})
    assert "vm.swappiness = 10" in sysctl


def test_database_templates_render_the_standard() -> None:
    my = _render("my.cnf.j2", mysql_charset="utf8mb4", mysql_collation="utf8mb4_unicode_ci",
                 mysql_timezone="Asia/Shanghai", mysql_max_connections=500, ansible_memtotal_mb=8192,
                 mysql_buffer_pool_percent=50, mysql_bind_address="0.0.0.0")
    assert "character-set-server = utf8mb4" in my and "collation-server = utf8mb4_unicode_ci" in my
    assert "default-time-zone = 'Asia/Shanghai'" in my and "innodb_buffer_pool_size = 4096M" in my
    pg = _render("postgresql.conf.j2", postgresql_listen_addresses="*", postgresql_max_connections=200,
                 postgresql_timezone="Asia/Shanghai", ansible_memtotal_mb=8192, postgresql_shared_buffers_percent=25,
                 postgresql_effective_cache_percent=50)
    assert "timezone = 'Asia/Shanghai'" in pg and "log_timezone = 'Asia/Shanghai'" in pg
    assert "shared_buffers = 2048MB" in pg
