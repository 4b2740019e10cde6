"""The dispatch table: which handler answers a message, in one fixed, documented order.

1. the active conversation, with its cancel / help / back words (``handlers.dispatch``);
2. an event (subscribe, scan, unsubscribe, location, ...) by its type;
3. a menu key (click and the other menu events that carry a key);
4. an exact keyword (the whole text, trimmed, case-folded);
5. a pattern (a regular expression on the text; the match reaches the handler as ``ctx.match``);
6. the fallback for the message type, and the default for anything else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from wechatpy.messages import BaseMessage

from core.replies import Reply
from handlers.context import Ctx

Handler = Callable[[BaseMessage, Ctx], Reply]

# Menu events that carry the button's key.
MENU_EVENTS = frozenset(
    {
        "click",
        "scancode_push",
        "scancode_waitmsg",
        "pic_sysphoto",
        "pic_photo_or_album",
        "pic_weixin",
        "location_select",
    }
)


class RouteKind(StrEnum):
    EVENT = "event"
    MENU = "menu"
    KEYWORD = "keyword"
    PATTERN = "pattern"


@dataclass(frozen=True)
class Route:
    kind: RouteKind
    match: str | re.Pattern[str]
    handler: Handler


def on_event(event: str, handler: Handler) -> Route:
    return Route(RouteKind.EVENT, event, handler)


def on_menu(menu_key: str, handler: Handler) -> Route:
    return Route(RouteKind.MENU, menu_key, handler)


def on_keywords(words: Iterable[str], handler: Handler) -> list[Route]:
    return [Route(RouteKind.KEYWORD, word.strip().casefold(), handler) for word in words]


def on_pattern(pattern: str, handler: Handler) -> Route:
    return Route(RouteKind.PATTERN, re.compile(pattern, re.IGNORECASE | re.DOTALL), handler)


@dataclass(frozen=True)
class Resolved:
    handler: Handler
    kind: str
    match: re.Match[str] | None = None


class Router:
    def __init__(self, routes: Iterable[Route], fallbacks: dict[str, Handler],
                 default: Handler) -> None:
        self.events: dict[str, Handler] = {}
        self.menus: dict[str, Handler] = {}
        self.keywords: dict[str, Handler] = {}
        self.patterns: list[tuple[re.Pattern[str], Handler]] = []
        for route in routes:
            self._add(route)
        self.fallbacks = fallbacks
        self.default = default

    def _add(self, route: Route) -> None:
        table = {
            RouteKind.EVENT: self.events,
            RouteKind.MENU: self.menus,
            RouteKind.KEYWORD: self.keywords,
        }.get(route.kind)
        if table is None:
            assert isinstance(route.match, re.Pattern)
            self.patterns.append((route.match, route.handler))
            return
        assert isinstance(route.match, str)
        if route.match in table:
            raise ValueError(f"duplicate {route.kind} route: {route.match!r}")
        table[route.match] = route.handler

    @property
    def menu_keys(self) -> set[str]:
        return set(self.menus)

    def resolve(self, msg: BaseMessage) -> Resolved:
        if msg.type == "event":
            event = msg.event
            menu_key = getattr(msg, "key", "") or ""
            if event in MENU_EVENTS and menu_key in self.menus:
                return Resolved(self.menus[menu_key], "menu")
            if event in self.events:
                return Resolved(self.events[event], "event")
            return Resolved(self.default, "default")
        if msg.type == "text":
            text = (msg.content or "").strip()
            if text.casefold() in self.keywords:
                return Resolved(self.keywords[text.casefold()], "keyword")
            for pattern, handler in self.patterns:
                found = pattern.fullmatch(text)
                if found:
                    return Resolved(handler, "pattern", found)
        return Resolved(self.fallbacks.get(msg.type, self.default), "fallback")
