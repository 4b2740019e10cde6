"""小微学院 in the chat: cards that open the lessons, the country library, the toolbox, expert
questions (大师课) and alert subscriptions.

The lessons are H5 pages (``web.academy``); the chat sends a news card with a signed link to
them (the menu items 小微学院 and 信保说案, 必修课, 继续学习, "学习 信用证"). The rest answers in
the chat: "国别 德国" / "country germany" (the rating, its date and the report link), the
calculators ("算工作日 2026-09-25 30", "到期日 2026-03-01 90"), the quick references ("D/P",
"FOB"), "订阅预警 德国" / "退订预警 德国", and 问专家.

```mermaid
stateDiagram-v2
    [*] --> QUESTION: 问专家 / 大师课
    [*] --> PHOTO: 问专家 <question>
    QUESTION --> PHOTO: the question (5–1000 characters)
    QUESTION --> QUESTION: too short or too long (hint)
    PHOTO --> [*]: a photo, or 提交 (the ticket is opened)
    PHOTO --> PHOTO: other words (hint)
    note right of PHOTO: a form: 取消 / another service keep the draft, 继续填写 resumes
```

```mermaid
stateDiagram-v2
    [*] --> ANSWER: 算工作日 / 到期日 / 订阅 / 退订 / 国别, without what they need
    ANSWER --> [*]: dates and a number, countries (the answer)
    ANSWER --> ANSWER: not understood (hint with an example)
```
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from wechatpy.messages import BaseMessage

from academy import countries, tools
from academy.content import Item, Lesson
from academy.sections import Section
from academy.usecases import (
    TooManySubscriptions,
    continue_with,
    find_lessons,
    library_of,
    progress_of,
    subscribe,
    subscriptions_of,
    summary,
    unsubscribe,
)
from core.conversation import (
    End,
    Flow,
    Goto,
    ImageInput,
    Input,
    InputKind,
    Stay,
    Step,
    Transition,
    as_text,
    reading_text,
)
from core.countries import display_name
from core.replies import Article, News, Reply
from core.workdays import beijing_day
from handlers.context import Ctx, Handler
from support.usecases import Kind, TicketError, open_ticket

QUESTION_LIMITS = (5, 1000)
SUBMIT_WORDS = frozenset({"提交", "不用", "不需要", "没有", "跳过", "好", "好的", "发送", "确定",
                          "没有图片", "不用了", "submit"})
ALL_WORDS = frozenset({"全部", "所有", "全部国家", "all"})


# --- cards -----------------------------------------------------------------------------------

def _card(ctx: Ctx, title: str, template: str, path: str, **data: Any) -> News:
    return News(Article(title=title, description=ctx.render(template, **data),
                        url=ctx.page_url(path)))


def lesson_card(ctx: Ctx, lesson: Lesson) -> News:
    section = library_of(ctx.uow).section(lesson.section)
    return _card(ctx, lesson.title, "academy/lesson_card.j2", f"/h5/academy/lessons/{lesson.id}",
                 lesson=lesson, section=section)


def section_card(ctx: Ctx, section_id: str) -> News:
    library = library_of(ctx.uow)
    info = library.section(section_id)
    assert info is not None  # sections.toml describes every section (checked at start)
    lessons = library.in_section(section_id)
    progress = progress_of(ctx.uow, ctx.follower.id)
    done = sum(1 for lesson in lessons if progress.get(lesson.id) is not None
               and progress[lesson.id].state == "completed")
    return _card(ctx, f"小微学院 · {info.title}", "academy/section_card.j2",
                 f"/h5/academy/s/{section_id}", section=info, lessons=lessons, done=done)


def home(msg: BaseMessage, ctx: Ctx) -> Reply:
    """The menu item 小微学院, 学院, 课程; "学习 信用证" opens the lesson the words name."""
    library = library_of(ctx.uow)
    if ctx.argument:
        found = find_lessons(library, ctx.argument, limit=1)
        if found:
            return lesson_card(ctx, found[0])
    progress = progress_of(ctx.uow, ctx.follower.id)
    return _card(ctx, "小微学院", "academy/home_card.j2", "/h5/academy/",
                 sections=summary(library, progress), library=library,
                 next_lesson=continue_with(ctx.uow, ctx.follower.id, library))


def basics(msg: BaseMessage, ctx: Ctx) -> Reply:
    return section_card(ctx, Section.BASICS)


def cases(msg: BaseMessage, ctx: Ctx) -> Reply:
    return section_card(ctx, Section.CASES)


def resume(msg: BaseMessage, ctx: Ctx) -> Reply:
    """继续学习: the lesson opened last and not finished, else the next one."""
    lesson = continue_with(ctx.uow, ctx.follower.id, library_of(ctx.uow))
    if lesson is None:
        return ctx.text("academy/all_done.j2")
    return lesson_card(ctx, lesson)


def my_progress(msg: BaseMessage, ctx: Ctx) -> Reply:
    library = library_of(ctx.uow)
    progress = progress_of(ctx.uow, ctx.follower.id)
    scored = [(library.lesson(lesson_id), view) for lesson_id, view in progress.items()
              if view.best_score is not None and library.lesson(lesson_id)]
    return ctx.text("academy/progress.j2", sections=summary(library, progress),
                    library=library, scored=scored, url=ctx.page_url("/h5/academy/"),
                    next_lesson=continue_with(ctx.uow, ctx.follower.id, library))


# --- 大师课: a question for the experts --------------------------------------------------------

class ExpertState(StrEnum):
    QUESTION = "question"
    PHOTO = "photo"


@dataclass
class ExpertDraft:
    question: str = ""
    media_id: str = ""


def _question_problem(text: str) -> str | None:
    if len(text) < QUESTION_LIMITS[0]:
        return "short"
    if len(text) > QUESTION_LIMITS[1]:
        return "long"
    return None


def _take_question(answer: str, ctx: Ctx, draft: ExpertDraft) -> Transition:
    problem = _question_problem(answer)
    if problem:
        return Stay(ctx.render("academy/expert_hint.j2", code=problem, limits=QUESTION_LIMITS))
    draft.question = answer
    return Goto(ExpertState.PHOTO)


def _submit(ctx: Ctx, draft: ExpertDraft) -> Transition:
    """The question becomes a ticket in the console's inbox (``support``); the answer comes
    back as a customer-service message, or a template message after 48 hours."""
    subject = draft.question.splitlines()[0][:60]
    try:
        ticket = open_ticket(ctx.uow, ctx.openid, Kind.EXPERT, subject, [draft.question],
                             media_id=draft.media_id or None)
    except TicketError:
        return Stay(ctx.render("academy/expert_hint.j2", code="short", limits=QUESTION_LIMITS))
    return End(ctx.render("academy/expert_done.j2", ticket=ticket, photo=bool(draft.media_id)))


def _take_photo(given: Input, ctx: Ctx, draft: ExpertDraft) -> Transition:
    if isinstance(given, ImageInput):
        draft.media_id = given.media_id
        return _submit(ctx, draft)
    words = (as_text(given) or "").strip().rstrip("。.!！")
    if words.casefold() in SUBMIT_WORDS:
        return _submit(ctx, draft)
    return Stay(ctx.render("academy/expert_hint.j2", code="photo"))


EXPERT_FLOW: Flow[Ctx, ExpertDraft] = Flow(
    name="academy_expert",
    title="大师课提问",
    first=ExpertState.QUESTION,
    draft=ExpertDraft,
    steps={
        ExpertState.QUESTION: Step(
            lambda ctx, draft: ctx.render("academy/expert_prompt.j2", state="question",
                                          limits=QUESTION_LIMITS),
            reading_text(_take_question), label="问题"),
        ExpertState.PHOTO: Step(
            lambda ctx, draft: ctx.render("academy/expert_prompt.j2", state="photo",
                                          question=draft.question),
            _take_photo, takes=frozenset({InputKind.TEXT, InputKind.IMAGE}), label="图片"),
    },
)


def _begin(ctx: Ctx, flow: Flow, draft: Any, result: Transition) -> Reply:
    """A command that carried its answer ("国别 德国"): the answer, or, when it was not one,
    the hint and the question, with the conversation waiting for a better answer."""
    if isinstance(result, Stay):
        return ctx.conversations.start(ctx, flow, draft, message=result.hint)
    return ctx.conversations.begin_with(ctx, flow, draft, result)


def ask_expert(msg: BaseMessage, ctx: Ctx) -> Reply:
    if not ctx.argument:
        return ctx.start(EXPERT_FLOW)
    draft = ExpertDraft()
    return _begin(ctx, EXPERT_FLOW, draft, _take_question(ctx.argument, ctx, draft))


# --- one answer: the calculators, the country library, subscriptions --------------------------

class AskState(StrEnum):
    ANSWER = "answer"


@dataclass
class AskDraft:
    kind: str = ""  # workdays | due_date | country | subscribe | unsubscribe


def _workdays(text: str, ctx: Ctx) -> Transition:
    try:
        start, count = tools.read_query(text, beijing_day(ctx.now))
        if count is None:
            raise tools.ToolInputError("no_count")
        result = tools.working_days(start or beijing_day(ctx.now), count)
    except tools.ToolInputError as error:
        return Stay(ctx.render("academy/tool_hint.j2", tool="workdays", code=error.code,
                               **error.data))
    return End(ctx.render("academy/workdays.j2", result=result, assumed_today=start is None,
                          url=ctx.page_url("/h5/academy/tools")))


def _due_date(text: str, ctx: Ctx) -> Transition:
    try:
        ship, days = tools.read_query(text, beijing_day(ctx.now))
        if ship is None:
            raise tools.ToolInputError("no_date", text=text[:20])
        if days is None:
            raise tools.ToolInputError("no_days")
        result = tools.due_date(ship, days)
    except tools.ToolInputError as error:
        return Stay(ctx.render("academy/tool_hint.j2", tool="due_date", code=error.code,
                               **error.data))
    remaining = (result.due - beijing_day(ctx.now)).days
    return End(ctx.render("academy/due_date.j2", result=result, remaining=remaining,
                          url=ctx.page_url("/h5/academy/tools")))


def _country(text: str, ctx: Ctx) -> Transition:
    found = countries.search(ctx.db, text, limit=6, settings=ctx.settings.section("academy"))
    if not found:
        return Stay(ctx.render("academy/country_not_found.j2", text=text[:20]))
    exact = countries.exact(text)
    if exact or len(found) == 1:
        entry = next((e for e in found if e.code == exact), found[0])
        subscribed = entry.code in subscriptions_of(ctx.uow, ctx.follower.id)
        return End(ctx.render("academy/country.j2", entry=entry, subscribed=subscribed,
                              url=ctx.page_url(f"/h5/academy/countries/{entry.code}")))
    return End(ctx.render("academy/country_list.j2", entries=found, text=text))


def _cleaned_countries(text: str) -> str:
    """"德国的风险预警" → "德国": the words around the names are not countries."""
    for tail in ("的风险预警", "风险预警", "的预警", "预警", "的風險預警", "風險預警", "預警"):
        text = text.removesuffix(tail)
    return text.strip()


def _subscribe(text: str, ctx: Ctx) -> Transition:
    codes, unknown = countries.parse_countries(_cleaned_countries(text))
    if not codes:
        return Stay(ctx.render("academy/subscription_hint.j2", code="none", unknown=unknown))
    try:
        added = subscribe(ctx.uow, ctx.follower.id, codes)
    except TooManySubscriptions as error:
        return End(ctx.render("academy/subscription_hint.j2", code="too_many",
                              limit=error.limit))
    return End(ctx.render("academy/subscribed.j2", name=display_name, added=added,
                          unknown=unknown, now=subscriptions_of(ctx.uow, ctx.follower.id)))


def _unsubscribe(text: str, ctx: Ctx) -> Transition:
    cleaned = _cleaned_countries(text)
    if cleaned.casefold() in ALL_WORDS:
        gone = unsubscribe(ctx.uow, ctx.follower.id, None)
        return End(ctx.render("academy/unsubscribed.j2", name=display_name, gone=gone,
                              unknown=[], now=[]))
    codes, unknown = countries.parse_countries(cleaned)
    if not codes:
        return Stay(ctx.render("academy/subscription_hint.j2", code="none_to_stop",
                               unknown=unknown))
    gone = unsubscribe(ctx.uow, ctx.follower.id, codes)
    return End(ctx.render("academy/unsubscribed.j2", name=display_name, gone=gone, unknown=unknown,
                          asked=codes, now=subscriptions_of(ctx.uow, ctx.follower.id)))


ANSWERS = {"workdays": _workdays, "due_date": _due_date, "country": _country,
           "subscribe": _subscribe, "unsubscribe": _unsubscribe}


def _answer(text: str, ctx: Ctx, draft: AskDraft) -> Transition:
    if not text:
        return Stay(ctx.render("academy/ask_prompt.j2", kind=draft.kind))
    return ANSWERS[draft.kind](text, ctx)


def _ask_prompt(ctx: Ctx, draft: AskDraft) -> str:
    mine = subscriptions_of(ctx.uow, ctx.follower.id) if draft.kind == "unsubscribe" else []
    return ctx.render("academy/ask_prompt.j2", kind=draft.kind, mine=mine, name=display_name)


ASK_FLOW: Flow[Ctx, AskDraft] = Flow(
    name="academy_ask",
    title="小微学院",
    first=AskState.ANSWER,
    draft=AskDraft,
    form=False,
    timeout=timedelta(minutes=10),
    steps={AskState.ANSWER: Step(_ask_prompt, reading_text(_answer), label="回答")},
)


def _asking(kind: str) -> Handler:
    """A handler that answers at once when the message carries what it needs ("国别 德国"),
    and otherwise asks for it and waits for the answer."""

    def handle(msg: BaseMessage, ctx: Ctx) -> Reply:
        draft = AskDraft(kind=kind)
        if not ctx.argument:
            return ctx.start(ASK_FLOW, draft)
        return _begin(ctx, ASK_FLOW, draft, ANSWERS[kind](ctx.argument, ctx))

    return handle


def country_library(msg: BaseMessage, ctx: Ctx) -> Reply:
    """The menu item opens the library's page; "国别 德国" answers here."""
    if ctx.argument:
        return _asking("country")(msg, ctx)
    return _card(ctx, "小微学院 · 国别图书馆", "academy/countries_card.j2",
                 "/h5/academy/countries", total=len(countries.all_countries()))


