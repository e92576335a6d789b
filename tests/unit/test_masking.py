"""Secrets in collected configs are masked; settings that only name a password are kept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envcheck.masking import _TRIGGER, MASK, _may_hold_secret, mask_text

SECRET = "S3cr-et 9#x"


@pytest.mark.parametrize("line", [
    f"password = {SECRET}",                                   # my.cnf, debian.cnf
    f"password={SECRET}",
    f"export PGPASSWORD='{SECRET}'",
    f'MYSQL_PWD="{SECRET}"',
    f'<Resource name="jdbc/his" username="his" password="{SECRET}" maxTotal="20"/>',  # Tomcat
    f"<Connector port=\"8443\" keystorePass='{SECRET}'/>",
    f"CREATE USER 'erp'@'%' IDENTIFIED BY '{SECRET}';",
    f"ALTER ROLE his LOGIN PASSWORD '{SECRET}';",
    f"spring.datasource.password: {SECRET}",
    "url = mysql://erp:S3cr-et9x@10.99.0.13/erp",
    "jdbc:postgresql://10.99.0.13/his?user=his&password=S3cr-et9x&ssl=false",
])
def test_secret_is_masked(line: str) -> None:
    masked, count = mask_text(line + "\n")
    assert count == 1 and MASK in masked
    assert SECRET not in masked and "S3cr-et9x" not in masked and "9#x" not in masked


def test_private_key_block_is_masked() -> None:
    text = "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAKCAQ\n-----END RSA PRIVATE KEY-----\nb\n"
    masked, count = mask_text(text)
    assert count == 1 and "MIIEow" not in masked and masked.startswith("a\n") and masked.endswith("b\n")


@pytest.mark.parametrize("line", [
    "password_encryption = scram-sha-256",
    "PasswordAuthentication no",
    "password =",
    "host his his 10.99.0.0/24 scram-sha-256",
    "charset utf-8;",
])
def test_settings_are_kept(line: str) -> None:
    assert mask_text(line) == (line, 0)


@pytest.mark.parametrize("line", [
    "#ssl_passphrase_command_supports_reload = off",  # postgresql.conf
    "sudo[3062]:     root : PWD=/root ; USER=root ; COMMAND=/bin/sh",  # the journal: a directory
    "Invoked with name=appuser update_password=always",  # an Ansible module's option
])
def test_names_that_only_look_like_secrets_are_kept(line: str) -> None:
    assert mask_text(line) == (line, 0)


def test_a_secret_after_a_kept_setting_on_the_same_line_is_masked() -> None:
    # sudo's journal line for an Ansible task with `environment:` under become (a real case)
    line = ("sudo[3141]:     root : PWD=/root ; USER=postgres ; COMMAND=/bin/sh -c 'echo BECOME-SUCCESS-x ; "
            f"ENVCHECK_PG_PASSWORD={SECRET} /usr/bin/python3'")
    masked, count = mask_text(line)
    assert count == 1 and "S3cr" not in masked and "PWD=/root ; USER=postgres" in masked


def test_data_of_a_run_is_masked_keys_arguments_and_texts() -> None:
    """What a check keeps of a JVM (its command line, its environment) and a Result built from it."""
    from envcheck.masking import mask_data, mask_record
    from envcheck.model import Result, Severity, Status, Text

    data = {"cmdline": f"java\t-Dspring.datasource.password={SECRET}\t-Dfile.encoding=UTF-8\t-jar\tapp.jar",
            "args": ["java", "--db-password", SECRET, "-jar", "app.jar"],
            "env": {"DB_PASSWORD": SECRET, "JAVA_TOOL_OPTIONS": f"-Dapp.token={SECRET} -Xmx1g", "LANG": "C.UTF-8"},
            "url": f"jdbc:mysql://db/erp?user=erp&password={SECRET}&useUnicode=true"}
    masked = mask_data(data)
    assert SECRET not in str(masked) and "9#x" not in str(masked)
    assert "-Dfile.encoding=UTF-8\t-jar" in masked["cmdline"]  # the other arguments are kept
    assert masked["args"][-2:] == ["-jar", "app.jar"] and masked["env"]["LANG"] == "C.UTF-8"
    assert "-Xmx1g" in masked["env"]["JAVA_TOOL_OPTIONS"] and "useUnicode=true" in masked["url"]
    r = Result("h", "c", Status.FAIL, Severity.MAJOR, None, data, Text(f"password={SECRET}", f"password={SECRET}"),
               Text("", ""), Text("", ""))
    assert SECRET not in repr(mask_record(r)) and mask_record(r).found == masked


_WORDS = ["PassWord", "pAsSwD", "pwd", "SECRET", "Token", "api-KEY", "api_key", "Private_Key", "credential",
          "Identified", "://", "-----BEGIN", "-----begin", "keystorePass", "auth-key", "AUTHKEY", "pass", "key"]


@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.text(alphabet=st.characters(max_codepoint=127), max_size=8),
                          st.text(max_size=4)), max_size=8))
def test_trigger_fast_path_answers_as_the_case_blind_search(parts: list[str]) -> None:
    """The lowered search on ASCII text finds a trigger exactly where the case-blind one does
    (non-ASCII text takes the case-blind search itself)."""
    text = "".join(parts)
    assert _may_hold_secret(text) == bool(_TRIGGER.search(text))
