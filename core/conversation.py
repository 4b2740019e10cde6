"""Conversations as explicit state machines: typed input in, a transition out, a draft kept.

A ``Flow`` names its states (a ``StrEnum``) and, for each, a ``Step``: the question to ask, the
kinds of input it takes (text unless it says otherwise: a photo, a voice message, a location, a
file, a menu tap) and the function that decides — stay with a hint, go to a state, or end.
What the follower entered is the flow's draft, a dataclass stored as a ``ConversationDraft``
row (``core.drafts``); Redis holds only the cursor. A flow is either a *form* (it collects what
the follower enters: kept as a draft when interrupted, resumed with "继续填写") or a short
*exchange* (a name to look up, a list to pick from: nothing to keep).

The control words (cancel, help, back, resume) are intents like any other, declared here so
that every service's router knows them; the chat adapter (``handlers.conversations``) decides
what a message means inside a conversation. Nothing here knows Flask or WeChat.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

from core.intents import Intent
from core.replies import Reply

C = TypeVar("C")  # the caller's context (the chat handlers' Ctx)
D = TypeVar("D")  # the flow's draft: a dataclass


# --- what a follower can send ------------------------------------------------------------------

class InputKind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    VOICE = "voice"
    VIDEO = "video"
    LOCATION = "location"
    FILE = "file"
    LINK = "link"
    MENU = "menu"
    OTHER = "other"


@dataclass(frozen=True)
class TextInput:
    kind: ClassVar[InputKind] = InputKind.TEXT
    text: str


@dataclass(frozen=True)
class ImageInput:
    kind: ClassVar[InputKind] = InputKind.IMAGE
    media_id: str
    url: str = ""


@dataclass(frozen=True)
class VoiceInput:
    kind: ClassVar[InputKind] = InputKind.VOICE
    media_id: str
    recognition: str = ""  # WeChat's speech recognition, when the account has it on


@dataclass(frozen=True)
class VideoInput:
    kind: ClassVar[InputKind] = InputKind.VIDEO
    media_id: str


@dataclass(frozen=True)
class LocationInput:
    kind: ClassVar[InputKind] = InputKind.LOCATION
    latitude: float
    longitude: float
    label: str = ""


@dataclass(frozen=True)
class FileInput:
    kind: ClassVar[InputKind] = InputKind.FILE
    title: str
    media_id: str = ""
    url: str = ""


@dataclass(frozen=True)
class LinkInput:
    kind: ClassVar[InputKind] = InputKind.LINK
    title: str
    url: str


@dataclass(frozen=True)
class MenuTap:
    kind: ClassVar[InputKind] = InputKind.MENU
    key: str


@dataclass(frozen=True)
class OtherInput:
    kind: ClassVar[InputKind] = InputKind.OTHER
    type: str


Input = (TextInput | ImageInput | VoiceInput | VideoInput | LocationInput | FileInput
         | LinkInput | MenuTap | OtherInput)

INPUT_NAMES: dict[InputKind, str] = {  # how the follower calls what they sent
    InputKind.TEXT: "文字", InputKind.IMAGE: "图片", InputKind.VOICE: "语音",
    InputKind.VIDEO: "视频", InputKind.LOCATION: "位置", InputKind.FILE: "文件",
    InputKind.LINK: "链接", InputKind.MENU: "菜单", InputKind.OTHER: "消息",
}


def as_text(given: Input) -> str | None:
    """The words of a text, or of a voice message WeChat recognised; None for anything else."""
    if isinstance(given, TextInput):
        return given.text
    if isinstance(given, VoiceInput) and given.recognition.strip():
        return given.recognition.strip().rstrip("。！？.!?")  # recognition ends a sentence
    return None


# --- transitions -------------------------------------------------------------------------------

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
    """The conversation is over: answer ``message``, or ``reply`` when the last answer deserves
    more than text (a picture)."""

    message: str = ""
    reply: Reply | None = None


Transition = Stay | Goto | End

TEXT_ONLY = frozenset({InputKind.TEXT})


@dataclass(frozen=True)
class Step(Generic[C, D]):
    """One state: ``prompt(ctx, draft)`` asks; ``accept(input, ctx, draft)`` decides and may
    fill the draft. ``label`` names what is asked, for the question "填作企业名称，还是…"."""

    prompt: Callable[[C, D], str]
    accept: Callable[[Input, C, D], Transition]
    takes: frozenset[InputKind] = TEXT_ONLY
    label: str = ""
    # Words that are an answer to this step even where another service's intent claims them
    # ("D/A" at the payment-method step, not the academy's 支付方式 reference): no question asked.
    answers: Callable[[str], bool] | None = None


def reading_text(accept: Callable[[str, C, D], Transition]) -> Callable[[Input, C, D], Transition]:
    """A step that reads words (a text, or a recognised voice message), trimmed."""

    def accept_input(given: Input, ctx: C, draft: D) -> Transition:
        return accept((as_text(given) or "").strip(), ctx, draft)

    return accept_input


@dataclass(frozen=True)
class Flow(Generic[C, D]):
    name: str
    title: str  # shown to the follower: "企业资料"
    first: StrEnum
    steps: Mapping[StrEnum, Step[C, D]]
    draft: type[D]  # a dataclass whose fields all have defaults
    form: bool = True  # collects what the follower enters; kept and resumable when interrupted
    timeout: timedelta | None = None  # None: config.toml's [conversation] timeout_seconds

    def step(self, state: str) -> Step[C, D]:
        for candidate, step in self.steps.items():
            if candidate.value == state:
                return step
        raise KeyError(f"{self.name} has no state {state!r}")

    def has_state(self, state: str) -> bool:
        return any(candidate.value == state for candidate in self.steps)

    def new_draft(self) -> D:
        return self.draft()

    def read_draft(self, data: Mapping[str, Any]) -> D:
        """The stored draft; fields added or removed since it was written are tolerated."""
        names = {f.name for f in dataclasses.fields(self.draft)}  # type: ignore[arg-type]
        return self.draft(**{k: v for k, v in data.items() if k in names})

    @staticmethod
    def write_draft(draft: Any) -> dict[str, Any]:
        return dataclasses.asdict(draft)


def is_submitted(draft: Any) -> bool:
    """The form's content was submitted (a draft may say so with a ``submitted`` property):
    what follows, such as sending documents for a filed claim, leaves nothing to keep."""
    return bool(getattr(draft, "submitted", False))


def has_content(draft: Any) -> bool:
    """Something was entered and not yet submitted: any field of the draft that is not empty."""
    return not is_submitted(draft) and any(value not in (None, "", [], {}, ())
                                           for value in dataclasses.asdict(draft).values())


# --- the words that work in every conversation ------------------------------------------------

class Control(StrEnum):
    CANCEL = "conversation.cancel"
    HELP = "conversation.help"
    BACK = "conversation.back"
    RESUME = "conversation.resume"


CONTROL_INTENTS: tuple[Intent, ...] = (
    Intent(Control.CANCEL, title="取消",
           words=("取消", "退出", "算了", "不填了", "不查了", "cancel", "quit", "q")),
    Intent(Control.HELP, title="帮助", menu_keys=("HELP",),
           words=("帮助", "菜单", "怎么填", "help", "menu", "?", "你好", "您好", "hi", "hello"),
           examples={"帮助一下": None, "？": None}),
    Intent(Control.BACK, title="返回上一步", words=("返回", "上一步", "back")),
    Intent(Control.RESUME, title="继续填写", words=("继续填写", "继续", "接着填", "继续填")),
)
