"""Helpers shared by the commands: build the app once, with an app context."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask


@contextmanager
def app_context(config: dict[str, Any] | None = None) -> Iterator[Flask]:
    from app import create_app

    app = create_app(config)
    with app.app_context():
        yield app
