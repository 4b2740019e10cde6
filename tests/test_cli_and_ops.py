"""The console command, health and logs: what an operator touches."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from click.testing import CliRunner

from core.config import ENV_OVERRIDES
from tests.conftest import free_port
from xinbao_cli import main

from helpers import route_help_to

REPO = Path(__file__).resolve().parent.parent


def _wait_healthy(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            if requests.get(f"{url}/healthz", timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError("xinbao serve did not become healthy")


@contextmanager
def development_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], list[str]]]:
    """`xinbao serve` on a fresh clone (no setting in the environment; serve and chat choose
    development): its URL, its environment, and its log once it has stopped."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ENV_OVERRIDES}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    server = subprocess.Popen([sys.executable, "-m", "xinbao_cli", "serve", "--port", str(port)],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    logged: list[str] = []
    try:
        _wait_healthy(url, server)
        yield url, env, logged
    finally:
        server.terminate()
        logged.append(server.communicate(timeout=10)[1])


def test_serve_then_chat_from_the_terminal(tmp_path):
    with development_server(tmp_path) as (url, env, _logged):
        chat = subprocess.run(
            [sys.executable, "-m", "xinbao_cli", "chat", "--url", url, "--openid", "o-terminal",
             "--wait", "0.3"],
            input="/subscribe fair-2026\n帮助\n/click HELP\n完善资料\n取消\n/quit\n",
            capture_output=True, text=True, cwd=REPO, env=env, timeout=60,
        )
    assert chat.returncode == 0, chat.stderr
    out = chat.stdout
    assert "欢迎关注" in out
    assert out.count("回复「完善资料」") >= 2  # 帮助 and the HELP button
    assert "请回复您的企业名称" in out and "已退出「企业资料」" in out


def test_db_upgrade_creates_the_schema(tmp_path, monkeypatch):
    for variable in ("XINBAO_ENV", "REDIS_URL"):  # a local SQLite database: development
        monkeypatch.delenv(variable, raising=False)
    database = tmp_path / "fresh.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output and database.exists()


def test_worker_explains_that_it_needs_redis(monkeypatch, tmp_path):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'w.sqlite3'}")
    result = CliRunner().invoke(main, ["worker", "--burst"])
    assert result.exit_code != 0 and "needs REDIS_URL" in result.output


def test_a_bad_setting_stops_the_command_with_its_name(monkeypatch):
    monkeypatch.setenv("WECHAT_ENCRYPT_MODE", "secret")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code != 0
    assert "encrypt_mode must be one of" in str(result.exception)


def test_healthz_reports_database_redis_and_queue(client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["database"] == "ok" and body["redis"] == "ok" and body["queue"].startswith("ok")


def test_logs_hash_openids_and_never_carry_payloads(wechat, app, caplog, monkeypatch):
    def broken(msg, ctx):
        raise RuntimeError("boom")

    word = route_help_to(app, monkeypatch, broken)
    secret_openid, secret_text = "o-private-7f3a9c", word
    with caplog.at_level(logging.DEBUG):
        wechat.say(secret_openid, secret_text)
        wechat.post(wechat.sim.text(secret_openid, "x"), token="forged")
    assert caplog.records, "the failure must be logged"
    from core.logs import JsonFormatter, hash_openid

    formatted = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert secret_openid not in formatted
    assert hash_openid(secret_openid) in formatted
    assert "signature" not in formatted.lower() or "bad signature" in formatted
    for line in formatted.splitlines():
        if line.startswith("{"):
            json.loads(line)
