"""The `xinbao` command is read by people: its output on stdout, plain warnings (only) on
stderr, more with -v; the service processes keep JSON lines. `xinbao chat` shows the menu and
taps a button by the name a follower sees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import requests

from core.config import ENV_OVERRIDES
from tests.test_cli_and_ops import development_server
from xinbao_cli.chat import menu_text, run_chat

REPO = Path(__file__).resolve().parent.parent


def xinbao(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """A command as an operator runs it on a fresh clone (nothing in the environment)."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_OVERRIDES}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    return subprocess.run([sys.executable, "-m", "xinbao_cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def is_json(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def test_a_command_prints_its_output_and_plain_warnings_only(tmp_path):
    upgraded = xinbao(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.startswith("database is up to date")

    found = xinbao(tmp_path, "buyers", "lookup", "Nobody Imaginary GmbH")
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines() == ["no data"]
    lines = found.stderr.splitlines()
    # The one thing worth saying on a fresh clone, in words; no storage line, no migrations.
    assert lines and all(line.startswith("warning: ") for line in lines), lines
    assert "development settings" in lines[0]
    assert not any(is_json(line) for line in lines + found.stdout.splitlines())


def test_verbose_says_what_the_command_did(tmp_path):
    assert xinbao(tmp_path, "db", "upgrade").returncode == 0
    verbose = xinbao(tmp_path, "-v", "buyers", "lookup", "Nobody Imaginary GmbH")
    assert verbose.returncode == 0, verbose.stderr
    assert "storage: SQLite file" in verbose.stderr
    assert not any(is_json(line) for line in verbose.stderr.splitlines())


def test_the_worker_logs_json_lines(tmp_path):
    # Without REDIS_URL it stops at once; what it logged before is a service's JSON.
    env = {k: v for k, v in os.environ.items() if k not in ENV_OVERRIDES}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'w.sqlite3'}", XINBAO_ENV="development")
    worker = subprocess.run([sys.executable, "-m", "xinbao_cli", "worker", "--burst"], cwd=REPO,
                            env=env, capture_output=True, text=True, timeout=120)
    assert worker.returncode != 0
    logged = [line for line in worker.stderr.splitlines() if line.startswith("{")]
    assert logged and all(is_json(line) for line in logged), worker.stderr


def chat(live_server: str, openid: str, *lines: str) -> str:
    written: list[str] = []

    class Out:
        write = written.append

        def flush(self) -> None:
            pass

    run_chat(iter(lines), live_server, openid, Out(), wait=0.5)
    return "".join(written)


def test_chat_shows_the_menu_with_names_and_keys(live_server):
    shown = chat(live_server, "o-chat-menu", "/menu")
    assert shown == menu_text() + "\n"
    assert "查买家 › 资信红绿灯" in shown and "/click 资信红绿灯" in shown
    assert "key LIGHT_LOOKUP" in shown
    assert "个性化菜单 · 已绑定企业" in shown and "bound" not in shown


def test_click_takes_the_name_on_the_button_or_its_key(live_server, wechat):
    by_name = chat(live_server, "o-chat-click", "/click 资信红绿灯")
    assert "请发送境外买方的名称" in by_name, by_name
    assert "（无回复）" not in by_name
    by_key = chat(live_server, "o-chat-click-key", "/click LIGHT_LOOKUP")
    assert "请发送境外买方的名称" in by_key
    helped = chat(live_server, "o-chat-click-help", "/click 帮助")
    assert "信保> " in helped and "（无回复）" not in helped


def test_click_on_a_button_that_does_not_exist_says_so_and_sends_nothing(live_server, emulator):
    said = chat(live_server, "o-chat-nothing", "/click 不存在的按钮")
    assert "菜单里没有「不存在的按钮」按钮" in said and "/menu" in said
    assert "信保> " not in said


def test_serve_logs_what_people_do_not_what_the_sandbox_waits_for(tmp_path):
    with development_server(tmp_path) as (url, _env, log):
        for _ in range(3):
            requests.get(f"{url}/emulator/_records", params={"touser": "o-x", "wait": 0},
                         timeout=5)
        requests.get(f"{url}/sandbox/", timeout=5)
    logged = log[0]
    assert '"GET /sandbox/" 200' in logged
    assert "/emulator/_records" not in logged
    assert "o-x" not in logged  # no query strings
    assert not any(is_json(line) for line in logged.splitlines())
