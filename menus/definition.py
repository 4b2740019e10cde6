"""The menu as data: read ``menus/menu.toml``, check it against WeChat's limits, shape the JSON.

Nothing is published before ``validate`` finds no problem; each problem names the menu and the
button ("默认菜单 › 信保服务 › 营业机构") so the operator knows what to fix.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from menus import keys

MENU_PATH = Path(__file__).resolve().parent / "menu.toml"

# WeChat's limits (公众号 自定义菜单 / 个性化菜单 documentation).
MAX_TOP_BUTTONS = 3
MAX_SUB_BUTTONS = 5
MAX_TOP_NAME_BYTES = 16
MAX_SUB_NAME_BYTES = 60
# The phone shows 4 Chinese characters on a top button and 8 below; more are cut off.
MAX_TOP_NAME_WIDTH = 8
MAX_SUB_NAME_WIDTH = 16
MAX_KEY_BYTES = 128
MAX_URL_BYTES = 1024
MAX_TAG_NAME_CHARS = 30

KEYED_TYPES = frozenset({"click", "scancode_push", "scancode_waitmsg", "pic_sysphoto",
                         "pic_photo_or_album", "pic_weixin", "location_select"})
URL_TYPES = frozenset({"view", "miniprogram"})
BUTTON_TYPES = KEYED_TYPES | URL_TYPES
BUTTON_FIELDS = frozenset({"type", "name", "key", "url", "appid", "pagepath", "sub_button"})
MATCHRULE_FIELDS = frozenset({"tag", "tag_id", "sex", "country", "province", "city",
                              "client_platform_type", "language"})
DEFAULT_MENU = "默认菜单"

KNOWN_KEYS = frozenset(value for name, value in vars(keys).items()
                       if name.isupper() and isinstance(value, str))


@dataclass(frozen=True)
class Button:
    name: str
    type: str | None = None
    key: str | None = None
    url: str | None = None
    appid: str | None = None
    pagepath: str | None = None
    sub_buttons: tuple[Button, ...] = ()
    unknown_fields: tuple[str, ...] = ()

    def to_wechat(self) -> dict[str, Any]:
        if self.sub_buttons:
            return {"name": self.name, "sub_button": [b.to_wechat() for b in self.sub_buttons]}
        fields = {"type": self.type, "name": self.name, "key": self.key, "url": self.url,
                  "appid": self.appid, "pagepath": self.pagepath}
        return {name: value for name, value in fields.items() if value is not None}


@dataclass(frozen=True)
class Menu:
    """The default menu, or a conditional one (``matchrule`` says whom it is for)."""

    title: str
    buttons: tuple[Button, ...]
    matchrule: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    label: str = ""  # what a person calls it ("个性化菜单 · 已绑定企业"); title is its id

    @property
    def is_conditional(self) -> bool:
        return self.title != DEFAULT_MENU

    @property
    def shown_name(self) -> str:
        """The menu's name for people: its label, else the tag it is for, else its title."""
        if self.label:
            return self.label
        if "tag" in self.matchrule:
            return f"个性化菜单 · {self.matchrule['tag']}"
        return self.title

    def find(self, name_or_key: str) -> Button | None:
        """The button (not a group) with this key, or this name as it is shown."""
        wanted = name_or_key.strip().casefold()
        for _path, button in self.all_buttons():
            if button.sub_buttons:
                continue
            if wanted in (button.name.casefold(), (button.key or "").casefold()):
                return button
        return None

    def all_buttons(self) -> Iterator[tuple[str, Button]]:
        """Every button with its path ("信保服务 › 营业机构")."""
        for top in self.buttons:
            yield top.name, top
            for sub in top.sub_buttons:
                yield f"{top.name} › {sub.name}", sub

    def to_wechat(self, tag_ids: Mapping[str, int] | None = None) -> dict[str, Any]:
        """The JSON body of menu/create (or menu/addconditional, with the tag names resolved)."""
        body: dict[str, Any] = {"button": [button.to_wechat() for button in self.buttons]}
        if self.matchrule:
            rule = {name: str(value) for name, value in self.matchrule.items() if name != "tag"}
            if "tag" in self.matchrule:
                rule["tag_id"] = str((tag_ids or {})[self.matchrule["tag"]])
            body["matchrule"] = rule
        return body


