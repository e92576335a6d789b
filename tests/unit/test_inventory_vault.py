"""A sudo password kept in Ansible Vault reaches envcheck decrypted, and only in memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from envcheck.inventory import load_inventory

VAULT = Path(sys.executable).parent / "ansible-vault"


def test_vaulted_become_password_is_decrypted(tmp_path: Path) -> None:
    pw_file = tmp_path / "vault-pass"
    pw_file.write_text("vault-secret-1\n")
    encrypted = subprocess.run(
        [str(VAULT), "encrypt_string", "--vault-password-file", str(pw_file), "S3cret-Sudo-9", "--name",
         "ansible_become_password"], capture_output=True, text=True, check=True).stdout
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text(encrypted)
    inv = tmp_path / "hosts.ini"
    inv.write_text("[db]\ndb1 ansible_host=127.0.0.13 ansible_user=ops\n")
    assert "S3cret-Sudo-9" not in encrypted
    [host] = load_inventory([str(inv)], vault_password_file=str(pw_file)).hosts
    assert host.target.become_password == "S3cret-Sudo-9"
    assert "S3cret-Sudo-9" not in repr(host)
