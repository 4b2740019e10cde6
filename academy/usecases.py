"""The academy's use cases: what the chat, the API, the H5 and staff pages and the commands call.

Each takes a ``core.uow.UnitOfWork`` and flushes; the caller commits. A follower is named by
its ``followers.id`` (the chat's ``ctx.follower.id``, the API's and the pages' principal), so
a follower sees and changes only its own progress, scores and subscriptions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select

from academy.content import Lesson, Library, library
from academy.countries import exact
from academy.models import (
    Alert,
    AlertDelivery,
    AlertSubscription,
    LessonProgress,
    QuizAttempt,
    followers,
)
from academy.sections import Section
from academy.tools import simplified
from core.uow import UnitOfWork

MAX_SUBSCRIPTIONS = 30
ALERT_LIMITS = {"title": 40, "summary": 120, "body": 5000, "source": 200, "source_url": 500,
                "countries": 50}


def library_of(uow: UnitOfWork) -> Library:
    return library(uow.section("academy"))


# --- progress ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProgressView:
    lesson_id: str
    opened_at: datetime | None = None
    completed_at: datetime | None = None
    attempts: int = 0
    best_score: int | None = None
    last_score: int | None = None
    quiz_total: int | None = None

    @property
    def state(self) -> str:
        """new | started | completed"""
        if self.completed_at is not None:
            return "completed"
        return "started" if self.opened_at is not None else "new"


def _view(row: LessonProgress | None, lesson_id: str) -> ProgressView:
    if row is None:
        return ProgressView(lesson_id)
    return ProgressView(lesson_id, row.opened_at, row.completed_at, row.attempts, row.best_score,
                        row.last_score, row.quiz_total)


def _row(uow: UnitOfWork, follower_id: int, lesson: Lesson) -> LessonProgress:
    row = uow.session.scalar(select(LessonProgress).where(
        LessonProgress.follower_id == follower_id, LessonProgress.lesson_id == lesson.id))
    if row is None:
        row = LessonProgress(follower_id=follower_id, lesson_id=lesson.id, opened_at=uow.now,
                             last_opened_at=uow.now, attempts=0)
        uow.session.add(row)
    return row


def open_lesson(uow: UnitOfWork, follower_id: int, lesson: Lesson) -> ProgressView:
    """The follower opened ``lesson``: remembered for 继续学习."""
    if not lesson.tracked:
        return ProgressView(lesson.id)
    row = _row(uow, follower_id, lesson)
    row.last_opened_at = uow.now
    uow.session.flush()
    return _view(row, lesson.id)


def mark_read(uow: UnitOfWork, follower_id: int, lesson: Lesson,
              completed: bool = True) -> ProgressView:
    """"我读完了" (or, with ``completed`` False, only opened): a lesson without a quiz is
    completed this way; one with a quiz when its quiz is submitted as well."""
    if not lesson.tracked:
        raise NotTracked(lesson.id)
    row = _row(uow, follower_id, lesson)
    row.last_opened_at = uow.now
    if completed and row.completed_at is None and (not lesson.quiz or row.attempts):
        row.completed_at = uow.now
    uow.session.flush()
    return _view(row, lesson.id)


class NotTracked(ValueError):
    """A reference page (the toolbox) keeps no progress."""


class BadAnswers(ValueError):
    """The answers do not fit the quiz: ``code`` is count or range."""

    def __init__(self, code: str, expected: int) -> None:
        super().__init__(code)
        self.code = code
        self.expected = expected


@dataclass(frozen=True)
class Marked:
    """One question of a submitted quiz."""

    number: int
    question: str
    chosen: int
    answer: int
    options: tuple[str, ...]
    explain: str

    @property
    def correct(self) -> bool:
        return self.chosen == self.answer


@dataclass(frozen=True)
class QuizResult:
    lesson_id: str
    score: int
    total: int
    marked: tuple[Marked, ...]
    progress: ProgressView


def submit_quiz(uow: UnitOfWork, follower_id: int, lesson: Lesson,
                answers: Sequence[int]) -> QuizResult:
    """Score the answers (option indexes, one per question), keep the attempt, the best and
    the last score; the lesson counts as completed."""
    quiz = lesson.quiz
    if not quiz:
        raise NotTracked(lesson.id)
    if len(answers) != len(quiz):
        raise BadAnswers("count", len(quiz))
    if any(not 0 <= chosen < len(q.options) for chosen, q in zip(answers, quiz, strict=True)):
        raise BadAnswers("range", len(quiz))
    marked = tuple(Marked(n, q.text, chosen, q.answer, q.options, q.explain)
                   for n, (chosen, q) in enumerate(zip(answers, quiz, strict=True), 1))
    score = sum(m.correct for m in marked)
    uow.session.add(QuizAttempt(follower_id=follower_id, lesson_id=lesson.id,
                                answers=list(answers), score=score, total=len(quiz),
                                created_at=uow.now))
    row = _row(uow, follower_id, lesson)
    row.attempts = (row.attempts or 0) + 1
    row.last_score, row.quiz_total = score, len(quiz)
    row.best_score = max(score, row.best_score or 0)
    row.completed_at = row.completed_at or uow.now
    uow.session.flush()
    return QuizResult(lesson.id, score, len(quiz), marked, _view(row, lesson.id))


def progress_of(uow: UnitOfWork, follower_id: int) -> dict[str, ProgressView]:
    """Every lesson the follower has opened (by id)."""
    rows = uow.session.scalars(select(LessonProgress)
                               .where(LessonProgress.follower_id == follower_id))
    return {row.lesson_id: _view(row, row.lesson_id) for row in rows}


@dataclass(frozen=True)
class SectionProgress:
    section: str
    completed: int
    total: int


def summary(library: Library, progress: dict[str, ProgressView]) -> list[SectionProgress]:
    result = []
    for info in library.sections:
        lessons = [lesson for lesson in library.in_section(info.id) if lesson.tracked]
        if lessons:
            done = sum(progress.get(lesson.id, ProgressView(lesson.id)).state == "completed"
                       for lesson in lessons)
            result.append(SectionProgress(info.id, done, len(lessons)))
    return result


def continue_with(uow: UnitOfWork, follower_id: int, library: Library) -> Lesson | None:
    """继续学习: the lesson opened last and not completed; else the first lesson not
    completed (必修课 first, in order); None when every lesson is completed."""
    progress = progress_of(uow, follower_id)
    started = [(view.opened_at, lesson_id) for lesson_id, view in progress.items()
               if view.state == "started" and library.lesson(lesson_id)]
    if started:
        last = uow.session.scalar(
            select(LessonProgress.lesson_id)
            .where(LessonProgress.follower_id == follower_id,
                   LessonProgress.completed_at.is_(None),
                   LessonProgress.lesson_id.in_([lesson_id for _, lesson_id in started]))
            .order_by(LessonProgress.last_opened_at.desc(), LessonProgress.id.desc()).limit(1))
        if last:
            return library.lesson(last)
    for section in (Section.BASICS, Section.CASES, Section.MASTER):
        for lesson in library.in_section(section):
            if progress.get(lesson.id, ProgressView(lesson.id)).state != "completed":
                return lesson
    return None


def find_lessons(library: Library, words: str, limit: int = 5) -> list[Lesson]:
    """Lessons whose title, summary or keywords hold ``words`` (a follower's "学习 信用证",
    or "課程 拒賠" in traditional characters: the lessons are written in simplified)."""
    wanted = [word for word in simplified(words).replace("，", " ").split() if word]
    if not wanted:
        return []

    def score(lesson: Lesson) -> int:
        fields = [lesson.title, lesson.summary, *lesson.keywords]
        return sum(2 * (word.casefold() in lesson.title.casefold())
                   + any(word.casefold() in f.casefold() for f in fields) for word in wanted)

    ranked = sorted((lesson for lesson in library.tracked() if score(lesson)),
                    key=lambda lesson: -score(lesson))
    return ranked[:limit]


# --- alert subscriptions -----------------------------------------------------------------------

class TooManySubscriptions(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def subscriptions_of(uow: UnitOfWork, follower_id: int) -> list[str]:
    return list(uow.session.scalars(select(AlertSubscription.country)
                                    .where(AlertSubscription.follower_id == follower_id)
                                    .order_by(AlertSubscription.id)))


def subscribe(uow: UnitOfWork, follower_id: int, codes: Iterable[str]) -> list[str]:
    """Subscribe to the alerts of ``codes``; returns the ones that are new."""
    have = set(subscriptions_of(uow, follower_id))
    new = [code for code in dict.fromkeys(codes) if code not in have]
    if len(have) + len(new) > MAX_SUBSCRIPTIONS:
        raise TooManySubscriptions(MAX_SUBSCRIPTIONS)
    for code in new:
        uow.session.add(AlertSubscription(follower_id=follower_id, country=code,
                                          created_at=uow.now))
    uow.session.flush()
    return new


def unsubscribe(uow: UnitOfWork, follower_id: int, codes: Iterable[str] | None) -> list[str]:
    """Stop the alerts of ``codes`` (None: every country); returns the ones removed."""
    have = subscriptions_of(uow, follower_id)
    gone = have if codes is None else [code for code in have if code in set(codes)]
    if gone:
        uow.session.execute(delete(AlertSubscription).where(
            AlertSubscription.follower_id == follower_id, AlertSubscription.country.in_(gone)))
        uow.session.flush()
    return gone


# --- alerts ------------------------------------------------------------------------------------

class AlertInvalid(ValueError):
    """A draft alert that cannot be published; ``problems``: field → what is wrong."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(problems)
        self.problems = problems


