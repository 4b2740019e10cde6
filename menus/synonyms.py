"""Free-text synonyms of the menu items: a word (or a short phrase around it) → a menu key.

The table is data (``synonyms.toml``); ``handlers.free_text`` turns it into routes whose handler
is the one registered for the key, so typing 索赔 answers exactly like tapping 可损与理赔.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from menus.definition import KNOWN_KEYS

SYNONYMS_PATH = Path(__file__).resolve().parent / "synonyms.toml"

# Polite words a follower puts around the service's name; only these, so that a buyer's name
# that happens to contain a word (e.g. "ABC Finance") is not taken for a menu item.
LEADING_WORDS = ("我要", "我想", "想要", "请问", "如何", "怎么", "怎样", "需要", "办理", "查看",
                 "想", "要")
TRAILING_WORDS = ("服务", "流程", "怎么办", "怎么做", "怎么弄", "方式", "入口", "吗", "呢", "啊")
_PUNCTUATION = "？?。.!！~～ "


@dataclass(frozen=True)
class Synonyms:
    words: dict[str, str]  # word -> menu key

    def key_for(self, text: str) -> str | None:
        """The menu key ``text`` asks for, or None. Exact words first, then short phrases."""
        cleaned = text.strip().strip(_PUNCTUATION).casefold()
        if cleaned in self.words:
            return self.words[cleaned]
        found = self.phrase_pattern.fullmatch(cleaned)
        return self.words[found.group("word")] if found else None

    @cached_property
    def phrase_pattern(self) -> re.Pattern[str]:
        words = sorted(self.words, key=len, reverse=True)  # longest first: 保单续转 before 保单
        return re.compile(
            "(?:" + "|".join(map(re.escape, LEADING_WORDS)) + ")?"
            + "(?P<word>" + "|".join(map(re.escape, words)) + ")"
            + "(?:" + "|".join(map(re.escape, TRAILING_WORDS)) + ")?"
            + "[" + re.escape(_PUNCTUATION) + "]*"
        )


class SynonymsInvalid(ValueError):
    pass


def parse(data: dict[str, dict[str, list[str]]]) -> Synonyms:
    words: dict[str, str] = {}
    for menu_key, section in data.items():
        if menu_key not in KNOWN_KEYS:
            raise SynonymsInvalid(f"synonyms.toml: [{menu_key}] is not a key of menus/keys.py")
        for word in section.get("words", []):
            folded = word.strip().casefold()
            if folded in words and words[folded] != menu_key:
                raise SynonymsInvalid(f"synonyms.toml: 「{word}」 is listed under "
                                      f"{words[folded]} and {menu_key}")
            words[folded] = menu_key
    return Synonyms(words)


@lru_cache(maxsize=1)
def load(path: Path = SYNONYMS_PATH) -> Synonyms:
    with path.open("rb") as handle:
        return parse(tomllib.load(handle))
