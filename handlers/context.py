"""What every handler receives besides the message: ``handle(msg, ctx) -> Reply``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session
from wechatpy.messages import BaseMessage

from core.config import Settings
from core.conversation import Conversation, ConversationStore, Flow
from core.replies import Reply, Text, to_payload
from core.services import Services
from followers.models import Follower


def render(template: str, **data: Any) -> str:
    """Reply words live in templates/replies; handlers only pass data."""
    return current_app.jinja_env.get_template(f"replies/{template}").render(**data).strip()


@dataclass
class Ctx:
    msg: BaseMessage
    openid: str
    db: Session
    services: Services
    conversations: ConversationStore
    now: datetime
    conversation: Conversation | None = None
    match: re.Match[str] | None = None
    # Lines said before the reply, e.g. that an unfinished conversation has expired.
    notices: list[str] = field(default_factory=list)

    _follower: Follower | None = field(default=None, repr=False)

    @property
    def follower(self) -> Follower:
        """Loaded (or created) on first use: the common paths never touch the row."""
        if self._follower is None:
            from followers.subscriptions import get_or_create_follower

            self._follower = get_or_create_follower(self.db, self.openid)
        return self._follower

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def render(self, template: str, **data: Any) -> str:
        return render(template, **data)

    def text(self, template: str, **data: Any) -> Text:
        return Text(render(template, **data))

    def start(self, flow: Flow, data: dict[str, Any] | None = None) -> Text:
        """Begin a conversation and ask its first question."""
        self.conversation = self.conversations.start(self.openid, flow, self.now, data)
        return Text(flow.step(self.conversation.state).prompt(self, self.conversation.data))

    def enqueue(self, func: Callable[..., Any], *args: Any) -> None:
        """Hand slow work to a job; it must be idempotent."""
        self.services.jobs.enqueue(func, *args)

    def send_later(self, reply: Reply) -> None:
        """Deliver a reply as a customer-service message (or the template fallback)."""
        from wechat.delivery import deliver

        self.enqueue(deliver, self.openid, to_payload(reply))