@dataclass(frozen=True)
class MenuSet:
    default: Menu
    conditional: tuple[Menu, ...] = ()

    @property
    def menus(self) -> tuple[Menu, ...]:
        return (self.default, *self.conditional)

    def click_keys(self) -> set[str]:
        """Every key a button sends (clicks and the other keyed types), in any menu."""
        return {button.key for menu in self.menus for _path, button in menu.all_buttons()
                if button.key and not button.sub_buttons}

    def tag_names(self) -> list[str]:
        return [menu.matchrule["tag"] for menu in self.conditional if "tag" in menu.matchrule]


@dataclass(frozen=True)
class MenuProblem:
    menu: str
    button: str  # the path of the button; "" for a problem of the whole menu
    message: str

    def __str__(self) -> str:
        where = f"{self.menu} › {self.button}" if self.button else self.menu
        return f"{where}: {self.message}"


class MenuInvalid(ValueError):
    """The menu breaks WeChat's limits; ``problems`` lists each, naming the button."""

    def __init__(self, problems: list[MenuProblem]) -> None:
        super().__init__("菜单不符合微信的限制:\n- " + "\n- ".join(map(str, problems)))
        self.problems = problems


# --- reading ---------------------------------------------------------------------------------

def _button(raw: Mapping[str, Any]) -> Button:
    subs = tuple(_button(sub) for sub in raw.get("sub_button", ()))
    return Button(
        name=str(raw.get("name", "")),
        type=raw.get("type"),
        key=raw.get("key"),
        url=raw.get("url"),
        appid=raw.get("appid"),
        pagepath=raw.get("pagepath"),
        sub_buttons=subs,
        unknown_fields=tuple(sorted(set(raw) - BUTTON_FIELDS)),
    )


def parse(data: Mapping[str, Any]) -> MenuSet:
    default = Menu(DEFAULT_MENU, tuple(_button(b) for b in data.get("button", ())))
    conditional = tuple(
        Menu(
            title=f"个性化菜单 {name}",
            buttons=tuple(_button(b) for b in section.get("button", ())),
            matchrule=dict(section.get("matchrule", {})),
            description=str(section.get("description", "")),
            label=f"个性化菜单 · {section['title']}" if section.get("title") else "",
        )
        for name, section in data.get("conditional", {}).items()
    )
    return MenuSet(default, conditional)


def load(path: Path = MENU_PATH) -> MenuSet:
    """The menus from the data file, validated; raises ``MenuInvalid`` listing every problem."""
    with path.open("rb") as handle:
        menus = parse(tomllib.load(handle))
    problems = validate(menus)
    if problems:
        raise MenuInvalid(problems)
    return menus


# --- checking --------------------------------------------------------------------------------

