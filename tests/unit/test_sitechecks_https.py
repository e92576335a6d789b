"""A site `http` entry against a real HTTPS server on this machine with a self-signed
certificate, requested by curl in a real check run (no SSH): verified by default (fails with
curl's reason), against the entry's `ca_file`, or not at all with `insecure`."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from envcheck.cli import cli
from tests.clirunner import crash


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"UP\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "server.crt", folder / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(url, the certificate) of a server on a free loopback port, stopped after the test."""
    cert, key = _self_signed(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/health", cert
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_https_verified_against_the_trust_store_a_ca_file_or_not_at_all(
        tmp_path: Path, https_server: tuple[str, Path]) -> None:
    url, cert = https_server
    entries = [{"id": "default", "type": "http", "url": url, "body": "UP", "title": {"en": "A", "zh": "甲"}},
               {"id": "own_ca", "type": "http", "url": url, "ca_file": str(cert), "title": {"en": "B", "zh": "乙"}},
               {"id": "insecure", "type": "http", "url": url, "insecure": True, "title": {"en": "C", "zh": "丙"}}]
    inv = tmp_path / "hosts.yml"
    inv.write_text(json.dumps({"all": {"hosts": {"localhost": {"ansible_connection": "local"}},
                                       "vars": {"site_checks": entries}}}))
    result = CliRunner().invoke(cli, ["check", "-i", str(inv), "-c", "site", "--format", "json",
                                      "--runs-dir", str(tmp_path / "runs")])
    assert crash(result) is None and result.exit_code == 1, result.output
    got = {r["check"]: r for r in json.loads(result.stdout)["results"]}
    assert got["site.default"]["status"] == "fail" and "certificate" in got["site.default"]["found"], got
    assert got["site.own_ca"]["status"] == "pass" and got["site.insecure"]["status"] == "pass", got
    assert got["site.own_ca"]["found"] == "HTTP 200"