# --- the toolbox -------------------------------------------------------------------------------

def toolbox(msg: BaseMessage, ctx: Ctx) -> Reply:
    return ctx.text("academy/toolbox.j2", url=ctx.page_url("/h5/academy/tools"))


def _reference(kind: str, template: str) -> Handler:
    def handle(msg: BaseMessage, ctx: Ctx) -> Reply:
        library = library_of(ctx.uow)
        asked = ctx.argument or as_text(ctx.input) or ""
        item: Item | None = tools.find_item(library, kind, asked)
        page = library.reference(kind)
        return ctx.text(template, item=item, page=page,
                        url=ctx.page_url(f"/h5/academy/tools#{kind}"))

    return handle


# --- alerts ------------------------------------------------------------------------------------

def my_alerts(msg: BaseMessage, ctx: Ctx) -> Reply:
    return ctx.text("academy/alerts.j2", name=display_name,
                    mine=subscriptions_of(ctx.uow, ctx.follower.id),
                    url=ctx.page_url("/h5/academy/alerts"))


HANDLERS = {
    "academy.home": home,
    "academy.basics": basics,
    "academy.resume": resume,
    "academy.progress": my_progress,
    "academy.master": ask_expert,
    "academy.cases": cases,
    "academy.countries": country_library,
    "academy.toolbox": toolbox,
    "academy.workdays": _asking("workdays"),
    "academy.due_date": _asking("due_date"),
    "academy.payment_methods": _reference("payment_methods", "academy/payment_methods.j2"),
    "academy.incoterms": _reference("incoterms", "academy/incoterms.j2"),
    "academy.alerts": my_alerts,
    "academy.subscribe": _asking("subscribe"),
    "academy.unsubscribe": _asking("unsubscribe"),
}
FLOWS = [EXPERT_FLOW, ASK_FLOW]
