"""The academy's content: Markdown files with front matter, loaded once and checked loudly.

``academy_content/`` holds ``sections.toml`` (the six parts of the academy) and one Markdown
file per lesson, case or reference page, in a folder per section::

    ---
    id: payment-methods            # unique, a-z 0-9 and "-"
    title: 四种支付方式
    section: basics                # basics | master | cases | toolbox
    order: 2                       # the place in its section, unique there
    summary: 一句话说明（卡片和列表里显示）
    sources:                       # where the facts come from
      - title: 中国出口信用保险公司中小微企业服务指南
      - title: 国际商会《跟单信用证统一惯例》（UCP 600）
        url: https://iccwbo.org/
    quiz:                          # 必修课: 3–5 questions; elsewhere optional
      - question: ……？
        options: [甲, 乙, 丙]
        answer: 乙                 # one of the options, as written there
        explain: 为什么
    ---
    正文（Markdown）。链接另一课：[四种支付方式](academy:payment-methods)

Cases (``cases``) say whether they are real (``illustrative: true`` shows 示例 to readers);
toolbox pages (``kind: payment_methods | incoterms``) carry their ``items``.

``check(path)`` lists every problem (a field missing or misspelled, a duplicate id or order, a
quiz answer that is not among its options, a link to a lesson that does not exist, a link
that is not http(s), a YAML value that is not text …), each with its file; ``load(path)``
raises ``ContentError`` with all of them. The app runs it at start (a broken library stops
it) and ``xinbao academy check`` runs it for editors.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import frontmatter
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from academy.sections import LESSON_SECTIONS, Section

CONTENT_DIR = Path(__file__).resolve().parent.parent / "academy_content"
SECTIONS_FILE = "sections.toml"
LINK_SCHEME = "academy:"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
MAX_TITLE = 40
MAX_SUMMARY = 120
QUIZ_SIZE = (3, 5)  # 必修课: every lesson ends with a short quiz
MAX_QUIZ = 5
OPTIONS = (2, 6)
REFERENCE_KINDS = ("payment_methods", "incoterms")

COMMON_KEYS = frozenset({"id", "title", "section", "order", "summary", "sources", "quiz",
                         "keywords"})
SECTION_KEYS: dict[str, frozenset[str]] = {
    Section.BASICS: COMMON_KEYS,
    Section.MASTER: COMMON_KEYS,
    Section.CASES: COMMON_KEYS | {"illustrative"},
    Section.TOOLBOX: COMMON_KEYS | {"kind", "items"},
}
REQUIRED_KEYS = ("id", "title", "section", "order", "summary", "sources")
ITEM_KEYS = frozenset({"code", "name_zh", "name_en", "summary", "group", "aliases", "risk"})
ITEM_REQUIRED = ("code", "name_zh", "name_en", "summary")


class ContentError(ValueError):
    """The content cannot be served: every problem, each naming its file."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("academy content has problems:\n- " + "\n- ".join(self.problems))


@dataclass(frozen=True)
class Source:
    title: str
    url: str | None = None


@dataclass(frozen=True)
class Question:
    text: str
    options: tuple[str, ...]
    answer: int  # the index of the right option
    explain: str = ""


@dataclass(frozen=True)
class Item:
    """One entry of a toolbox page: a payment method or an Incoterms rule."""

    code: str
    name_zh: str
    name_en: str
    summary: str
    group: str = ""
    risk: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    section: str
    order: int
    summary: str
    body: str  # Markdown
    sources: tuple[Source, ...]
    quiz: tuple[Question, ...] = ()
    keywords: tuple[str, ...] = ()
    illustrative: bool = False  # a case that is not a real one: shown as 示例
    kind: str = "lesson"  # or a toolbox page's kind
    items: tuple[Item, ...] = ()
    path: str = ""

    @property
    def tracked(self) -> bool:
        """Progress and quiz scores are kept for lessons and cases, not reference pages."""
        return self.section in LESSON_SECTIONS


@dataclass(frozen=True)
class SectionInfo:
    id: str
    title: str
    summary: str
    order: int


