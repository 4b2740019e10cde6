"""What a handler returns: the reply values, shared by the handlers that make them and the
WeChat adapter (``wechat/``) that renders them to XML or delivers them later."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

# WeChat drops text replies over 2048 bytes; keep a margin for the XML escaping.
TEXT_LIMIT_BYTES = 2000
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")


@dataclass(frozen=True)
class Text:
    content: str


@dataclass(frozen=True)
class Article:
    title: str
    description: str
    url: str
    image: str = ""


@dataclass(frozen=True)
class News:
    """WeChat shows one article per news reply, so a News carries exactly one."""

    article: Article


@dataclass(frozen=True)
class Image:
    media_id: str


@dataclass(frozen=True)
class NoReply:
    """An explicit "nothing to say": the webhook answers with an empty body."""


Reply = Text | News | Image | NoReply


@dataclass(frozen=True)
class Answer:
    """What the chat answers a message with. ``final``: a retry of the message gets the same
    reply; not final (something failed): a retry runs again instead of receiving the failure."""

    reply: Reply
    final: bool = True


@dataclass(frozen=True)
class TemplateMessage:
    """A template message (模板消息): it reaches a follower at any time, outside the 48 hours in
    which customer-service messages are allowed; never a passive reply. ``fields`` are the
    template's keywords as the account's admin page names them ("first", "keyword1" …)."""

    template_id: str
    fields: dict[str, str]
    url: str = ""


Outgoing = Reply | TemplateMessage  # what a use case may send a follower later


def to_payload(reply: Outgoing) -> dict[str, Any]:
    """A JSON-friendly form, for jobs that deliver a reply later."""
    return {"type": type(reply).__name__, **asdict(reply)}


def from_payload(payload: dict[str, Any]) -> Outgoing:
    kind = payload["type"]
    if kind == "TemplateMessage":
        return TemplateMessage(payload["template_id"], dict(payload["fields"]),
                               payload.get("url", ""))
    if kind == "Text":
        return Text(payload["content"])
    if kind == "News":
        return News(Article(**payload["article"]))
    if kind == "Image":
        return Image(payload["media_id"])
    return NoReply()


def split_text(text: str, limit: int = TEXT_LIMIT_BYTES) -> list[str]:
    """Split at sentence ends so that no part exceeds ``limit`` bytes of UTF-8."""
    parts: list[str] = []
    current = ""
    for piece in _SENTENCE_END.split(text):
        while len(piece.encode()) > limit:  # one sentence longer than a message: cut by chars
            head = piece.encode()[:limit].decode(errors="ignore")
            if current:
                parts.append(current)
                current = ""
            parts.append(head)
            piece = piece[len(head):]
        if len((current + piece).encode()) > limit:
            parts.append(current)
            current = piece
        else:
            current += piece
    if current:
        parts.append(current)
    return [part.strip() for part in parts if part.strip()]
