"""Reads [[name, password, "exists <verifier>" or ""], ...] as JSON on stdin and prints the name
of each role that is missing or whose stored verifier does not hold the password: SCRAM-SHA-256
computed as PostgreSQL does; an md5 verifier counts only when password_encryption (the first
argument) is md5, else the password is stored again as SCRAM. Run on the host by the
postgresql role (tasks/databases.yml), with the passwords on stdin, never in arguments."""

import base64
import hashlib
import hmac
import json
import sys
import unicodedata

SCRAM = "SCRAM-SHA-256$"


def holds(name: str, password: str, verifier: str, md5_allowed: bool) -> bool:
    if verifier.startswith(SCRAM):
        params, keys = verifier[len(SCRAM):].split("$")
        iterations, salt = params.split(":")
        stored_key, server_key = keys.split(":")
        # SASLprep as far as it matters here: NFKC (a plain ASCII password is unchanged).
        salted = hashlib.pbkdf2_hmac("sha256", unicodedata.normalize("NFKC", password).encode(),
                                     base64.b64decode(salt), int(iterations))
        client = hmac.new(salted, b"Client Key", "sha256").digest()
        server = hmac.new(salted, b"Server Key", "sha256").digest()
        return (hmac.compare_digest(base64.b64encode(hashlib.sha256(client).digest()).decode(), stored_key)
                and hmac.compare_digest(base64.b64encode(server).decode(), server_key))
    if md5_allowed and verifier.startswith("md5"):
        digest = hashlib.md5((password + name).encode()).hexdigest()  # noqa: S324 - PostgreSQL's own md5 verifier
        return hmac.compare_digest("md5" + digest, verifier)
    return False


def main() -> None:
    md5_allowed = sys.argv[1:2] == ["md5"]
    for name, password, state in json.load(sys.stdin):
        if not state.startswith("exists ") or not holds(name, password, state[len("exists "):], md5_allowed):
            print(name)


main()
