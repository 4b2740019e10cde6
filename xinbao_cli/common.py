"""Helpers shared by the commands: build the app once, with an app context."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask


@contextmanager
def app_context(config: dict[str, Any] | None = None) -> Iterator[Flask]:
    """The app for one command. Its connection pool is closed when the command ends, so a
    command run from a test or a script leaves no database connection open."""
    from app import create_app
    from core.services import EXTENSION_KEY

    app = create_app(config)
    try:
        with app.app_context():
            yield app
    finally:
        services = app.extensions[EXTENSION_KEY]
        services.jobs.drain()
        services.db.remove()
        services.db.engine.dispose()