class AlertsNotConfigured(RuntimeError):
    """``[academy] alert_template_id`` is empty: there is no template to send alerts with."""


@dataclass(frozen=True)
class AlertDraft:
    title: str
    summary: str
    countries: list[str]  # ISO codes, or names a follower would type
    body: str = ""
    source: str = ""
    source_url: str = ""
    sample: bool = False


def _checked(draft: AlertDraft) -> tuple[dict[str, Any], list[str]]:
    problems: dict[str, str] = {}
    values = {name: str(getattr(draft, name) or "").strip()
              for name in ("title", "summary", "body", "source", "source_url")}
    for name in ("title", "summary"):
        if not values[name]:
            problems[name] = "不能为空"
    for name, value in values.items():
        if len(value) > ALERT_LIMITS[name]:
            problems[name] = f"最多 {ALERT_LIMITS[name]} 个字"
    url = values["source_url"]
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        problems["source_url"] = "需要 http(s) 开头的网址"
    codes, unknown = [], []
    for name in draft.countries:
        code = exact(str(name))
        (codes if code else unknown).append(code or str(name))
    if unknown:
        problems["countries"] = "不认识的国家：" + "、".join(unknown[:5])
    elif not codes or len(set(codes)) > ALERT_LIMITS["countries"]:
        problems["countries"] = f"请列出 1–{ALERT_LIMITS['countries']} 个国家"
    if problems:
        raise AlertInvalid(problems)
    return values, list(dict.fromkeys(codes))


