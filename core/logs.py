"""Logs: JSON lines for the service, plain sentences for a person at a terminal.

The web process (``create_app`` under gunicorn) and ``xinbao worker`` write one JSON object a
line (``JsonFormatter``), for a log collector. An operator's command (``xinbao buyers ...``,
``xinbao db upgrade``) is read by a person: ``configure_cli_logging`` writes plain lines to
stderr ("warning: ..."), warnings only unless ``-v``, so that stdout is the command's output.
Either way openids are hashed, and no payloads or signatures are logged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_OURS = "_xinbao_handler"  # marks the handler we installed on the root logger


def hash_openid(openid: str | None) -> str:
    """A stable, non-reversible handle for logs (never log the openid itself)."""
    if not openid:
        return "-"
    return hashlib.sha256(openid.encode()).hexdigest()[:12]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(
            {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}
        )
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """"warning: the message" — the level in words, nothing a person has to skip over.
    Below a warning the line is the message alone (``-v`` asked for it)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            message = f"{record.levelname.lower()}: {message}"
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        return message


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a line is logged (a test's runner swaps it)."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def _install(handler: logging.Handler, level: int) -> None:
    root = logging.getLogger()
    for existing in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(existing)
    setattr(handler, _OURS, True)
    root.addHandler(handler)
    root.setLevel(level)


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines for the service; kept as it is when a command already chose its logging."""
    if any(getattr(h, _OURS, False) for h in logging.getLogger().handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    _install(handler, level)


def configure_cli_logging(verbosity: int = 0) -> None:
    """Plain lines on stderr for an operator's command: warnings only; ``-v`` adds what it
    did (info), ``-vv`` everything (debug)."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = _CurrentStderr()
    handler.setFormatter(PlainFormatter())
    # On the handler too: a library that sets its own logger's level (werkzeug's request
    # lines are INFO) would otherwise pass the root's level.
    handler.setLevel(level)
    _install(handler, level)


def configure_service_logging(level: int = logging.INFO) -> None:
    """JSON lines, replacing a command's plain logging (``xinbao worker`` is a service)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    _install(handler, level)
