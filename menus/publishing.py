"""Publish, show and delete the account's menus through the WeChat API client.

``api`` is wechatpy's ``WeChatClient`` (``services.wechat.api``: the emulator in development and
tests). Publishing replaces every menu: WeChat drops the conditional menus when the default menu
is created, so they are added again right after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from menus.definition import MenuSet


@dataclass(frozen=True)
class Published:
    default_buttons: int
    conditional_menu_ids: dict[str, str]  # menu title -> WeChat's menuid
    tag_ids: dict[str, int]


def ensure_tag(api: Any, name: str) -> int:
    """The id of the follower tag called ``name``, created when the account has none yet."""
    for tag in api.tag.get():
        if tag["name"] == name:
            return int(tag["id"])
    return int(api.tag.create(name)["id"])


def publish(api: Any, menus: MenuSet) -> Published:
    api.menu.create(menus.default.to_wechat())
    tag_ids = {name: ensure_tag(api, name) for name in menus.tag_names()}
    menu_ids: dict[str, str] = {}
    for menu in menus.conditional:
        result = api.menu.add_conditional(menu.to_wechat(tag_ids))
        menu_ids[menu.title] = str(result.get("menuid", ""))
    return Published(len(menus.default.buttons), menu_ids, tag_ids)


def published(api: Any) -> dict[str, Any] | None:
    """What WeChat currently holds (``menu`` and ``conditionalmenu``), or None when no menu."""
    return api.menu.get()


def delete(api: Any) -> None:
    """Remove the default menu and every conditional menu."""
    api.menu.delete()
