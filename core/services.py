"""The service container the factory builds: one per app, reached through ``current()``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from flask import current_app

from core.config import Settings
from core.db import Database
from core.jobs import Jobs
from core.redis_store import RedisConnections

EXTENSION_KEY = "xinbao"


class OutboundWeChat(Protocol):
    """What the rest of the project calls of WeChat (``wechat.client.OutboundClient`` is it)."""

    api: Any  # wechatpy's WeChatClient, for every other call

    def send_text(self, openid: str, text: str) -> None: ...

    def send_image(self, openid: str, media_id: str) -> None: ...

    def send_news(self, openid: str, article: dict[str, str]) -> None: ...

    def send_template(self, openid: str, template_id: str, data: dict[str, Any],
                      url: str | None = None) -> None: ...

    def upload_image(self, filename: str, content: bytes) -> str: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    db: Database
    redis: RedisConnections
    jobs: Jobs
    wechat: OutboundWeChat
    clock: Callable[[], datetime] = field(default=utc_now)


def current() -> Services:
    return current_app.extensions[EXTENSION_KEY]
