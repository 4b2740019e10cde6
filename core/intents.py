"""Intents as data: what a follower can ask for, declared by each service; one router over all.

A service declares each thing it answers as an ``Intent``: the words that are the whole
message ("我的查询"), the command words that take an argument after them ("查询 ACME GmbH"),
sentence patterns whose named group is the argument ("宁波的网点在哪"), the menu keys that
open it and example sentences. ``IntentRouter`` is built from every declaration at start:

1. a word, alone or inside polite words ("我要理赔", "续保流程？");
2. a command word and its argument — unless the argument is itself another service's word or
   sentence ("查询理赔进度" is about claims, not a buyer called 理赔进度): the reserved words are
   derived from all declarations, so no service writes another's words;
3. a pattern, highest priority first.

``check()`` runs every declared word and example through the router and reports each one that
reaches another intent, or the wrong argument; the app refuses to start on any (and a test does
the same). Nothing here knows WeChat or Flask.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

# Polite words a follower puts around a service's name. Only these, so that a buyer whose name
# contains a service word ("ABC Finance") is not taken for the service.
LEADING_WORDS = ("我要", "我想", "想要", "请问", "如何", "怎么", "怎样", "需要", "办理", "查看",
                 "帮我", "我的", "想", "要", "看看", "看")
TRAILING_WORDS = ("服务", "流程", "怎么办", "怎么做", "怎么弄", "怎么用", "怎么申请", "方式",
                  "入口", "进度", "说明", "功能", "一下", "吧", "吗", "呢", "啊")
_END_PUNCTUATION = "？?。.!！~～…,，;；:： "
_ARGUMENT_SEPARATORS = " :：,，"


class AmbiguousIntents(ValueError):
    """Two declarations claim the same words, or an example reaches another intent."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("intents are ambiguous:\n- " + "\n- ".join(self.problems))


@dataclass(frozen=True)
class Intent:
    """One thing a follower can ask for. ``name`` is "<service>.<what>" and names the handler."""

    name: str
    title: str = ""  # what the follower asked for, in their words: "理赔", "查询买家资信"
    words: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    slot: str | None = None  # what the argument is ("buyer", "place"); None: takes none
    menu_keys: tuple[str, ...] = ()
    # Sentences that must reach this intent, each with the argument it must carry (or None).
    examples: Mapping[str, str | None] = field(default_factory=dict)
    priority: int = 0  # among patterns that match the same text, the highest wins

    @property
    def service(self) -> str:
        return self.name.split(".", 1)[0]

    @cached_property
    def compiled(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p, re.IGNORECASE | re.DOTALL) for p in self.patterns)


