"""Chat handlers: ``handle(msg, ctx) -> Reply``, one per intent, gathered from the services.

Each service's manifest (``core.features``) names its chat modules; a chat module exposes
``HANDLERS`` (intent name -> handler) and optionally ``EVENTS`` (WeChat event -> handler),
``FALLBACKS`` (message type -> handler), ``DEFAULT``, ``FLOWS``, ``HOLDS`` (functions that may
take a message before any conversation or intent: an open hand-off to a person, a numbered
question), ``PREFETCH`` (functions openid -> a Redis key the module reads on most messages:
fetched with the webhook's first round trip, ``wechat.intake``) and ``REFINE`` (one per app: a
second reading of what the router understood). The
order in which a message finds its handler is fixed in ``handlers.dispatch`` and does not
depend on the order of the services or of their modules.

At start the router checks every declared word and example (``IntentRouter.check``) and every
intent must have exactly one handler: an ambiguous or incomplete declaration stops the app.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from importlib import import_module
from typing import Any

from core.conversation import CONTROL_INTENTS, Flow
from core.features import Feature
from core.intents import AmbiguousIntents, Intent, IntentRouter
from core.locks import FollowerLocks
from core.services import Services
from handlers.context import Handler
from handlers.conversations import Conversations
from handlers.dispatch import Dispatcher, Hold, Refine
from menus.definition import KNOWN_KEYS


class ChatTable:
    """Everything the services' chat modules declare, checked for clashes as it is gathered."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.events: dict[str, Handler] = {}
        self.fallbacks: dict[str, Handler] = {}
        self.flows: dict[str, Flow] = {}
        self.default: Handler | None = None
        self.holds: list[Hold] = []
        self.prefetch: list[Callable[[str], str]] = []
        self.refine: Refine | None = None

    def add(self, module: Any) -> None:
        name = module.__name__
        _merge(self.handlers, getattr(module, "HANDLERS", {}), f"{name}: intent")
        _merge(self.events, getattr(module, "EVENTS", {}), f"{name}: event")
        _merge(self.fallbacks, getattr(module, "FALLBACKS", {}), f"{name}: fallback")
        _merge(self.flows, {flow.name: flow for flow in getattr(module, "FLOWS", [])},
               f"{name}: conversation")
        self.holds += list(getattr(module, "HOLDS", ()))
        self.prefetch += list(getattr(module, "PREFETCH", ()))
        if getattr(module, "REFINE", None) is not None:
            if self.refine is not None:
                raise ValueError(f"{name}: a second REFINE")
            self.refine = module.REFINE
        if getattr(module, "DEFAULT", None) is not None:
            if self.default is not None:
                raise ValueError(f"{name}: a second DEFAULT handler")
            self.default = module.DEFAULT


def _merge(table: dict[str, Any], more: dict[str, Any], what: str) -> None:
    for key, value in more.items():
        if key in table:
            raise ValueError(f"{what} {key!r} is handled twice")
        table[key] = value


def build_router(features: tuple[Feature, ...]) -> IntentRouter:
    intents: list[Intent] = [*CONTROL_INTENTS]
    for feature in features:
        intents += feature.intents
    router = IntentRouter(intents)
    router.require_consistent(KNOWN_KEYS)
    return router


def build_dispatcher(features: tuple[Feature, ...], services: Services) -> Dispatcher:
    router = build_router(features)
    table = ChatTable()
    for feature in features:
        for module_name in feature.chat:
            table.add(import_module(module_name))
    missing = sorted(set(router.by_name) - set(table.handlers))
    unknown = sorted(set(table.handlers) - set(router.by_name))
    if missing or unknown:
        raise AmbiguousIntents([f"intent {name} has no handler" for name in missing]
                               + [f"a handler for {name}, which no service declares"
                                  for name in unknown])
    if table.default is None:
        raise ValueError("no chat module declares the DEFAULT handler")
    timeout = int(services.settings.section("conversation")["timeout_seconds"])
    conversations = Conversations(table.flows, router, services.redis.text,
                                  timedelta(seconds=timeout))
    return Dispatcher(router, table.handlers, table.events, table.fallbacks, table.default,
                      conversations, FollowerLocks(services.redis.text), holds=table.holds,
                      refine=table.refine, prefetch=table.prefetch)
