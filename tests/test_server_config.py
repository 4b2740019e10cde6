"""gunicorn reads the checkout's gunicorn.conf.py (the README's production command runs in the
checkout): its web processes hand the interpreter between threads every millisecond, which
keeps the webhook's latency at half load down (docs/hot-path.md). Checked through a real
gunicorn, started as production starts it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parent.parent


def switch_interval_app(environ: dict[str, Any],
                        start_response: Callable[..., Any]) -> Iterable[bytes]:
    """What a gunicorn worker's interpreter is set to (served by the test below)."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [repr(sys.getswitchinterval()).encode()]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_run_in_the_checkout_switches_threads_every_millisecond():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "2",
         "-b", f"127.0.0.1:{port}", "tests.test_server_config:switch_interval_app"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        answer = None
        deadline = time.monotonic() + 30
        while answer is None and time.monotonic() < deadline:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/", timeout=2).text
            except requests.ConnectionError:
                time.sleep(0.2)
        assert answer is not None, "gunicorn did not answer"
        assert float(answer) == 0.001  # Python's default is 0.005
    finally:
        server.terminate()
        server.wait(timeout=10)