@dataclass(frozen=True)
class Understood:
    """What a message asks for. ``how``: word, phrase, command, pattern or menu."""

    intent: Intent
    how: str
    argument: str | None = None

    @property
    def explicit(self) -> bool:
        """A menu tap, or a command with its argument: the follower clearly wants this now."""
        return self.how == "menu" or (self.how == "command" and bool(self.argument))


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC), trimmed, case-folded, punctuation at the ends dropped
    (unless the text is nothing else: "?" asks for help)."""
    stripped = unicodedata.normalize("NFKC", text).strip()
    return (stripped.strip(_END_PUNCTUATION) or stripped).casefold()


class IntentRouter:
    def __init__(self, intents: Iterable[Intent]) -> None:
        self.intents: tuple[Intent, ...] = tuple(intents)
        problems: list[str] = []
        self.by_name = self._index(problems, "intent name", ((i.name, i) for i in self.intents))
        self.words = self._index(problems, "word",
                                 ((normalize(w), i) for i in self.intents for w in i.words))
        self.commands = self._index(problems, "command word",
                                    ((normalize(c), i) for i in self.intents for c in i.commands))
        self.menus = self._index(problems, "menu key",
                                 ((k, i) for i in self.intents for k in i.menu_keys))
        problems += [f"{i.name} takes commands but names no slot"
                     for i in self.intents if i.commands and not i.slot]
        if problems:
            raise AmbiguousIntents(problems)
        self._phrase = _phrase_pattern(self.words)
        self._command_words = sorted(self.commands, key=len, reverse=True)
        self._patterns = sorted(
            ((pattern, intent) for intent in self.intents for pattern in intent.compiled),
            key=lambda pair: -pair[1].priority,
        )

    @staticmethod
    def _index(problems: list[str], what: str,
               pairs: Iterable[tuple[str, Intent]]) -> dict[str, Intent]:
        table: dict[str, Intent] = {}
        for name, intent in pairs:
            if name in table and table[name] is not intent:
                problems.append(f"{what} 「{name}」 is declared by {table[name].name} "
                                f"and {intent.name}")
            table[name] = intent
        return table

    @property
    def reserved_words(self) -> frozenset[str]:
        """Every word and command word some service declared (normalised)."""
        return frozenset(self.words) | frozenset(self.commands)

    def for_menu(self, menu_key: str) -> Understood | None:
        intent = self.menus.get(menu_key)
        return Understood(intent, "menu") if intent else None

    def understand(self, text: str) -> Understood | None:
        """The intent a typed message asks for, or None (the caller's fallback)."""
        return (self._by_words(text) or self._by_command(text) or self._by_pattern(text))

    def _by_words(self, text: str) -> Understood | None:
        cleaned = normalize(text)
        if cleaned in self.words:
            return Understood(self.words[cleaned], "word")
        found = self._phrase.fullmatch(cleaned) if self._phrase else None
        return Understood(self.words[found.group("word")], "phrase") if found else None

    def _by_command(self, text: str) -> Understood | None:
        stripped = unicodedata.normalize("NFKC", text).strip()
        folded = stripped.casefold()
        for word in self._command_words:
            if not folded.startswith(word):
                continue
            argument = stripped[len(word):].strip(_ARGUMENT_SEPARATORS).strip()
            if not argument:
                return Understood(self.commands[word], "word")
            other = self._by_words(argument) or self._by_pattern(argument)
            if other is not None and other.intent is not self.commands[word]:
                return other  # "查询理赔进度": the argument names another service
            return Understood(self.commands[word], "command", argument)
        return None

    def _by_pattern(self, text: str) -> Understood | None:
        stripped = unicodedata.normalize("NFKC", text).strip().strip(_END_PUNCTUATION)
        for pattern, intent in self._patterns:
            found = pattern.fullmatch(stripped)
            if found:
                argument = found.groupdict().get(intent.slot or "") if intent.slot else None
                return Understood(intent, "pattern", (argument or "").strip() or None)
        return None

    def check(self, known_menu_keys: Iterable[str] | None = None) -> list[str]:
        """Every declared word and example through the router: what reaches another intent."""
        problems: list[str] = []
        for intent in self.intents:
            for word in (*intent.words, *intent.commands):
                problems += self._check_one(intent, word, None, exact_argument=False)
            for sentence, argument in intent.examples.items():
                problems += self._check_one(intent, sentence, argument, exact_argument=True)
        if known_menu_keys is not None:
            known = set(known_menu_keys)
            problems += [f"{intent.name}: menu key {key} is not a key of menus/keys.py"
                         for intent in self.intents for key in intent.menu_keys
                         if key not in known]
        return problems

    def _check_one(self, intent: Intent, text: str, argument: str | None,
                   exact_argument: bool) -> list[str]:
        got = self.understand(text)
        if got is None:
            return [f"「{text}」 ({intent.name}) is not understood at all"]
        if got.intent is not intent:
            return [f"「{text}」 is declared by {intent.name} but reaches {got.intent.name}"]
        if exact_argument and got.argument != argument:
            return [f"「{text}」 ({intent.name}) carries the argument {got.argument!r}, "
                    f"not {argument!r}"]
        return []

    def require_consistent(self, known_menu_keys: Iterable[str] | None = None) -> None:
        problems = self.check(known_menu_keys)
        if problems:
            raise AmbiguousIntents(problems)


def _phrase_pattern(words: Mapping[str, Intent]) -> re.Pattern[str] | None:
    if not words:
        return None
    by_length = sorted(words, key=len, reverse=True)  # longest first: 保单续转 before 保单
    return re.compile(
        "(?:" + "|".join(map(re.escape, LEADING_WORDS)) + ")*"
        + "(?P<word>" + "|".join(map(re.escape, by_length)) + ")"
        + "(?:" + "|".join(map(re.escape, TRAILING_WORDS)) + ")*"
    )
