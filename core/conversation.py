"""Conversations as explicit state machines, with their state in Redis.

A ``Flow`` names its states (a ``StrEnum``), and for each state a ``Step``: the prompt to show
and a function that takes the follower's answer and returns a ``Transition`` — stay with a
hint, go to the next state, or end. Cancel, help and back words work in every state. The state
is stored in Redis with a deadline; a message that arrives after the deadline finds the
conversation expired, and the follower is told (no in-process timers). The caller holds the
per-user lock (``user_lock``) while it reads and writes the state, so two messages of one
follower never interleave. Saving what the follower entered is the step function's job: it
writes to the database before it returns.

Nothing here knows Flask or WeChat; handlers adapt it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar

import redis

from core.redis_store import key

CANCEL_WORDS = frozenset({"取消", "退出", "算了", "不填了", "cancel", "quit", "q"})
HELP_WORDS = frozenset({"帮助", "help", "?", "？", "怎么填"})
BACK_WORDS = frozenset({"返回", "上一步", "back"})

# The state outlives its deadline by this much, so the expiry can still be noticed and told.
NOTICE_GRACE = timedelta(days=1)
USER_LOCK_SECONDS = 10
USER_LOCK_WAIT_SECONDS = 4

C = TypeVar("C")  # the caller's context type (the handlers' Ctx)


@dataclass(frozen=True)
class Stay:
    """The answer was not accepted: show ``hint`` and keep the state."""

    hint: str


@dataclass(frozen=True)
class Goto:
    state: StrEnum
    message: str = ""


@dataclass(frozen=True)
class End:
    """The conversation is over: answer ``message``, or ``reply`` (any handler Reply, e.g. a
    picture) when the last answer deserves more than text."""

    message: str = ""
    reply: object | None = None


Transition = Stay | Goto | End


@dataclass(frozen=True)
class Step(Generic[C]):
    """One state: ``prompt(ctx, data)`` asks; ``accept(answer, ctx, data)`` decides."""

    prompt: Callable[[C, dict[str, Any]], str]
    accept: Callable[[str, C, dict[str, Any]], Transition]


@dataclass(frozen=True)
class Flow(Generic[C]):
    name: str
    title: str  # shown to the follower: "企业资料"
    first: StrEnum
    steps: dict[StrEnum, Step[C]]

    def step(self, state: str) -> Step[C]:
        for candidate, step in self.steps.items():
            if candidate.value == state:
                return step
        raise KeyError(f"{self.name} has no state {state!r}")


@dataclass
class Conversation:
    flow: str
    state: str
    deadline: datetime
    data: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "flow": self.flow,
                "state": self.state,
                "deadline": self.deadline.isoformat(),
                "data": self.data,
                "history": self.history,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str) -> Conversation:
        loaded = json.loads(raw)
        return cls(
            flow=loaded["flow"],
            state=loaded["state"],
            deadline=datetime.fromisoformat(loaded["deadline"]),
            data=loaded.get("data", {}),
            history=loaded.get("history", []),
        )


class ConversationStore:
    def __init__(self, client: redis.Redis, timeout: timedelta) -> None:
        self.redis = client
        self.timeout = timeout

    def _key(self, openid: str) -> str:
        return key("conversation", openid)

    def load(self, openid: str) -> Conversation | None:
        raw = self.redis.get(self._key(openid))
        return Conversation.from_json(raw) if raw else None

    def save(self, openid: str, conversation: Conversation, now: datetime) -> None:
        conversation.deadline = now + self.timeout
        ttl = self.timeout + NOTICE_GRACE
        self.redis.set(self._key(openid), conversation.to_json(), ex=int(ttl.total_seconds()))

    def start(self, openid: str, flow: Flow, now: datetime,
              data: dict[str, Any] | None = None) -> Conversation:
        conversation = Conversation(flow.name, flow.first.value, now, dict(data or {}))
        self.save(openid, conversation, now)
        return conversation

    def clear(self, openid: str) -> None:
        self.redis.delete(self._key(openid))

    @contextmanager
    def user_lock(self, openid: str) -> Iterator[None]:
        """Serialise the messages of one follower across every process."""
        with self.redis.lock(
            key("lock", "user", openid),
            timeout=USER_LOCK_SECONDS,
            blocking_timeout=USER_LOCK_WAIT_SECONDS,
        ):
            yield


def classify_control_word(text: str) -> str | None:
    """'cancel', 'help' or 'back' when the text is one of the words that work everywhere."""
    word = text.strip().lower()
    if word in CANCEL_WORDS:
        return "cancel"
    if word in HELP_WORDS:
        return "help"
    if word in BACK_WORDS:
        return "back"
    return None
