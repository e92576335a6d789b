"""Secrets out of collected files: passwords, keys and tokens are replaced before anything is
written to disk (a bundle goes to a vendor).

Masked: `key = value` / `key: value` / `KEY=value` where the key names a password, secret, token
or key (password=, PGPASSWORD=, MYSQL_PWD=, keystorePass=...); XML attributes of that kind
(Tomcat's password="..."); `IDENTIFIED BY '...'`; credentials in URLs (scheme://user:pw@host);
PEM private key blocks. Keys that name a setting rather than hold one (password_encryption,
PasswordAuthentication) are left alone.
"""

from __future__ import annotations

import re

MASK = "********"

_SECRET_WORD = (r"(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|private[_-]?key|"  # noqa: S105
                r"keystorepass|truststorepass|keypass|credentials?|auth[_-]?key)")
# Settings whose name contains a secret word but whose value is not a secret. They are excluded
# inside the patterns (a lookahead), so that such a key never swallows the rest of its line: in
# "PWD=/root ; COMMAND=... X_PASSWORD=s3cret" the secret further on is still found.
_NOT_SECRET = (
    r"(?:password_encryption|passwordauthentication|permitemptypasswords|"  # noqa: S105 - names
    r"challengeresponseauthentication|kbdinteractiveauthentication|pubkeyauthentication|"
    r"password_?min_?len\w*|[\w.-]*_file|[\w.-]*_path|[\w.-]*_command[\w.-]*|validate_password\w*|"
    r"update_password|default_authentication_plugin|tokens?_expire\w*|pwd|oldpwd)(?![\w.-])")
_KEY = rf"\b(?!{_NOT_SECRET})[\w.:-]*{_SECRET_WORD}[\w.-]*"

# key = value, key: value, KEY=value, export KEY="value" (a key may carry a prefix: db.password);
# an unquoted value runs to the end of the line (my.cnf allows spaces) or to the next & (a URL query)
_ASSIGN = re.compile(
    rf"(?i)(?P<key>{_KEY})(?P<sep>\s+[=:]\s*|[=:]\s+|[=:])"
    r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s&][^&\n]*?(?=\s*(?:&|$)))")
# <Resource password="..."/>, keystorePass='...'
_XML_ATTR = re.compile(rf"(?i)(?P<key>{_KEY})(?P<sep>\s*=\s*)(?P<q>[\"'])(?P<value>.*?)(?P=q)")
_IDENTIFIED = re.compile(r"(?i)(IDENTIFIED\s+(?:WITH\s+\S+\s+)?(?:BY|AS)\s+(?:PASSWORD\s+)?)('[^']*'|\"[^\"]*\"|\S+)")
_PG_PASSWORD = re.compile(r"(?i)(\bPASSWORD\s+)('[^']*')")
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)([^@\s/]+)(@)")
_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----.*?(-----END \1-----|\Z)", re.DOTALL)


def mask_text(text: str) -> tuple[str, int]:
    """The text with its secrets replaced by MASK, and how many were replaced."""
    count = 0

    def pem(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"-----BEGIN {m.group(1)}-----\n{MASK}\n-----END {m.group(1)}-----"

    text = _PEM.sub(pem, text)
    out = []
    for line in text.splitlines(keepends=True):
        masked, n = mask_line(line)
        count += n
        out.append(masked)
    return "".join(out), count


def mask_line(line: str) -> tuple[str, int]:
    count = 0

    def masked(prefix: str, value: str, suffix: str = "") -> str:
        nonlocal count
        count += 1
        quote = value[0] if value and value[0] in "\"'" else ""
        return f"{prefix}{quote}{MASK}{quote}{suffix}"

    def assign(m: re.Match[str]) -> str:
        value = m.group("value").strip("\"'")
        if value in ("", MASK):
            return m.group(0)
        return masked(m.group("key") + m.group("sep"), m.group("value"))

    def xml(m: re.Match[str]) -> str:
        if m.group("value") in ("", MASK):
            return m.group(0)
        q = m.group("q")
        return masked(m.group("key") + m.group("sep"), q + q)

    line = _XML_ATTR.sub(xml, line)
    line = _ASSIGN.sub(assign, line)
    line = _IDENTIFIED.sub(lambda m: masked(m.group(1), m.group(2)), line)
    line = _PG_PASSWORD.sub(lambda m: masked(m.group(1), m.group(2)), line)
    line = _URL_CREDENTIALS.sub(lambda m: masked(m.group(1), "", m.group(3)), line)
    return line, count
