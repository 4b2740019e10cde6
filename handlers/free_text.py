"""Free text that names a service ("索赔", "我要续保") answers like tapping its menu button.

The synonyms table (``menus/synonyms.toml``) maps words to menu keys; the handler for a key is
looked up in the live dispatch table when the message arrives, so this module imports no
service: whichever module routes ``keys.LIGHT_LOOKUP`` answers "红绿灯" too.
"""

from __future__ import annotations

from flask import current_app
from wechatpy.messages import BaseMessage

from core.replies import Reply
from handlers import basics
from handlers.context import Ctx
from handlers.routing import Handler, Route, RouteKind, on_keywords, on_pattern
from menus import synonyms


def menu_handler(menu_key: str) -> Handler | None:
    """The handler the dispatch table holds for a menu key (None when no module routes it)."""
    return current_app.extensions["xinbao.dispatcher"].router.menus.get(menu_key)


def answer_as_menu(msg: BaseMessage, ctx: Ctx) -> Reply:
    menu_key = synonyms.load().key_for(msg.content or "")
    handler = menu_handler(menu_key) if menu_key else None
    if handler is None:  # a service not routed yet: the guide to the menu, not silence
        return basics.unknown_text(msg, ctx)
    return handler(msg, ctx)


def _routes() -> list[Route]:
    table = synonyms.load()
    # Words another module already answers (帮助, 菜单) keep their route.
    taken = {route.match for route in basics.ROUTES if route.kind is RouteKind.KEYWORD}
    words = [word for word in table.words if word not in taken]
    return [
        *on_keywords(words, answer_as_menu),
        on_pattern(table.phrase_pattern.pattern, answer_as_menu),
    ]


ROUTES: list[Route] = _routes()
FLOWS: list = []
