"""Helpers shared by the commands: which environment a command runs in, and the app built
once, with an app context."""

from __future__ import annotations

import getpass
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import Flask

from core.config import Settings, configured, deep_merge, flag
from core.logs import configure_logging
from core.uow import Actor

DEVELOPMENT = {"env": "development"}
log = logging.getLogger("xinbao.cli")
LOCAL_NOTICE = ("development settings (XINBAO_ENV is not set; database and Redis are the "
                "embedded defaults); production needs XINBAO_ENV=production and its settings "
                "(README: Running in production)")


def local_development(config: Mapping[str, Any] | None = None,
                      environ: Mapping[str, str] | None = None) -> bool:
    """True for a command on a fresh clone: nobody chose an environment (no XINBAO_ENV, no env
    in ``config``, config.toml's default) and nothing points beyond this machine — the
    database is SQLite, Redis the in-process stand-in, XINBAO_SINGLE_PROCESS unset. Such a
    command touches only the embedded database, so it runs with the development defaults.
    Anything else (a DATABASE_URL for PostgreSQL, a REDIS_URL) stays production, the
    service's default, and needs production's settings."""
    environ = os.environ if environ is None else environ
    if environ.get("XINBAO_ENV") or (config or {}).get("env"):
        return False
    data = deep_merge(configured(environ), config or {})
    database_url = str(data["database"]["url"])
    return (data.get("env") == "production"
            and (not database_url or database_url.startswith("sqlite"))
            and not data["redis"]["url"]
            and not flag(Settings(data).raw_flag("XINBAO_SINGLE_PROCESS")))


def command_config(config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The mapping for ``create_app`` in an operator command: development on a fresh clone
    (said in one line of the log, beside the storage line), otherwise as configured."""
    if local_development(config):
        configure_logging()
        log.warning(LOCAL_NOTICE)
        return deep_merge(dict(config or {}), DEVELOPMENT)
    return dict(config or {})


@contextmanager
def app_context(config: dict[str, Any] | None = None) -> Iterator[Flask]:
    """The app for one command. Its connection pool is closed when the command ends, so a
    command run from a test or a script leaves no database connection open."""
    from app import create_app
    from core.services import EXTENSION_KEY

    app = create_app(command_config(config), warm=False)
    try:
        with app.app_context():
            yield app
    finally:
        services = app.extensions[EXTENSION_KEY]
        services.jobs.drain()
        services.db.remove()
        services.db.engine.dispose()


def cli_actor() -> Actor:
    """Who a command acts as, in the audit log: ``cli:<operating-system user>``."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        user = "unknown"
    return Actor(label=f"cli:{user}")
