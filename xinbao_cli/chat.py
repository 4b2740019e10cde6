"""A terminal chat with the running service, as a follower: messages signed as WeChat signs."""

from __future__ import annotations

import sys
import time
import unicodedata
from collections.abc import Iterable
from typing import TextIO

import click
import requests

from core.config import load_settings
from menus import definition
from wechat.simulator import WeChatSimulator
from xinbao_cli.common import DEVELOPMENT

HELP = """Type a message, or:
  /menu                 the menus, each button with its name and key
  /click BUTTON         tap a menu button, by its name (/click 资信红绿灯) or key (/click HELP)
  /subscribe [SCENE]    follow (through a QR scene)
  /scan SCENE           scan a QR code while following
  /unsubscribe          unfollow
  /location LAT LON     send a location
  /image                send a photo
  /quit                 leave"""
CUSTOMER_SERVICE_WAIT_SECONDS = 1.5


def register(group: click.Group) -> None:
    group.add_command(chat)


@click.command(help="Chat as a follower with the development server (xinbao serve), signing "
                    "as WeChat signs with its development settings.")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True)
@click.option("--openid", default="o-terminal-follower", show_default=True)
@click.option("--wait", default=CUSTOMER_SERVICE_WAIT_SECONDS, show_default=True,
              help="Seconds to wait for customer-service messages after each reply.")
def chat(url: str, openid: str, wait: float) -> None:
    click.echo(HELP)

    def lines() -> Iterable[str]:
        while True:
            try:
                yield input("你> ")
            except EOFError:
                return

    run_chat(lines(), url.rstrip("/"), openid, sys.stdout, wait)


def run_chat(lines: Iterable[str], url: str, openid: str, out: TextIO,
             wait: float = CUSTOMER_SERVICE_WAIT_SECONDS) -> None:
    # The same settings as `xinbao serve`'s: development, with the environment's overrides.
    simulator = WeChatSimulator(load_settings(DEVELOPMENT).wechat)
    earlier = _records(url, openid)
    seen = earlier[-1]["index"] + 1 if earlier else 0
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if line == "/quit":
            break
        if line == "/menu":
            out.write(menu_text() + "\n")
            continue
        try:
            xml = _message(simulator, openid, line)
        except UnknownButton as unknown:
            out.write(f"?? 菜单里没有「{unknown}」按钮。/menu 列出每个按钮的名称和 key。\n")
            continue
        except (ValueError, IndexError):
            out.write("?? " + HELP + "\n")
            continue
        signed = simulator.sign(xml)
        response = requests.post(f"{url}/wechat", params=signed.params, data=signed.body,
                                 timeout=10)
        if response.status_code != 200:
            out.write(f"!! {response.status_code} {response.text}\n")
            continue
        _show(simulator.open_reply(response.content), out)
        seen = _show_customer_service(url, openid, seen, out, wait)
        out.flush()


def _message(simulator: WeChatSimulator, openid: str, line: str) -> str:
    if not line.startswith("/"):
        return simulator.text(openid, line)
    command, *args = line.split()
    if command == "/click":
        return _tap(simulator, openid, " ".join(args))
    if command == "/subscribe":
        return simulator.subscribe(openid, args[0] if args else None)
    if command == "/scan":
        return simulator.scan(openid, args[0])
    if command == "/unsubscribe":
        return simulator.event(openid, "unsubscribe", "")
    if command == "/location":
        return simulator.location(openid, float(args[0]), float(args[1]))
    if command == "/image":
        return simulator.image(openid)
    raise ValueError(command)


class UnknownButton(ValueError):
    """No button of any menu has this name or key."""


def _tap(simulator: WeChatSimulator, openid: str, name_or_key: str) -> str:
    """The event a tap on the button sends: a click with its key, a page opened, ..."""
    if not name_or_key:
        raise ValueError("/click needs a button")
    for menu in definition.load().menus:
        button = menu.find(name_or_key)
        if button is None:
            continue
        if button.type == "click":
            return simulator.click(openid, str(button.key))
        if button.type == "view":
            return simulator.event(openid, "VIEW", button.url)
        if button.type == "miniprogram":
            return simulator.event(openid, "view_miniprogram", button.pagepath)
        return simulator.event(openid, str(button.type), button.key)
    raise UnknownButton(name_or_key)


def menu_text() -> str:
    """Each menu with its buttons: the name to type after /click, and the key it sends."""
    lines: list[str] = []
    for menu in definition.load().menus:
        lines.append(f"【{menu.shown_name}】{menu.description}")
        for top in menu.buttons:
            for button in top.sub_buttons or (top,):
                where = f"{top.name} › {button.name}" if button is not top else top.name
                if button.type in ("view", "miniprogram"):
                    what = f"opens {button.url or button.pagepath}"
                else:
                    what = f"key {button.key}"
                lines.append(f"  {_pad(where, 26)} /click {_pad(button.name, 12)} {what}")
    return "\n".join(lines)


def _pad(text: str, columns: int) -> str:
    """Padded to ``columns`` as a terminal shows it (a Chinese character takes two)."""
    width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, columns - width)


def _show(reply: dict[str, str], out: TextIO) -> None:
    if not reply:
        out.write("（无回复）\n")
    elif reply.get("MsgType") == "text":
        out.write(f"信保> {reply.get('Content', '')}\n")
    elif reply.get("MsgType") == "news":
        item = reply.get("Articles", {}).get("item", {})
        out.write(f"信保> [图文] {item.get('Title')} — {item.get('Description')} "
                  f"{item.get('Url')}\n")
    elif reply.get("MsgType") == "image":
        out.write(f"信保> [图片 {reply.get('Image', {}).get('MediaId')}]\n")
    else:
        out.write(f"信保> {reply}\n")


def _records(url: str, openid: str, since: int = 0, wait: float = 0.0) -> list[dict]:
    """The emulator's records for the follower from ``since`` on; with ``wait``, a long poll
    that answers as soon as there is one."""
    try:
        response = requests.get(f"{url}/emulator/_records",
                                params={"touser": openid, "since": since, "wait": wait},
                                timeout=wait + 5)
        return response.json() if response.ok else []
    except requests.RequestException:
        return []


def _show_customer_service(url: str, openid: str, seen: int, out: TextIO, wait: float) -> int:
    """Print what the account sent later (customer-service and template messages)."""
    deadline = time.monotonic() + wait
    while (left := deadline - time.monotonic()) > 0:
        for record in _records(url, openid, seen, wait=left):
            out.write(f"信保（客服消息）> {_describe(record)}\n")
            seen = record["index"] + 1
    return seen


def _describe(record: dict) -> str:
    if record["kind"] == "template":
        return "[模板消息] " + str(record.get("data", {}).get("keyword1", {}).get("value", ""))
    kind = record.get("msgtype")
    if kind == "text":
        return record["text"]["content"]
    if kind == "image":
        return f"[图片 {record['image']['media_id']}]"
    if kind == "news":
        article = record["news"]["articles"][0]
        return f"[图文] {article.get('title')} {article.get('url')}"
    return str(record)

