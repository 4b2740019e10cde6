"""The knowledge base as files: ``kb/content/*.toml`` entries, their sources, the ways into the
services and the facts of the source document that some answer must state.

``check()`` lists every problem (``xinbao kb check``); the app refuses to start on any.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CONTENT_DIR = Path(__file__).resolve().parent / "content"
SPECIAL_FILES = frozenset({"sources.toml", "facts.toml", "synonyms.toml"})
_ID = re.compile(r"[a-z][a-z0-9_]*\.[a-z0-9_.]+")
MAX_ANSWER = 600  # one WeChat text reply, with the source and the way in


@dataclass(frozen=True)
class Entry:
    id: str
    topic: str  # offered in clarifying questions and "you may mean"
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str
    source: str  # a key of sources.toml
    service: str | None  # a key of sources.toml [ways]: the one-tap way in, said last


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[Entry, ...]
    sources: Mapping[str, str]
    ways: Mapping[str, str]
    synonyms: Mapping[str, str]
    facts: tuple[tuple[str, ...], ...]

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    @property
    def _by_id(self) -> dict[str, Entry]:
        return {entry.id: entry for entry in self.entries}

    def source_of(self, entry: Entry) -> str:
        return self.sources.get(entry.source, entry.source)

    def way_into(self, entry: Entry) -> str | None:
        return self.ways.get(entry.service) if entry.service else None


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(item).strip() for item in value if str(item).strip())


def _entry(raw: Mapping[str, Any]) -> Entry:
    return Entry(id=str(raw.get("id", "")).strip(), topic=str(raw.get("topic", "")).strip(),
                 questions=_strings(raw.get("questions")), keywords=_strings(raw.get("keywords")),
                 answer=str(raw.get("answer", "")).strip(), source=str(raw.get("source", "")),
                 service=(str(raw["service"]) if raw.get("service") else None))


def _read(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def load(folder: Path = CONTENT_DIR) -> KnowledgeBase:
    """Read without checking (``check`` says what is wrong)."""
    sources = _read(folder / "sources.toml")
    entries = [_entry(raw) for path in sorted(folder.glob("*.toml"))
               if path.name not in SPECIAL_FILES for raw in _read(path).get("entry", [])]
    facts = tuple(tuple(str(part) for part in fact) for fact in
                  _read(folder / "facts.toml").get("facts", []))
    return KnowledgeBase(entries=tuple(entries), sources=dict(sources.get("sources", {})),
                         ways=dict(sources.get("ways", {})),
                         synonyms=dict(_read(folder / "synonyms.toml").get("replace", {})),
                         facts=facts)


@cache
def shipped() -> KnowledgeBase:
    return load(CONTENT_DIR)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def check(folder: Path = CONTENT_DIR) -> list[str]:
    """Every problem, each naming the entry: ids, topics, questions, answers, sources, ways, and
    the facts of the source document no answer states."""
    try:
        kb = load(folder)
    except (OSError, tomllib.TOMLDecodeError) as error:
        return [f"cannot read {folder}: {error}"]
    problems = list(_entry_problems(kb.entries, kb.sources, kb.ways))
    said = _squeeze("\n".join(entry.answer for entry in kb.entries))
    problems += [f"fact {'/'.join(fact)} is in no answer" for fact in kb.facts
                 if not any(_squeeze(part) in said for part in fact)]
    problems += [f"synonym {key!r} → {value!r}: empty or the same" for key, value
                 in kb.synonyms.items() if not key.strip() or not str(value).strip()
                 or key == value]
    if not kb.facts:
        problems.append("facts.toml lists no facts")
    return problems


def _entry_problems(entries: Iterable[Entry], sources: Mapping[str, str],
                    ways: Mapping[str, str]) -> Iterable[str]:
    seen: set[str] = set()
    for entry in entries:
        name = entry.id or "(an entry without id)"
        if not _ID.fullmatch(entry.id):
            yield f"{name}: id must look like area.topic (lower case)"
        if entry.id in seen:
            yield f"{name}: id used twice"
        seen.add(entry.id)
        if not entry.topic:
            yield f"{name}: no topic"
        if len(entry.questions) < 2:
            yield f"{name}: at least two ways to ask"
        if not entry.answer:
            yield f"{name}: no answer"
        elif len(entry.answer) > MAX_ANSWER:
            yield f"{name}: answer longer than {MAX_ANSWER} characters"
        if entry.source not in sources:
            yield f"{name}: source {entry.source!r} is not in sources.toml"
        if entry.service is not None and entry.service not in ways:
            yield f"{name}: service {entry.service!r} has no way in (sources.toml [ways])"


def check_at_start() -> None:
    problems = check(CONTENT_DIR)
    if problems:
        raise ValueError("knowledge base:\n- " + "\n- ".join(problems))