@dataclass(frozen=True)
class Library:
    sections: tuple[SectionInfo, ...]
    lessons: tuple[Lesson, ...]  # by section order, then by order within the section
    by_id: Mapping[str, Lesson] = field(default_factory=dict)

    def lesson(self, lesson_id: str) -> Lesson | None:
        return self.by_id.get(lesson_id)

    def section(self, section_id: str) -> SectionInfo | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def in_section(self, section_id: str) -> list[Lesson]:
        return [lesson for lesson in self.lessons if lesson.section == section_id]

    def tracked(self) -> list[Lesson]:
        return [lesson for lesson in self.lessons if lesson.tracked]

    def reference(self, kind: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.kind == kind), None)

    def neighbours(self, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
        """The lessons before and after ``lesson`` in its section."""
        siblings = self.in_section(lesson.section)
        at = siblings.index(lesson)
        return (siblings[at - 1] if at > 0 else None,
                siblings[at + 1] if at + 1 < len(siblings) else None)


# --- reading -----------------------------------------------------------------------------------

def content_dir(section: Mapping[str, Any] | None = None) -> Path:
    """config.toml's ``[academy] content_dir`` (relative to the repository), else the shipped
    ``academy_content/``."""
    configured = str((section or {}).get("content_dir") or "")
    if not configured:
        return CONTENT_DIR
    path = Path(configured)
    return path if path.is_absolute() else CONTENT_DIR.parent / path


def check(path: Path) -> list[str]:
    """Every problem of the content under ``path`` (empty: it can be served)."""
    return _read(path)[1]


def load(path: Path) -> Library:
    library, problems = _read(path)
    if problems:
        raise ContentError(problems)
    return library


@cache
def _cached(path: str) -> Library:
    return load(Path(path))


def library(section: Mapping[str, Any] | None = None) -> Library:
    """The library the service serves, read once per process (``check_at_start`` reads it
    before the first follower asks)."""
    return _cached(str(content_dir(section).resolve()))


def check_at_start() -> None:
    """Run at app start (the manifest's ``start``): broken content stops the service."""
    from core.services import current

    library(current().settings.section("academy"))


def _read(path: Path) -> tuple[Library, list[str]]:
    problems: list[str] = []
    sections = _read_sections(path, problems)
    lessons: list[Lesson] = []
    seen = _Seen()
    files = sorted(p for p in path.rglob("*.md") if p.name.lower() != "readme.md")
    if not files:
        problems.append(f"{path}: no lesson files (*.md)")
    for file in files:
        lesson = _read_lesson(file, path, problems, seen)
        if lesson is not None:
            lessons.append(lesson)
    _check_library(lessons, {s.id for s in sections}, seen, problems)
    rank = {s.id: s.order for s in sections}
    lessons.sort(key=lambda lesson: (rank.get(lesson.section, 99), lesson.order, lesson.id))
    by_id = {lesson.id: lesson for lesson in lessons}
    return Library(tuple(sorted(sections, key=lambda s: s.order)), tuple(lessons), by_id), problems


@dataclass
class _Seen:
    """What every file declares, those with problems too: a link to a lesson whose file has a
    problem of its own is not called broken, and a file's links are checked whatever else is
    wrong with it."""

    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str]] = field(default_factory=list)  # (file, academy:<id>)


