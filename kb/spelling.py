"""Our words as people mistype them: a wrong character of the same sound ("开正行" for 开证行,
"理培" for 理赔), and pinyin typed without a Chinese keyboard ("xinbaodai", "hong lv deng").
The hand-written typo list (``kb/content/synonyms.toml``) names the common ones; this finds the
rest for every word of the knowledge base and the services.

Each character's sound is its first reading without the tone, from pypinyin, kept in
``kb/sounds.txt`` (one line per sound: the sound, a tab, its characters): 65 KB read once,
where pypinyin's own tables take tens of megabytes in every process.
``python -m kb.spelling`` writes the file again (pypinyin is a development dependency)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from pathlib import Path

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_PINYIN_RUN = re.compile(r"(?<![a-z])[a-z]+(?: [a-z]+){0,5}(?![a-z])")
SHORTEST_SPELLING = 5  # "lipei"; shorter runs ("bao", "dai") are too often English or noise
SOUNDS_FILE = Path(__file__).resolve().parent / "sounds.txt"
_CJK_FIRST, _CJK_LAST = 0x4E00, 0x9FFF


@functools.cache
def _sounds_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in SOUNDS_FILE.read_text(encoding="utf-8").splitlines():
        sound, _, chars = line.partition("\t")
        table.update(dict.fromkeys(chars, sound))
    return table


def _sound(char: str) -> str:
    """A character's first reading without its tone: what a pinyin keyboard was given (the
    character itself when it has none)."""
    return _sounds_table().get(char, char)


def sounds_file_text() -> str:
    """``kb/sounds.txt`` as pypinyin says it should be."""
    from pypinyin import lazy_pinyin

    by_sound: dict[str, list[str]] = {}
    for code in range(_CJK_FIRST, _CJK_LAST + 1):
        char = chr(code)
        sound = lazy_pinyin(char)[0]
        if sound != char and sound.isascii():
            by_sound.setdefault(sound, []).append(char)
    return "".join(f"{sound}\t{''.join(chars)}\n" for sound, chars in sorted(by_sound.items()))


class SoundCorrector:
    """Our words typed with a wrong character of the same sound ("开正行" → 开证行, "理培" →
    理赔): pinyin input offers homophones, and people pick the wrong one. A run of characters
    is replaced only when it is not a word itself, it sounds exactly like one of our words
    and no other of our words sounds the same."""

    SHORTEST, LONGEST = 2, 6

    def __init__(self, words: Iterable[str], is_word: Callable[[str], bool]) -> None:
        ours = {word for word in words
                if self.SHORTEST <= len(word) <= self.LONGEST and _CJK_RUN.fullmatch(word)}
        by_sound: dict[tuple[str, ...], set[str]] = {}
        for word in ours:
            by_sound.setdefault(self._sounds(word), set()).add(word)
        self._ours = ours
        self._by_sound = {sound: next(iter(found)) for sound, found in by_sound.items()
                          if len(found) == 1}
        self._is_word = is_word
        # Typed in pinyin without a Chinese keyboard: "xinbaoyi", "xin bao yi".
        self._by_spelling: dict[str, str] = {}
        for sound, word in self._by_sound.items():
            spelled = "".join(sound)
            if len(spelled) >= SHORTEST_SPELLING:
                self._by_spelling[spelled] = word
                self._by_spelling.setdefault(spelled.replace("v", "u"), word)  # lv / lu

    @staticmethod
    def _sounds(text: str) -> tuple[str, ...]:
        return tuple(_sound(char) for char in text)

    def __call__(self, text: str) -> str:
        text = _PINYIN_RUN.sub(self._spelled, text)
        return _CJK_RUN.sub(lambda run: self._correct_run(run.group(0)), text)

    def _spelled(self, found: re.Match[str]) -> str:
        """The longest runs of pinyin words that spell one of ours, left to right."""
        words = found.group(0).split(" ")
        out: list[str] = []
        i = 0
        while i < len(words):
            for end in range(len(words), i, -1):
                word = self._by_spelling.get("".join(words[i:end]))
                if word is not None:
                    out.append(word)
                    i = end
                    break
            else:
                out.append(words[i])
                i += 1
        return " ".join(out)

    def _correct_run(self, run: str) -> str:
        out: list[str] = []
        i = 0
        while i < len(run):
            i += self._match_at(run, i, out)
        return "".join(out)

    def _match_at(self, run: str, i: int, out: list[str]) -> int:
        """Appends the text from ``i`` (corrected or not) and returns how far it reached."""
        for length in range(min(self.LONGEST, len(run) - i), self.SHORTEST - 1, -1):
            piece = run[i:i + length]
            if piece in self._ours:
                out.append(piece)
                return length
            word = self._by_sound.get(self._sounds(piece))
            if word is not None and not self._is_word(piece):
                out.append(word)
                return length
        out.append(run[i])
        return 1


if __name__ == "__main__":
    SOUNDS_FILE.write_text(sounds_file_text(), encoding="utf-8")
    print(f"wrote {SOUNDS_FILE}")
