"""`envcheck serve` as a real process auditing this machine (no SSH): its answers, its user
errors (exit 2, in the command's language) and its clean stop on SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from envcheck.commands.serve import RULES
from envcheck.i18n import t
from tests.lab.dbservers import free_port
from tests.lab.prom import http_get

ENVCHECK = str(Path(sys.executable).parent / "envcheck")


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ENVCHECK, "serve", *args], capture_output=True, text=True, timeout=60, cwd=cwd)


def test_serves_metrics_and_health_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen([ENVCHECK, "serve", "-c", "time", "--listen", f"127.0.0.1:{port}", "--lang", "zh",
                             "--runs-dir", str(tmp_path / "runs")], stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    assert proc.stderr is not None
    assert f"http://127.0.0.1:{port}/metrics" in proc.stderr.readline()
    code, text = http_get(f"http://127.0.0.1:{port}/metrics")
    assert code == 200 and 'check="time.timezone"' in text and "# HELP envcheck_audit_ready 最近一次检查" in text
    code, text = http_get(f"http://127.0.0.1:{port}/healthz")
    assert code == 503 and text.startswith(t("verdict.not_ready", "zh")), text  # -c time: a partial run
    assert "envcheck_serve_audits_total 1" in http_get(f"http://127.0.0.1:{port}/metrics")[1]  # one audit so far
    code, text = http_get(f"http://127.0.0.1:{port}/other")
    assert code == 404 and "/metrics" in text and "未找到" in text
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "已停止" in err and "Traceback" not in err, err


def test_a_port_in_use_is_bad_input(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        done = _run("-c", "time", "--listen", address, cwd=tmp_path)
    assert done.returncode == 2 and f"--listen {address}: the port is already in use" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_listen_address_or_inventory_is_refused_before_listening(tmp_path: Path) -> None:
    done = _run("--listen", "localhost", "--lang", "zh", cwd=tmp_path)
    assert done.returncode == 2 and "--listen 'localhost'" in done.stderr and "错误" in done.stderr, done.stderr
    done = _run("-i", str(tmp_path / "missing.yml"), "--listen", f"127.0.0.1:{free_port()}", cwd=tmp_path)
    assert done.returncode == 2 and "missing.yml" in done.stderr and "Serving" not in done.stderr, done.stderr
    done = _run("-c", "no.such_check", cwd=tmp_path)
    assert done.returncode == 2 and "no.such_check" in done.stderr


def test_a_malformed_site_check_or_waiver_in_the_inventory_is_refused_before_listening(tmp_path: Path) -> None:
    """As `check` refuses them before any host is contacted (it once served 503s instead)."""
    inv = tmp_path / "hosts.yml"
    bad_site = "site_checks: [{id: disk, type: mount, path: data, title: {en: Disk, zh: 磁盘}}]"
    bad_waiver = "envcheck_waivers: [{check: time.timezone}]"
    for variables in (bad_site, bad_waiver):
        inv.write_text("all:\n  hosts:\n    localhost: {ansible_connection: local}\n  vars:\n    "
                       + variables.replace("\n", "\n    ") + "\n")
        done = _run("-i", str(inv), "--listen", f"127.0.0.1:{free_port()}", cwd=tmp_path)
        assert done.returncode == 2 and "Serving" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    done = _run("-i", str(inv), "--listen", f"127.0.0.1:{free_port()}", cwd=tmp_path)
    assert "envcheck_waivers" in done.stderr, done.stderr
    inv.write_text("all:\n  hosts:\n    localhost: {ansible_connection: local}\n  vars:\n    " + bad_site + "\n")
    done = _run("-i", str(inv), "--listen", f"127.0.0.1:{free_port()}", cwd=tmp_path)
    assert "site_checks[1] (disk), field path: 'data' is not an absolute path" in done.stderr, done.stderr


def test_print_rules_gives_the_shipped_file(tmp_path: Path) -> None:
    done = _run("--print-rules", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == RULES.read_text(encoding="utf-8")


def _ssh_to(port: int) -> list[str]:
    """The ssh processes of this machine that target `port` (scoped to the test's own port)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"ssh") and str(port).encode() in argv:
            found.append(proc.name)
    return found


def test_a_hung_host_an_inventory_turned_bad_and_a_stop_during_an_audit(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts (the kernel does) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        hung = silent.getsockname()[1]
        inventory = tmp_path / "hosts.yml"
        inventory.write_text(f"all:\n  hosts:\n    hung:\n      ansible_host: 127.0.0.1\n      ansible_port: {hung}\n")
        port = free_port()
        proc = subprocess.Popen([ENVCHECK, "serve", "-i", str(inventory), "--listen", f"127.0.0.1:{port}",
                                 "--interval", "1", "--timeout", "2", "--runs-dir", str(tmp_path / "runs")],
                                stderr=subprocess.PIPE, text=True, cwd=tmp_path)
        assert proc.stderr is not None and "Serving" in proc.stderr.readline()
        code, text = http_get(f"http://127.0.0.1:{port}/metrics")
        assert code == 200 and 'envcheck_host_up{host="hung"} 0' in text and "envcheck_serve_audit_ok 1" in text
        inventory.write_text("all: [\n")  # edited into something unreadable: the next audit cannot run
        time.sleep(1)  # past --interval, so that the next scrape audits again
        code, text = http_get(f"http://127.0.0.1:{port}/healthz")
        assert code == 503 and "The audit could not run" in text and "hosts.yml" in text, text
        assert "envcheck_serve_audit_ok 0" in http_get(f"http://127.0.0.1:{port}/metrics")[1]
        inventory.write_text(f"all:\n  hosts:\n    hung:\n      ansible_host: 127.0.0.1\n      ansible_port: {hung}\n")
        time.sleep(1)
        waiting = threading.Thread(target=http_get, args=(f"http://127.0.0.1:{port}/metrics",))
        waiting.start()  # an audit under way, its host hung
        deadline = time.monotonic() + 60
        while not _ssh_to(hung) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _ssh_to(hung), "the audit's ssh session never started"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        waiting.join()
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert not _ssh_to(hung)  # the audit's session ended with it


def test_vars_files_removed_or_added_while_serving_are_read_as_they_are_now(tmp_path: Path) -> None:
    """An engineer moves a site check from group_vars to host_vars while the exporter runs: the
    deleted file failed every later audit ("Unable to retrieve file contents"), and the new
    folder was never read (ansible-core kept what it had found for the life of the process)."""
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text(
        "site_checks: [{id: a, type: file, path: /, title: {en: A, zh: 甲}}]\n")
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all:\n  hosts:\n    localhost: {ansible_connection: local}\n")
    port = free_port()
    proc = subprocess.Popen([ENVCHECK, "serve", "-i", str(inventory), "-c", "site", "--listen", f"127.0.0.1:{port}",
                             "--interval", "1", "--runs-dir", str(tmp_path / "runs")],
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert proc.stderr is not None and "Serving" in proc.stderr.readline()
        assert 'check="site.a",status="pass"' in http_get(f"http://127.0.0.1:{port}/metrics")[1]
        (tmp_path / "group_vars" / "all.yml").unlink()
        (tmp_path / "host_vars").mkdir()
        (tmp_path / "host_vars" / "localhost.yml").write_text(
            "site_checks: [{id: b, type: file, path: /no/such/file, title: {en: B, zh: 乙}}]\n")
        time.sleep(1.1)  # past --interval: the next scrape audits again
        code, text = http_get(f"http://127.0.0.1:{port}/metrics")
        assert code == 200 and "envcheck_serve_audit_ok 1" in text, text
        assert 'check="site.b",status="fail"' in text and 'check="site.a"' not in text, text
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