def _read_sections(path: Path, problems: list[str]) -> list[SectionInfo]:
    file = path / SECTIONS_FILE
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{file}: missing (the academy's sections)")
        return []
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problems.append(f"{file}: not valid TOML ({error})")
        return []
    sections = []
    for entry in data.get("section", []):
        where = f"{file} [[section]] {entry.get('id', '?')}"
        missing = [k for k in ("id", "title", "summary", "order") if not entry.get(k)]
        if missing:
            problems.append(f"{where}: missing {', '.join(missing)}")
            continue
        if entry["id"] not in set(Section):
            problems.append(f"{where}: unknown section id (known: {', '.join(Section)})")
            continue
        sections.append(SectionInfo(str(entry["id"]), str(entry["title"]),
                                    str(entry["summary"]), int(entry["order"])))
    absent = sorted(set(Section) - {s.id for s in sections})
    if absent:
        problems.append(f"{file}: sections not described: {', '.join(absent)}")
    return sections


def _read_lesson(file: Path, root: Path, problems: list[str], seen: _Seen) -> Lesson | None:
    where = str(file.relative_to(root))
    try:
        post = frontmatter.loads(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as error:
        problems.append(f"{where}: the front matter is not valid YAML ({error})")
        return None
    meta: dict[str, Any] = dict(post.metadata)
    found: list[str] = []

    def say(message: str) -> None:
        found.append(f"{where}: {message}")

    missing = [key for key in REQUIRED_KEYS if meta.get(key) in (None, "", [])]
    if missing:
        say(f"missing {', '.join(missing)}")
    section = str(meta.get("section", ""))
    if section and section not in SECTION_KEYS:
        say(f"section {section!r} holds no lesson files (one of {', '.join(SECTION_KEYS)})")
    unknown = sorted(set(meta) - SECTION_KEYS.get(section, COMMON_KEYS))
    if unknown:
        say(f"unknown field(s) {', '.join(unknown)} (a typo?)")
    lesson_id = _text(meta, "id", say)
    seen.ids.add(lesson_id)
    if lesson_id and not ID_PATTERN.match(lesson_id):
        say(f"id {lesson_id!r}: use 2–64 of a-z, 0-9 and '-'")
    title = _text(meta, "title", say, MAX_TITLE)
    summary = _text(meta, "summary", say, MAX_SUMMARY)
    order = meta.get("order")
    if order is not None and (not isinstance(order, int) or isinstance(order, bool) or order < 1):
        say(f"order must be a whole number from 1, got {order!r}")
    body = post.content.strip()
    if not body:
        say("the text after the front matter is empty")
    sources = _sources(meta.get("sources"), say)
    quiz = _quiz(meta.get("quiz"), section, say)
    keywords = tuple(str(k) for k in meta.get("keywords") or ())
    illustrative = _illustrative(meta, section, say)
    kind, items = _reference(meta, section, say)
    for href in links(body):
        _check_href(href, say, "a link in the text")
        if href.startswith(LINK_SCHEME):
            seen.links.append((where, href))
    if found:
        problems.extend(found)
        return None
    return Lesson(id=lesson_id, title=title, section=section, order=int(order), summary=summary,
                  body=body, sources=sources, quiz=quiz, keywords=keywords,
                  illustrative=illustrative, kind=kind, items=items, path=where)


def _text(meta: Mapping[str, Any], key: str, say: Callable[[str], None],
          limit: int | None = None) -> str:
    value = meta.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        say(f"{key} must be text, got {value!r} (quote it in the YAML)")
        return ""
    value = value.strip()
    if limit is not None and len(value) > limit:
        say(f"{key} is {len(value)} characters; at most {limit}")
    return value


def _sources(raw: Any, say: Callable[[str], None]) -> tuple[Source, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        say("sources must be a list of {title, url}")
        return ()
    sources = []
    for number, entry in enumerate(raw, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("title"), str):
            say(f"source {number} needs a title (text)")
            continue
        unknown = sorted(set(entry) - {"title", "url"})
        if unknown:
            say(f"source {number}: unknown field(s) {', '.join(unknown)}")
        url = entry.get("url")
        if url is not None:
            _check_href(str(url), say, f"source {number}", internal=False)
        sources.append(Source(entry["title"].strip(), str(url) if url else None))
    return tuple(sources)


def _quiz(raw: Any, section: str, say: Callable[[str], None]) -> tuple[Question, ...]:
    if raw is None:
        if section == Section.BASICS:
            say(f"a 必修课 lesson needs a quiz of {QUIZ_SIZE[0]}–{QUIZ_SIZE[1]} questions")
        return ()
    if not isinstance(raw, list):
        say("quiz must be a list of questions")
        return ()
    least, most = QUIZ_SIZE if section == Section.BASICS else (1, MAX_QUIZ)
    if not least <= len(raw) <= most:
        say(f"the quiz has {len(raw)} questions; {least}–{most} here")
    questions = []
    for number, entry in enumerate(raw, 1):
        question = _question(entry, lambda message, n=number: say(f"quiz {n}: {message}"))
        if question is not None:
            questions.append(question)
    return tuple(questions)


def _question(entry: Any, say: Callable[[str], None]) -> Question | None:
    if not isinstance(entry, dict):
        say("must be {question, options, answer, explain}")
        return None
    unknown = sorted(set(entry) - {"question", "options", "answer", "explain"})
    if unknown:
        say(f"unknown field(s) {', '.join(unknown)}")
    text, options, answer = entry.get("question"), entry.get("options"), entry.get("answer")
    if not isinstance(text, str) or not text.strip():
        say("question is missing")
        return None
    if (not isinstance(options, list) or not all(isinstance(o, str) and o.strip()
                                                 for o in options)):
        say("options must be a list of texts (quote values such as yes/no or numbers)")
        return None
    if not OPTIONS[0] <= len(options) <= OPTIONS[1]:
        say(f"{len(options)} options; {OPTIONS[0]}–{OPTIONS[1]}")
    if len(set(options)) != len(options):
        say("two options are the same")
    if not isinstance(answer, str) or answer not in options:
        say(f"the answer {answer!r} is not among the options {options}")
        return None
    explain = entry.get("explain", "")
    if not isinstance(explain, str):
        say("explain must be text")
        explain = ""
    return Question(text.strip(), tuple(o.strip() for o in options), options.index(answer),
                    explain.strip())


def _illustrative(meta: Mapping[str, Any], section: str, say: Callable[[str], None]) -> bool:
    value = meta.get("illustrative")
    if section == Section.CASES and not isinstance(value, bool):
        say("a case must say illustrative: true (shown as 示例) or false (a real case)")
    return bool(value)


def _reference(meta: Mapping[str, Any], section: str,
               say: Callable[[str], None]) -> tuple[str, tuple[Item, ...]]:
    if section != Section.TOOLBOX:
        return "lesson", ()
    kind, raw = meta.get("kind"), meta.get("items")
    if kind not in REFERENCE_KINDS:
        say(f"kind must be one of {', '.join(REFERENCE_KINDS)}, got {kind!r}")
        return "lesson", ()
    if not isinstance(raw, list) or not raw:
        say("items must be a non-empty list")
        return str(kind), ()
    items, codes = [], set()
    for number, entry in enumerate(raw, 1):
        where = f"item {number}"
        if not isinstance(entry, dict):
            say(f"{where}: must be a mapping")
            continue
        missing = [k for k in ITEM_REQUIRED if not isinstance(entry.get(k), str)]
        unknown = sorted(set(entry) - ITEM_KEYS)
        if missing or unknown:
            say(f"{where}: missing text {', '.join(missing)}" if missing
                else f"{where}: unknown field(s) {', '.join(unknown)}")
            continue
        if entry["code"] in codes:
            say(f"{where}: code {entry['code']} twice")
        codes.add(entry["code"])
        items.append(Item(code=entry["code"], name_zh=entry["name_zh"], name_en=entry["name_en"],
                          summary=entry["summary"].strip(), group=str(entry.get("group", "")),
                          risk=str(entry.get("risk", "")).strip(),
                          aliases=tuple(str(a) for a in entry.get("aliases") or ())))
    return str(kind), tuple(items)


def _check_library(lessons: list[Lesson], sections: set[str], seen: _Seen,
                   problems: list[str]) -> None:
    by_id: dict[str, Lesson] = {}
    places: dict[tuple[str, int], Lesson] = {}
    kinds: dict[str, Lesson] = {}
    for lesson in lessons:
        if lesson.id in by_id:
            problems.append(f"{lesson.path}: id {lesson.id!r} is also used by "
                            f"{by_id[lesson.id].path}")
        by_id.setdefault(lesson.id, lesson)
        place = (lesson.section, lesson.order)
        if place in places:
            problems.append(f"{lesson.path}: order {lesson.order} in {lesson.section} is also "
                            f"{places[place].path}'s")
        places.setdefault(place, lesson)
        if lesson.kind != "lesson":
            if lesson.kind in kinds:
                problems.append(f"{lesson.path}: a second {lesson.kind} page "
                                f"(first: {kinds[lesson.kind].path})")
            kinds.setdefault(lesson.kind, lesson)
        if lesson.section not in sections:
            problems.append(f"{lesson.path}: section {lesson.section} is not in "
                            f"{SECTIONS_FILE}")
    for where, href in seen.links:  # links to other lessons, once every id is known
        if href[len(LINK_SCHEME):] not in seen.ids:
            problems.append(f"{where}: broken link {href!r} (no lesson has that id)")


def _check_href(href: str, say: Callable[[str], None], what: str, internal: bool = True) -> None:
    if internal and href.startswith(LINK_SCHEME):
        return  # checked against every id in _check_library
    parts = urlsplit(href)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        expected = f"{LINK_SCHEME}<id> or an http(s) address" if internal else "http(s)"
        say(f"{what}: {href!r} is not {expected}")


# --- Markdown ----------------------------------------------------------------------------------

@cache
def _markdown() -> MarkdownIt:
    # No raw HTML from the files: what editors write is text, links and tables.
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def _link_tokens(tokens: Iterable[Token]) -> Iterator[Token]:
    for token in tokens:
        if token.type in ("link_open", "image") and token.attrGet("href" if token.type ==
                                                                   "link_open" else "src"):
            yield token
        if token.children:
            yield from _link_tokens(token.children)


def links(markdown: str) -> list[str]:
    """Every link and image address in ``markdown``."""
    return [str(token.attrGet("href") or token.attrGet("src"))
            for token in _link_tokens(_markdown().parse(markdown))]


def to_html(markdown: str, lesson_url: Callable[[str], str]) -> str:
    """The HTML of a lesson's text; ``academy:<id>`` links become ``lesson_url(id)``."""
    md = _markdown()
    tokens = md.parse(markdown)
    for token in _link_tokens(tokens):
        href = str(token.attrGet("href") or "")
        if href.startswith(LINK_SCHEME):
            token.attrSet("href", lesson_url(href[len(LINK_SCHEME):]))
    return md.renderer.render(tokens, md.options, {})


def plain_text(markdown: str) -> str:
    """The words of ``markdown`` without its marks (for a chat reply)."""
    words: list[str] = []
    for token in _markdown().parse(markdown):
        if token.type == "inline":
            words.append("".join(child.content for child in token.children or ()
                                 if child.type in ("text", "code_inline")))
    return "\n".join(word for word in words if word)
