"""The service container the factory builds: one per app, reached through ``current()``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import current_app

from core.config import Settings
from core.db import Database
from core.jobs import Jobs
from core.redis_store import RedisConnections

if TYPE_CHECKING:
    from wechat.client import OutboundClient

EXTENSION_KEY = "xinbao"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    db: Database
    redis: RedisConnections
    jobs: Jobs
    wechat: OutboundClient
    clock: Callable[[], datetime] = field(default=utc_now)


def current() -> Services:
    return current_app.extensions[EXTENSION_KEY]
