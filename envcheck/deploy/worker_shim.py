"""Runs on a zone's worker host (envcheck.deploy.stream sends it as `python -c`), under the
worker's venv: `ansible-runner worker` fed with the transmit stream read from stdin, its result
stream going straight to stdout (the controller's `process`).

    python -c SHIM JOB_DIR MARK

It then keeps reading stdin: the controller never closes it while the job runs, so an end of
stdin means the controller is gone (its SSH connection was cut) or canceled the run. Either way,
and when the job ends by itself, every process carrying ENVCHECK_WORKER_JOB=MARK in its
environment (ansible-runner, ansible-playbook and its forks, the SSH masters they leave) is
ended, and JOB_DIR (the job's files: inventory, keys, extra variables) removed. Standard library
only: it runs before anything of envcheck exists on the worker."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import IO

MARK_VARIABLE = "ENVCHECK_WORKER_JOB"


def marked(mark: bytes) -> list[int]:
    found: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                if mark in fh.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def end_marked(mark: bytes) -> None:
    for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 3.0)):
        pids = marked(mark)
        for pid in pids:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        deadline = time.monotonic() + wait
        while pids and time.monotonic() < deadline:
            time.sleep(0.1)
            pids = marked(mark)
        if not pids:
            return


def feed(source: IO[bytes], sink: IO[bytes]) -> bool:
    """Copy the transmit stream (JSON lines, each `zipfile` line followed by that many bytes,
    base64-encoded) up to its eof line; False when stdin ended before it."""
    while True:
        line = source.readline()
        if not line:
            return False
        sink.write(line)
        data = json.loads(line)
        left = 4 * ((int(data.get("zipfile") or 0) + 2) // 3)
        while left > 0:
            chunk = source.read(min(left, 65536))
            if not chunk:
                return False
            sink.write(chunk)
            left -= len(chunk)
        if data.get("eof"):
            sink.flush()
            return True


def main() -> int:
    job, mark = sys.argv[1], sys.argv[2]
    token = f"{MARK_VARIABLE}={mark}".encode()
    bindir = os.path.dirname(sys.executable)
    env = dict(os.environ, PATH=os.pathsep.join((bindir, os.environ.get("PATH", "/usr/bin:/bin"))))
    env[MARK_VARIABLE] = mark
    os.makedirs(job, mode=0o700)
    stdin = sys.stdin.buffer
    worker = subprocess.Popen([os.path.join(bindir, "ansible-runner"), "worker", "--private-data-dir", job],
                              stdin=subprocess.PIPE, env=env, start_new_session=True)
    gone = threading.Event()
    try:
        try:
            assert worker.stdin is not None
            complete = feed(stdin, worker.stdin)
            worker.stdin.close()
        except (OSError, ValueError):
            complete = False
        if complete:
            def watch() -> None:
                # os.read, not the buffered stdin: a thread blocked there holds no lock at exit
                while os.read(stdin.fileno(), 65536):
                    pass  # returns at the end of stdin only
                gone.set()
            threading.Thread(target=watch, daemon=True).start()
            while worker.poll() is None and not gone.is_set():
                time.sleep(0.2)
        rc = worker.poll()
    finally:
        end_marked(token)
        try:
            worker.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        shutil.rmtree(job, ignore_errors=True)
    return 0 if rc is None else rc


if __name__ == "__main__":
    sys.exit(main())
