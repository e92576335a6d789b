"""The site lab's "partner": an HTTPS service in a network namespace of its own on the lab's LAN,
with its own CA, known to the hosts as PARTNER_NAME through their /etc/hosts. Its certificate
can be issued again to expire in N days or for another name, and the service stopped."""

from __future__ import annotations

import datetime
import ipaddress
import shlex
import sys
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.lab.host import alive, daemon, kill_pidfile, netns_exists, read_pid, sh
from tests.lab.lab import Lab

PARTNER_NAME = "pay.partner.lab"
PORT = 8443
PROXY_PORT = 3128  # an outbound HTTP proxy (CONNECT) beside the partner, for hosts told to use one
CA_ON_HOSTS = "/usr/local/share/envcheck-lab/partner-ca.crt"
SERVER = Path(__file__).with_name("partner_server.py")
PROXY = Path(__file__).with_name("partner_proxy.py")
_HOSTS_MARK = "# envcheck-lab partner"


def netns(lab: Lab) -> str:
    return f"{lab.cfg.prefix}partner"


def address(lab: Lab) -> str:
    return str(ipaddress.ip_network(lab.cfg.subnet)[200])


def _dir(lab: Lab) -> Path:
    path = lab.cfg.run_dir / "partner"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ca(folder: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert_file, key_file = folder / "ca.crt", folder / "ca.key"
    if cert_file.exists():
        key = serialization.load_pem_private_key(key_file.read_bytes(), None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return x509.load_pem_x509_certificate(cert_file.read_bytes()), key
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    ca_name = _name("envcheck lab partner CA")
    cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def issue(lab: Lab, days: int = 365, name: str = PARTNER_NAME) -> None:
    """A new server certificate from the partner's CA, valid `days` from now, for `name`; the
    service (when running) is restarted with it."""
    folder = _dir(lab)
    ca, ca_key = _ca(folder)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    (folder / "server.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    (folder / "server.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if (folder / "server.pid").exists():
        stop(lab)
        start(lab)


def start(lab: Lab) -> None:
    """The service and the proxy beside it, those not running; returns once both answer."""
    folder = _dir(lab)
    ns, hub = netns(lab), lab.cfg.hub_netns
    if not netns_exists(ns):
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", hub, "link", "del", "vpartner", check=False)
        sh("ip", "-n", hub, "link", "add", "vpartner", "type", "veth", "peer", "name", "eth0", "netns", ns)
        sh("ip", "-n", hub, "link", "set", "vpartner", "master", "br0", "up")
        sh("ip", "-n", ns, "addr", "add", f"{address(lab)}/{lab.cfg.prefixlen}", "dev", "eth0")
        sh("ip", "-n", ns, "link", "set", "eth0", "up")
    if not alive(read_pid(folder / "server.pid")):
        daemon(folder / "server.pid", ["nsenter", f"--net=/run/netns/{ns}", sys.executable, str(SERVER),
                                       address(lab), str(PORT), str(folder / "server.crt"),
                                       str(folder / "server.key")])
    if not alive(read_pid(folder / "proxy.pid")):
        daemon(folder / "proxy.pid", ["nsenter", f"--net=/run/netns/{ns}", sys.executable, str(PROXY),
                                      address(lab), str(PROXY_PORT), f"{PARTNER_NAME}={address(lab)}"])
    for port in (PORT, PROXY_PORT):
        deadline = time.monotonic() + 10
        while sh("ip", "netns", "exec", ns, "bash", "-c", f"exec 3<>/dev/tcp/{address(lab)}/{port}",
                 check=False).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the partner's port {port} does not answer")
            time.sleep(0.1)


def stop(lab: Lab) -> None:
    kill_pidfile(_dir(lab) / "server.pid")


def up(lab: Lab) -> None:
    """CA, certificate, service, the name in every host's /etc/hosts and the CA on every host."""
    folder = _dir(lab)
    if not (folder / "server.crt").exists():
        issue(lab)
    start(lab)  # what is not running (the service, its proxy)
    ca = (folder / "ca.crt").read_text()
    line = f"{address(lab)} {PARTNER_NAME} {_HOSTS_MARK}"
    for h in lab.hosts:
        command = (f"mkdir -p {shlex.quote(str(Path(CA_ON_HOSTS).parent))} && cat > {shlex.quote(CA_ON_HOSTS)} && "
                   f"sed -i '/{_HOSTS_MARK}$/d' /etc/hosts && echo {shlex.quote(line)} >> /etc/hosts")
        result = lab.ssh(h.name, command, input=ca)
        if result.returncode != 0:
            raise RuntimeError(f"{h.name}: partner set-up failed: {result.stderr}")


def proxy_url(lab: Lab, port: int = PROXY_PORT) -> str:
    return f"http://{address(lab)}:{port}"


def down(lab: Lab) -> None:
    stop(lab)
    kill_pidfile(_dir(lab) / "proxy.pid")
    sh("ip", "netns", "del", netns(lab), check=False)  # takes its veth pair along