def publish_alert(uow: UnitOfWork, draft: AlertDraft,
                  fan_out: Callable[[int], Any]) -> tuple[Alert, int]:
    """Store the alert (audited) and queue ``fan_out(alert_id)`` after the commit. Returns the
    alert and how many followers subscribe to its countries now."""
    if not str(uow.section("academy").get("alert_template_id") or ""):
        raise AlertsNotConfigured()
    values, codes = _checked(draft)
    alert = Alert(**values, countries=codes, sample=bool(draft.sample), status="queued",
                  published_by=uow.actor.label[:80], published_at=uow.now)
    uow.session.add(alert)
    uow.session.flush()
    uow.audit("academy.alert_publish", "alert", alert.id,
              after={"title": alert.title, "countries": codes, "sample": alert.sample})
    uow.outbox.later(fan_out, alert.id)
    return alert, audience(uow, codes)


def audience(uow: UnitOfWork, codes: Sequence[str]) -> int:
    """Followers who still follow the account and subscribe to one of ``codes``."""
    return uow.session.scalar(
        select(func.count(func.distinct(AlertSubscription.follower_id)))
        .join(followers, followers.c.id == AlertSubscription.follower_id)
        .where(AlertSubscription.country.in_(list(codes)), followers.c.subscribed.is_(True))
    ) or 0


@dataclass(frozen=True)
class AlertView:
    alert: Alert
    counts: dict[str, int] = field(default_factory=dict)  # delivery status → rows


def delivery_counts(uow: UnitOfWork, alert_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {alert_id: {} for alert_id in alert_ids}
    rows = uow.session.execute(
        select(AlertDelivery.alert_id, AlertDelivery.status, func.count())
        .where(AlertDelivery.alert_id.in_(list(alert_ids)))
        .group_by(AlertDelivery.alert_id, AlertDelivery.status))
    for alert_id, status, number in rows:
        counts[alert_id][status] = number
    return counts


def list_alerts(uow: UnitOfWork, offset: int = 0, limit: int = 20) -> tuple[list[AlertView], int]:
    """Newest first, with each alert's delivery counts."""
    total = uow.session.scalar(select(func.count()).select_from(Alert)) or 0
    alerts = list(uow.session.scalars(select(Alert).order_by(Alert.id.desc())
                                      .offset(offset).limit(limit)))
    counts = delivery_counts(uow, [alert.id for alert in alerts])
    return [AlertView(alert, counts[alert.id]) for alert in alerts], total


def alert_view(uow: UnitOfWork, alert_id: int) -> AlertView | None:
    alert = uow.session.get(Alert, alert_id)
    return AlertView(alert, delivery_counts(uow, [alert.id])[alert.id]) if alert else None


def alerts_for(uow: UnitOfWork, codes: Sequence[str], limit: int = 10) -> list[Alert]:
    """The latest alerts about any of ``codes`` (a follower's subscriptions)."""
    if not codes:
        return []
    wanted = set(codes)
    recent = uow.session.scalars(select(Alert).order_by(Alert.id.desc()).limit(200))
    return [alert for alert in recent if wanted & set(alert.countries)][:limit]
