"""What every handler receives besides the message: ``handle(msg, ctx) -> Reply``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy.orm import Session
from wechatpy.messages import BaseMessage

from core.config import Settings
from core.conversation import Flow, Input
from core.intents import Understood
from core.replies import Reply, Text
from core.services import Services
from core.uow import Actor, UnitOfWork
from followers.models import Follower
from identity.links import sign_link

if TYPE_CHECKING:
    from handlers.conversations import Conversations


Handler = Callable[[BaseMessage, "Ctx"], Reply]


def render(template: str, **data: Any) -> str:
    """Reply words live in templates/replies; handlers only pass data."""
    return current_app.jinja_env.get_template(f"replies/{template}").render(**data).strip()


@dataclass
class Ctx:
    msg: BaseMessage
    input: Input
    openid: str
    db: Session
    services: Services
    now: datetime
    conversations: Conversations
    # What the message asks for (None: nothing the router knows, or a conversation's answer).
    understood: Understood | None = None
    # Lines said before the reply, e.g. that a form was kept as a draft.
    notices: list[str] = field(default_factory=list)
    # Answers as the intent's handler would (set by the dispatcher): what a knowledge-base
    # ranking or a numbered choice found is served by the service that owns it.
    route: Callable[[Understood], Reply] | None = field(default=None, repr=False)
    _uow: UnitOfWork | None = field(default=None, repr=False)
    _follower: Follower | None = field(default=None, repr=False)

    @property
    def argument(self) -> str | None:
        """What the follower named after the command: the buyer in "查询 ACME GmbH"."""
        return self.understood.argument if self.understood else None

    @property
    def uow(self) -> UnitOfWork:
        """The unit of work for use cases; the dispatcher commits it after the reply is made."""
        if self._uow is None:
            self._uow = UnitOfWork(session=self.db, now=self.now,
                                   actor=Actor(label=f"wechat:{self.openid}"),
                                   settings=self.services.settings,
                                   redis=self.services.redis.text)
        return self._uow

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

    def start(self, flow: Flow, draft: Any = None, at: Any = None) -> Reply:
        """Begin a conversation (at its first state, or ``at``) and ask its question."""
        return self.conversations.start(self, flow, draft, at)

    def page_url(self, path: str) -> str:
        """A link for the bot to send that opens the H5 page ``path`` as this follower for a
        few minutes (``[identity] h5_link_seconds``); once it has expired, the sign-in page
        offers to sign in through WeChat and go on to ``path``."""
        from api.settings import identity_settings

        link = sign_link(self.settings.secret_key, self.settings.public_url, self.openid, path,
                         now=self.now, lifetime=identity_settings().h5_link_lifetime)
        return f"{link}&{urlencode({'next': path})}"

    def enqueue(self, func: Callable[..., Any], *args: Any) -> None:
        """Hand slow work to a job, after the commit; it must be idempotent."""
        self.uow.outbox.later(func, *args)

    def send_later(self, reply: Reply) -> None:
        """Deliver a reply as a customer-service message (or the template fallback)."""
        self.uow.outbox.send(self.openid, reply)
