"""Safe defaults: without XINBAO_ENV the service is production (no emulator, no sandbox, no
development sign-in); development comes from `xinbao serve`, from the README's operator
commands on a fresh clone (database and Redis embedded), and from XINBAO_ENV=development."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from app import create_app
from core.config import ENV_OVERRIDES, ConfigError
from core.services import EXTENSION_KEY
from tests.test_config import production
from xinbao_cli import main
from xinbao_cli.common import LOCAL_NOTICE, local_development

DEVELOPMENT_PATHS = ("/emulator/_records", "/emulator/_stats", "/emulator/_stats/sns",
                     "/sandbox/")


@pytest.fixture
def fresh_clone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """No setting in the environment, as on a fresh clone; the embedded SQLite database is a
    temporary file (the real default is instance/xinbao.sqlite3). Returns its URL."""
    for variable in ENV_OVERRIDES:
        monkeypatch.delenv(variable, raising=False)
    url = f"sqlite:///{tmp_path / 'xinbao.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def _dispose(app: Flask) -> None:
    services = app.extensions[EXTENSION_KEY]
    services.jobs.drain()
    services.db.remove()
    services.db.engine.dispose()


def notices(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "xinbao.cli"]


def _run(*args: str, **kwargs: Any):
    return CliRunner().invoke(main, list(args), **kwargs)


def test_unset_xinbao_env_builds_a_production_app_without_emulator_or_sandbox(
        fresh_clone, monkeypatch):
    # What an operator exports for gunicorn "app:create_app()", without XINBAO_ENV (one
    # process on a SQLite file here, so that the test needs no server).
    for variable, value in production(DATABASE_URL=fresh_clone, REDIS_URL=None,
                                      XINBAO_SINGLE_PROCESS="1").items():
        monkeypatch.setenv(variable, value)
    app = create_app()
    try:
        assert app.extensions[EXTENSION_KEY].settings.env == "production"
        client = app.test_client()
        assert client.get("/healthz").status_code == 200  # the app itself works
        for path in DEVELOPMENT_PATHS:
            assert client.get(path).status_code == 404, path
        login = client.post("/emulator/_control/wx_login", json={"openid": "o-anyone"})
        assert login.status_code == 404
        assert client.get("/emulator/connect/oauth2/authorize",
                          query_string={"openid": "o-anyone"}).status_code == 404
        assert not [rule.rule for rule in app.url_map.iter_rules()
                    if rule.rule.startswith(("/emulator", "/sandbox"))]
    finally:
        _dispose(app)


def test_the_development_app_does_serve_them(client):
    """The other side of the test above: in development the same requests are answered."""
    assert client.post("/emulator/_control/wx_login", json={"openid": "o-dev"}).status_code == 200
    for path in DEVELOPMENT_PATHS:
        assert client.get(path).status_code == 200, path


def test_xinbao_serve_builds_a_development_app(fresh_clone, monkeypatch, caplog):
    served: dict[str, Any] = {}

    def run_simple(host, port, app, **options):  # instead of blocking in werkzeug's server
        served.update(host=host, port=port, app=app)

    monkeypatch.setattr("werkzeug.serving.run_simple", run_simple)
    result = _run("serve", "--port", "5999")
    assert result.exit_code == 0, result.output
    app = served["app"]
    try:
        settings = app.extensions[EXTENSION_KEY].settings
        assert settings.is_development
        assert settings.wechat.api_base_url == "http://127.0.0.1:5999/emulator/"
        client = app.test_client()
        for path in DEVELOPMENT_PATHS:
            assert client.get(path).status_code == 200, path
        assert "http://127.0.0.1:5999/sandbox/" in result.output
        assert not notices(caplog)  # serve is development by definition, nothing to say
    finally:
        _dispose(app)


def test_xinbao_serve_refuses_an_explicit_production(fresh_clone, monkeypatch):
    monkeypatch.setenv("XINBAO_ENV", "production")
    result = _run("serve")
    assert result.exit_code == 2
    assert "xinbao serve is the development server" in result.output
    assert "XINBAO_ENV is 'production'" in result.output


def test_the_readme_commands_work_on_a_fresh_clone(fresh_clone, live_server, caplog):
    """README: serve (migrations applied), then chat, buyers demo, buyers lookup — and the
    other local commands — with nothing in the environment."""
    upgraded = _run("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert notices(caplog) == [LOCAL_NOTICE]  # one line in the log, beside the storage line
    demo = _run("buyers", "demo", "--count", "2000")
    assert demo.exit_code == 0, demo.output
    assert "2,000 demo buyers written" in demo.output
    lookup = _run("buyers", "lookup", "GmbH")
    assert lookup.exit_code == 0, lookup.output
    assert "GmbH" in lookup.stdout
    for args in (("menu", "validate"), ("staff", "list"), ("qr", "list"), ("buyers", "imports")):
        result = _run(*args)
        assert result.exit_code == 0, (args, result.output)
    # chat signs with the development token, as `xinbao serve` (here the test app) expects.
    chat = _run("chat", "--url", live_server, "--openid", "o-fresh-clone", "--wait", "0",
                input="帮助\n/quit\n")
    assert chat.exit_code == 0, chat.output
    assert "信保> " in chat.output and "!! " not in chat.output


def test_a_command_pointed_at_real_services_is_production(fresh_clone, monkeypatch, caplog):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = _run("db", "upgrade")
    assert isinstance(result.exception, ConfigError)
    message = str(result.exception)
    assert "REDIS_URL is missing" in message and "WECHAT_APP_ID is missing" in message
    assert "set XINBAO_ENV=development" in message
    assert not notices(caplog)


@pytest.mark.parametrize(
    ("environ", "config", "expected"),
    [
        ({}, None, True),  # a fresh clone
        ({"DATABASE_URL": "sqlite:////tmp/x.sqlite3"}, None, True),
        ({"DATABASE_URL": "postgresql://db/xinbao"}, None, False),
        ({"REDIS_URL": "redis://cache:6379/0"}, None, False),  # e.g. `xinbao worker`
        ({"XINBAO_SINGLE_PROCESS": "1"}, None, False),
        ({"XINBAO_SINGLE_PROCESS": "0"}, None, True),
        ({"XINBAO_ENV": "production"}, None, False),
        ({"XINBAO_ENV": "development"}, None, False),  # chosen: no notice needed
        ({}, {"env": "production"}, False),
        ({}, {"database": {"url": "postgresql://db/xinbao"}}, False),
    ],
)
def test_which_commands_default_to_development(environ, config, expected):
    assert local_development(config, environ=environ) is expected