def display_width(text: str) -> int:
    """How wide the phone draws a name: a Chinese (wide) character counts as two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def validate(menus: MenuSet) -> list[MenuProblem]:
    problems: list[MenuProblem] = []
    for menu in menus.menus:
        problems.extend(_menu_problems(menu))
    return problems


def _menu_problems(menu: Menu) -> Iterator[MenuProblem]:
    def problem(button: str, message: str) -> MenuProblem:
        return MenuProblem(menu.title, button, message)

    if not 1 <= len(menu.buttons) <= MAX_TOP_BUTTONS:
        yield problem("", f"一级菜单应有 1–{MAX_TOP_BUTTONS} 个，现有 {len(menu.buttons)} 个")
    for top in menu.buttons:
        yield from (problem(top.name or "(无名)", m) for m in _name_problems(top.name, top=True))
        if top.sub_buttons:
            if top.type or top.key or top.url:
                yield problem(top.name, "有子菜单的一级菜单不能再设 type/key/url")
            if len(top.sub_buttons) > MAX_SUB_BUTTONS:
                yield problem(top.name, f"子菜单最多 {MAX_SUB_BUTTONS} 个，现有 "
                                        f"{len(top.sub_buttons)} 个")
            for sub in top.sub_buttons:
                path = f"{top.name} › {sub.name or '(无名)'}"
                for message in _name_problems(sub.name, top=False):
                    yield problem(path, message)
                if sub.sub_buttons:
                    yield problem(path, "微信菜单只有两级，子菜单下不能再有子菜单")
                for message in _action_problems(sub):
                    yield problem(path, message)
        else:
            for message in _action_problems(top):
                yield problem(top.name, message)
    if menu.is_conditional:
        for message in _matchrule_problems(menu.matchrule):
            yield problem("matchrule", message)


def _name_problems(name: str, top: bool) -> Iterator[str]:
    limit_bytes = MAX_TOP_NAME_BYTES if top else MAX_SUB_NAME_BYTES
    limit_width = MAX_TOP_NAME_WIDTH if top else MAX_SUB_NAME_WIDTH
    level = "一级菜单" if top else "子菜单"
    if not name.strip():
        yield f"{level}缺少名称 name"
        return
    if display_width(name) > limit_width:
        yield (f"{level}名称「{name}」过长：最多 {limit_width // 2} 个汉字"
               f"（{limit_width} 个英文字符）")
    elif len(name.encode()) > limit_bytes:  # narrow but multi-byte characters, e.g. ①②③
        yield f"{level}名称「{name}」超过 {limit_bytes} 字节"


def _action_problems(button: Button) -> Iterator[str]:
    if button.unknown_fields:
        yield f"未知字段 {', '.join(button.unknown_fields)}"
    if button.type not in BUTTON_TYPES:
        yield f"type「{button.type}」不支持；可用：{', '.join(sorted(BUTTON_TYPES))}"
        return
    if button.type in KEYED_TYPES:
        yield from _key_problems(button.key)
    if button.type in URL_TYPES:
        yield from _url_problems(button.url)
    if button.type == "miniprogram":
        if not button.appid:
            yield "miniprogram 按钮缺少 appid"
        if not button.pagepath:
            yield "miniprogram 按钮缺少 pagepath"


def _key_problems(key: str | None) -> Iterator[str]:
    if not key:
        yield "缺少 key"
        return
    if len(key.encode()) > MAX_KEY_BYTES:
        yield f"key 超过 {MAX_KEY_BYTES} 字节"
    if key not in KNOWN_KEYS:
        yield f"key「{key}」不在 menus/keys.py 中（拼写错误？）"


def _url_problems(url: str | None) -> Iterator[str]:
    if not url:
        yield "缺少 url"
        return
    if len(url.encode()) > MAX_URL_BYTES:
        yield f"url 超过 {MAX_URL_BYTES} 字节"
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        yield f"url「{url[:60]}」不是 http(s) 网址"


def _matchrule_problems(rule: Mapping[str, str]) -> Iterator[str]:
    unknown = sorted(set(rule) - MATCHRULE_FIELDS)
    if unknown:
        yield f"未知的匹配条件 {', '.join(unknown)}"
    if not set(rule) & MATCHRULE_FIELDS:
        yield "个性化菜单至少需要一个匹配条件（如 tag）"
    if "tag" in rule and "tag_id" in rule:
        yield "tag 与 tag_id 只能写一个"
    tag = rule.get("tag", "")
    if "tag" in rule and not 1 <= len(str(tag)) <= MAX_TAG_NAME_CHARS:
        yield f"标签名应为 1–{MAX_TAG_NAME_CHARS} 个字符"
