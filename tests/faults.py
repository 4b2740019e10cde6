"""Real services to break: a Redis server process of the test's own, and a TCP proxy in front of
this machine's PostgreSQL that the test cuts (connections refused), resets (every open
connection dropped, as a restart does) and restores.

The tests skip where the machine has no ``redis-server`` or no PostgreSQL on 127.0.0.1:5432,
unless ``XINBAO_REQUIRE_SERVICES=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis as redis_lib
from sqlalchemy import create_engine, text

PG_HOST, PG_PORT = "127.0.0.1", 5432


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require(condition: bool, why: str) -> None:
    if condition:
        return
    if os.environ.get("XINBAO_REQUIRE_SERVICES") == "1":
        pytest.fail(f"fault tests need {why}")
    pytest.skip(f"fault tests need {why}")


class RedisProcess:
    """``redis-server`` on a free port, started, killed and restarted by the test."""

    def __init__(self, data_dir: Path | None = None) -> None:
        """``data_dir``: keep an append-only file there, synced on every write (the README's
        production setting); without one the server keeps nothing on disk."""
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.data_dir = data_dir

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        persistence = (["--appendonly", "yes", "--appendfsync", "always",
                        "--dir", str(self.data_dir)] if self.data_dir else ["--appendonly", "no"])
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             *persistence], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis_lib.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis_lib.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        """As a crash: SIGKILL, nothing saved but what the append-only file holds."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def restart(self) -> None:
        self.kill()
        self.start()


class TcpProxy:
    """127.0.0.1:<port> → the target, with a switch: ``cut()`` drops every connection and
    refuses new ones; ``restore()`` accepts again; ``reset()`` is a restart (both)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._accepting = threading.Event()
        self._stopped = threading.Event()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._accepting.set()
        self._open_listener()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _open_listener(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self._listener = listener

    def _serve(self) -> None:
        while not self._stopped.is_set():
            listener = self._listener
            if listener is None or not self._accepting.is_set():
                time.sleep(0.02)
                continue
            try:
                client, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            try:
                upstream = socket.create_connection((PG_HOST, self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, client: socket.socket, upstream: socket.socket) -> None:
        sockets = [client, upstream]
        try:
            while True:
                readable, _, _ = select.select(sockets, [], [], 0.2)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)
        except (OSError, ValueError):  # ValueError: cut() closed a socket between two selects
            return
        finally:
            for sock in sockets:
                _close(sock)

    def cut(self) -> None:
        """The database is gone: open connections drop, new ones are refused."""
        self._accepting.clear()
        if self._listener is not None:
            _close(self._listener)
            self._listener = None
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for client, upstream in pairs:
            _close(client)
            _close(upstream)

    def restore(self) -> None:
        self._open_listener()
        self._accepting.set()

    def reset(self) -> None:
        """A restart: every pooled connection is now stale, new ones work."""
        self.cut()
        self.restore()

    def stop(self) -> None:
        self._stopped.set()
        self.cut()


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


@contextmanager
def private_database(name: str) -> Iterator[str]:
    """A database of the test's own on this machine's PostgreSQL, dropped afterwards."""
    admin = create_engine(f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/postgres",
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def services_available() -> None:
    require(shutil.which("redis-server") is not None, "redis-server on PATH")
    try:
        socket.create_connection((PG_HOST, PG_PORT), timeout=1).close()
        reachable = True
    except OSError:
        reachable = False
    require(reachable, f"PostgreSQL on {PG_HOST}:{PG_PORT}")
