"""Reads [[name, password, "exists <verifier>" or ""], ...] as JSON on stdin and prints the name
of each role that is missing or whose stored verifier does not hold the password: SCRAM-SHA-256
computed as PostgreSQL does; an md5 verifier counts only when password_encryption (the first
argument) is md5, else the password is stored again as SCRAM. Run on the host by the
postgresql role (tasks/databases.yml), with the passwords on stdin, never in arguments.
Runs on the targets' Pythons, 2.7 included (the legacy runtime's): type comments only."""

import base64
import hashlib
import hmac
import json
import sys
import unicodedata

SCRAM = "SCRAM-SHA-256$"


def holds(name, password, verifier, md5_allowed):
    # type: (str, str, str, bool) -> bool
    if verifier.startswith(SCRAM):
        params, keys = verifier[len(SCRAM):].split("$")
        iterations, salt = params.split(":")
        stored_key, server_key = keys.split(":")
        # SASLprep as far as it matters here: NFKC (a plain ASCII password is unchanged).
        salted = hashlib.pbkdf2_hmac("sha256", unicodedata.normalize("NFKC", password).encode("utf-8"),
                                     base64.b64decode(salt), int(iterations))
        client = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
        server = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
        return (hmac.compare_digest(base64.b64encode(hashlib.sha256(client).digest()), stored_key.encode("ascii"))
                and hmac.compare_digest(base64.b64encode(server), server_key.encode("ascii")))
    if md5_allowed and verifier.startswith("md5"):
        digest = hashlib.md5((password + name).encode("utf-8")).hexdigest()  # noqa: S324 - PostgreSQL's md5 verifier
        return hmac.compare_digest(("md5" + digest).encode("ascii"), verifier.encode("ascii"))
    return False


def main():
    # type: () -> None
    md5_allowed = sys.argv[1:2] == ["md5"]
    for name, password, state in json.load(sys.stdin):
        if not state.startswith("exists ") or not holds(name, password, state[len("exists "):], md5_allowed):
            print(name)


main()
