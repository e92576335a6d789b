"""The standard's managed file list (roles/standard/vars/managed-files.yml) is the one list of
what the playbooks write: every file a task writes is in it, and it resolves per host."""

from __future__ import annotations

import re

import pytest
import yaml

from envcheck.errors import BadInput
from envcheck.paths import PLAYBOOK_DIR
from envcheck.snapshot import managed

# Modules that write a file at `dest` (or `path`) and the folders and checks they only make or read.
_WRITES = ("template", "copy", "lineinfile", "blockinfile", "replace")
_NOT_FILES = ("{{ item.", "tomcat_java", "tomcat_release", "tomcat_base", "tomcat_archive_root",
              "/etc/yum.conf' if", "/usr/share/zoneinfo", "/var/lib/dpkg/status", "mysql_data_dir")


def _written_paths() -> set[str]:
    found = set()
    for tasks in (PLAYBOOK_DIR / "roles").glob("*/tasks/*.yml"):
        for task in yaml.safe_load(tasks.read_text()) or []:
            for block in [task, *task.get("block", []), *task.get("rescue", [])]:
                for module, args in block.items():
                    if not isinstance(args, dict) or module.split(".")[-1] not in (*_WRITES, "file"):
                        continue
                    if module.split(".")[-1] == "file" and args.get("state") != "link":
                        continue
                    target = str(args.get("dest") or args.get("path") or "")
                    if target and not any(n in target for n in _NOT_FILES):
                        found.add(target)
    return found


def test_every_file_a_task_writes_is_in_the_list() -> None:
    listed = {str(p) for paths in managed.managed()["standard_managed_files"].values() for p in paths}
    # PostgreSQL's folder comes from its version on the host: listed with `*` for it.
    listed_as = {re.sub(r"/etc/postgresql/\*/main", "{{ postgresql_conf_dir }}", p) for p in listed}
    missing = sorted(p for p in _written_paths() if p not in listed | listed_as)
    assert missing == []


def test_a_hosts_files_follow_its_roles_and_variables() -> None:
    web = managed.files_of("web1", ["web"], {"nginx_site_file": "/srv/nginx/site.conf"})
    assert "/srv/nginx/site.conf" in web and "/etc/sysctl.d/60-envcheck.conf" in web
    assert not any("tomcat" in p or "postgresql" in p for p in web)
    db = managed.files_of("db1", ["db"], {"standard_services": ["postgresql", "mysql"]})
    assert "/etc/postgresql/*/main/conf.d/60-envcheck.conf" in db
    assert "/etc/mysql/mariadb.conf.d/60-envcheck.cnf" in db
    extra = managed.files_of("app1", ["app"], {"snapshot_paths": ["/opt/his/conf"]})
    assert extra[-1] == "/opt/his/conf" and "/etc/default/tomcat10" in extra


def test_users_of_the_standard_follow_the_inventory() -> None:
    assert managed.users_of(["app"], {"standard_service_user": "his"}) == (["his", "tomcat"], ["tomcat"])


@pytest.mark.parametrize("value", ["relative/path", {"a": 1}, ["/ok", "no"]])
def test_bad_snapshot_paths_are_bad_input(value: object) -> None:
    with pytest.raises(BadInput, match="snapshot_paths"):
        managed.files_of("web1", ["web"], {"snapshot_paths": value})
