"""小微学院 for the mini-program: /api/v1/academy/…

Anyone may read the content (sections, lessons, the country library, the toolbox). A follower
token records its own progress and quiz answers, keeps its alert subscriptions and asks the
experts (the question is a ticket, read back through /api/v1/tickets). Staff holding
``academy.edit`` publish risk alerts and read how far their sending got. The same use cases as
the chat and the H5 pages (``academy.usecases``).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for

from academy import countries, tools
from academy.content import Lesson, to_html
from academy.manifest import ACADEMY_EDIT
from academy.usecases import (
    AlertDraft,
    AlertInvalid,
    AlertsNotConfigured,
    AlertView,
    BadAnswers,
    NotTracked,
    ProgressView,
    TooManySubscriptions,
    alert_view,
    continue_with,
    library_of,
    list_alerts,
    mark_read,
    progress_of,
    publish_alert,
    submit_quiz,
    subscribe,
    subscriptions_of,
    summary,
    unsubscribe,
)
from api.auth import follower_required, require_principal, staff_required
from api.blueprint import ApiBlueprint
from api.errors import Conflict, NotFound, ValidationFailed
from api.fields import UtcDateTime
from api.idempotency import idempotent
from api.pagination import PageArgs, page_of, paginated, window
from api.work import commit, unit_of_work
from support.usecases import MAX_BODY, Kind, TicketError, open_ticket
from wechat.alerts import fan_out_alert

blp = ApiBlueprint("academy", __name__, url_prefix="/academy",
                   description="小微学院：课程、国别图书馆、工具箱、专家提问、风险预警")

NO_LESSON = "找不到该课程"
NO_COUNTRY = "找不到该国家或地区"


# --- schemas -----------------------------------------------------------------------------------

class SectionSchema(ma.Schema):
    id = ma.fields.String(required=True, metadata={"description": "basics | cases | master | "
                                                                 "countries | toolbox | alerts"})
    title = ma.fields.String(required=True)
    summary = ma.fields.String(required=True)
    lessons = ma.fields.Integer(required=True, metadata={"description": "该栏目的课程数"})


class SectionListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SectionSchema), required=True)


class SourceSchema(ma.Schema):
    title = ma.fields.String(required=True)
    url = ma.fields.String(allow_none=True)


class LessonSummarySchema(ma.Schema):
    id = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    section = ma.fields.String(required=True)
    order = ma.fields.Integer(required=True)
    summary = ma.fields.String(required=True)
    illustrative = ma.fields.Boolean(required=True, metadata={"description": "示例案例"})
    questions = ma.fields.Integer(required=True, metadata={"description": "测验题数"})


class QuestionSchema(ma.Schema):
    number = ma.fields.Integer(required=True)
    question = ma.fields.String(required=True)
    options = ma.fields.List(ma.fields.String(), required=True)


class ItemSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name_zh = ma.fields.String(required=True)
    name_en = ma.fields.String(required=True)
    summary = ma.fields.String(required=True)
    group = ma.fields.String(required=True)
    risk = ma.fields.String(required=True)


class LessonSchema(LessonSummarySchema):
    body_markdown = ma.fields.String(required=True)
    body_html = ma.fields.String(required=True)
    sources = ma.fields.List(ma.fields.Nested(SourceSchema), required=True)
    quiz = ma.fields.List(ma.fields.Nested(QuestionSchema), required=True,
                          metadata={"description": "不含答案；提交后返回对错与解析"})
    items = ma.fields.List(ma.fields.Nested(ItemSchema), required=True,
                           metadata={"description": "工具箱速查页的条目"})


class LessonListArgs(PageArgs):
    section = ma.fields.String(load_default=None)


class ProgressSchema(ma.Schema):
    lesson_id = ma.fields.String(required=True)
    state = ma.fields.String(required=True, metadata={"description": "new | started | completed"})
    opened_at = UtcDateTime(allow_none=True)
    completed_at = UtcDateTime(allow_none=True)
    attempts = ma.fields.Integer(required=True)
    best_score = ma.fields.Integer(allow_none=True)
    last_score = ma.fields.Integer(allow_none=True)
    quiz_total = ma.fields.Integer(allow_none=True)


class SectionProgressSchema(ma.Schema):
    section = ma.fields.String(required=True)
    completed = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)


class MyProgressSchema(ma.Schema):
    lessons = ma.fields.List(ma.fields.Nested(ProgressSchema), required=True)
    sections = ma.fields.List(ma.fields.Nested(SectionProgressSchema), required=True)
    continue_with = ma.fields.Nested(LessonSummarySchema, allow_none=True,
                                     metadata={"description": "继续学习：下一课"})


class ProgressBodySchema(ma.Schema):
    completed = ma.fields.Boolean(
        load_default=True, metadata={"description": "读完（有测验的课程在提交测验后才算学完）"})


class AnswersSchema(ma.Schema):
    answers = ma.fields.List(ma.fields.Integer(validate=ma.validate.Range(min=0, max=20)),
                             required=True, validate=ma.validate.Length(min=1, max=10),
                             metadata={"description": "每题所选选项的序号（从 0 起），按题目顺序"})


class MarkedSchema(ma.Schema):
    number = ma.fields.Integer(required=True)
    chosen = ma.fields.Integer(required=True)
    answer = ma.fields.Integer(required=True)
    correct = ma.fields.Boolean(required=True)
    explain = ma.fields.String(required=True)


class QuizResultSchema(ma.Schema):
    lesson_id = ma.fields.String(required=True)
    score = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    questions = ma.fields.List(ma.fields.Nested(MarkedSchema), required=True)
    progress = ma.fields.Nested(ProgressSchema, required=True)


class RatingSchema(ma.Schema):
    rating = ma.fields.Integer(required=True, metadata={"description": "1（最低）– 9（最高）"})
    as_of = ma.fields.Date(allow_none=True)
    source = ma.fields.String(required=True)
    sample = ma.fields.Boolean(required=True, metadata={"description": "示例数据"})
    report_url = ma.fields.String(required=True, metadata={"description": "《国家风险分析报告》"})


class CountrySchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "ISO 3166-1 二位代码"})
    name_zh = ma.fields.String(required=True)
    name_en = ma.fields.String(required=True)
    region = ma.fields.String(required=True, metadata={"description": "大洲代码：AS EU AF NA "
                                                                      "SA OC AN"})
    region_zh = ma.fields.String(required=True)
    rating = ma.fields.Nested(RatingSchema, allow_none=True)


class CountryArgs(PageArgs):
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=40),
                         metadata={"description": "中文或英文国名（可有错字），为空时列出全部"})


class WorkdayArgs(ma.Schema):
    start = ma.fields.Date(required=True, metadata={"description": "起始日期（当天不算）"})
    days = ma.fields.Integer(required=True,
                             validate=ma.validate.Range(min=1, max=tools.MAX_WORKDAYS))


class WorkdaySchema(ma.Schema):
    start = ma.fields.Date(required=True)
    days = ma.fields.Integer(required=True)
    date = ma.fields.Date(required=True)
    provisional = ma.fields.Boolean(required=True,
                                    metadata={"description": "该年节假日尚未公布，只跳过了周末"})
    provisional_reason = ma.fields.String(allow_none=True)


class DueDateArgs(ma.Schema):
    ship_date = ma.fields.Date(required=True)
    credit_days = ma.fields.Integer(required=True,
                                    validate=ma.validate.Range(min=1, max=tools.MAX_CREDIT_DAYS))


class DueDateSchema(ma.Schema):
    ship_date = ma.fields.Date(required=True)
    credit_days = ma.fields.Integer(required=True)
    due_date = ma.fields.Date(required=True)
    rest_day = ma.fields.Boolean(required=True, metadata={"description": "中国的休息日或节假日"})
    holiday = ma.fields.String(required=True)
    within_a_year = ma.fields.Boolean(required=True,
                                      metadata={"description": "信保易承保 1 年以内的信用期限"})
    provisional = ma.fields.Boolean(required=True)


class ReferenceSchema(ma.Schema):
    title = ma.fields.String(required=True)
    items = ma.fields.List(ma.fields.Nested(ItemSchema), required=True)
    sources = ma.fields.List(ma.fields.Nested(SourceSchema), required=True)


class SubscriptionsSchema(ma.Schema):
    countries = ma.fields.List(ma.fields.Nested(CountrySchema), required=True)


class QuestionBodySchema(ma.Schema):
    question = ma.fields.String(required=True, validate=ma.validate.Length(min=5, max=MAX_BODY))


class TicketCreatedSchema(ma.Schema):
    id = ma.fields.Integer(required=True, metadata={"description": "在 /api/v1/tickets 查看答复"})
    status = ma.fields.String(required=True)


class AlertBodySchema(ma.Schema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    summary = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    countries = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=40)),
                               required=True, validate=ma.validate.Length(min=1, max=50),
                               metadata={"description": "ISO 代码或中英文国名"})
    body = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    source = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    source_url = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))
    sample = ma.fields.Boolean(load_default=False, metadata={"description": "示例数据"})


class AlertSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    summary = ma.fields.String(required=True)
    countries = ma.fields.List(ma.fields.String(), required=True)
    sample = ma.fields.Boolean(required=True)
    status = ma.fields.String(required=True, metadata={"description": "queued | sending | done "
                                                                      "| paused"})
    published_at = UtcDateTime(required=True)
    published_by = ma.fields.String(required=True)
    deliveries = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                                required=True, metadata={"description": "状态 → 人数"})


class PublishedSchema(AlertSchema):
    audience = ma.fields.Integer(required=True, metadata={"description": "发布时的订阅人数"})


# --- shaping -----------------------------------------------------------------------------------

def _summary(lesson: Lesson) -> dict[str, Any]:
    return {"id": lesson.id, "title": lesson.title, "section": lesson.section,
            "order": lesson.order, "summary": lesson.summary,
            "illustrative": lesson.illustrative, "questions": len(lesson.quiz)}


def _progress(view: ProgressView) -> dict[str, Any]:
    return {**view.__dict__, "state": view.state}


def _country(entry: countries.CountryEntry) -> dict[str, Any]:
    rating = entry.rating.__dict__ if entry.rating else None
    return {"code": entry.code, "name_zh": entry.name_zh, "name_en": entry.name_en,
            "region": entry.region, "region_zh": entry.region_zh, "rating": rating}


def _alert(view: AlertView) -> dict[str, Any]:
    alert = view.alert
    return {"id": alert.id, "title": alert.title, "summary": alert.summary,
            "countries": list(alert.countries), "sample": alert.sample, "status": alert.status,
            "published_at": alert.published_at, "published_by": alert.published_by,
            "deliveries": view.counts}


def _lesson(lesson_id: str) -> Lesson:
    found = library_of(unit_of_work()).lesson(lesson_id)
    if found is None:
        raise NotFound(NO_LESSON)
    return found


def _follower_id() -> int:
    return int(require_principal().follower_id or 0)


# --- content -----------------------------------------------------------------------------------

@blp.route("/sections")
@blp.response(200, SectionListSchema)
def sections() -> dict[str, Any]:
    """小微学院的六个栏目"""
    library = library_of(unit_of_work())
    return {"items": [{"id": info.id, "title": info.title, "summary": info.summary,
                       "lessons": len(library.in_section(info.id))}
                      for info in library.sections]}


@blp.route("/lessons")
@blp.arguments(LessonListArgs, location="query")
@blp.response(200, page_of(LessonSummarySchema))
def lessons(args: dict[str, Any]) -> dict[str, Any]:
    """课程列表（可按栏目筛选）"""
    library = library_of(unit_of_work())
    rows = [lesson for lesson in library.lessons
            if args.get("section") in (None, lesson.section)]
    span = window(args)
    chosen = rows[span["offset"]:span["offset"] + span["limit"]]
    return paginated([_summary(lesson) for lesson in chosen], len(rows), args)


@blp.route("/lessons/<lesson_id>")
@blp.response(200, LessonSchema)
@blp.alt_response(404, response="NOT_FOUND")
def lesson(lesson_id: str) -> dict[str, Any]:
    """一课的全文、来源和测验题（不含答案）"""
    found = _lesson(lesson_id)
    html = to_html(found.body, lambda other: url_for("academy_pages.lesson", lesson_id=other))
    return {**_summary(found), "body_markdown": found.body, "body_html": html,
            "sources": [source.__dict__ for source in found.sources],
            "quiz": [{"number": n, "question": q.text, "options": list(q.options)}
                     for n, q in enumerate(found.quiz, 1)],
            "items": [item.__dict__ for item in found.items]}


# --- a follower's progress ---------------------------------------------------------------------

@blp.route("/progress")
@follower_required
@blp.response(200, MyProgressSchema)
def my_progress() -> dict[str, Any]:
    """我的学习：每课进度、测验成绩、各栏目完成数和「继续学习」的下一课"""
    uow = unit_of_work()
    library = library_of(uow)
    progress = progress_of(uow, _follower_id())
    following = continue_with(uow, _follower_id(), library)
    return {"lessons": [_progress(view) for view in progress.values()],
            "sections": [part.__dict__ for part in summary(library, progress)],
            "continue_with": _summary(following) if following else None}


@blp.route("/progress/<lesson_id>", methods=["PUT"])
@follower_required
@blp.arguments(ProgressBodySchema)
@blp.response(200, ProgressSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def record_progress(body: dict[str, Any], lesson_id: str) -> dict[str, Any]:
    """记录学习进度：打开了（completed=false）或读完了（completed=true）"""
    uow = unit_of_work()
    found = _lesson(lesson_id)
    try:
        view = mark_read(uow, _follower_id(), found, completed=body["completed"])
    except NotTracked:
        raise ValidationFailed("工具箱速查页不记录进度", code="not_a_lesson") from None
    commit(uow)
    return _progress(view)


@blp.route("/lessons/<lesson_id>/answers", methods=["POST"])
@follower_required
@blp.arguments(AnswersSchema)
@blp.response(201, QuizResultSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def answer(body: dict[str, Any], lesson_id: str) -> dict[str, Any]:
    """提交测验答案：返回得分、每题对错与解析；保留最好成绩"""
    uow = unit_of_work()
    found = _lesson(lesson_id)
    try:
        result = submit_quiz(uow, _follower_id(), found, body["answers"])
    except NotTracked:
        raise ValidationFailed("这一课没有测验", code="no_quiz") from None
    except BadAnswers as bad:
        raise ValidationFailed(f"请按顺序回答全部 {bad.expected} 道题，每题选一个选项",
                               code="bad_answers",
                               details={"expected": bad.expected}) from None
    commit(uow)
    return {"lesson_id": found.id, "score": result.score, "total": result.total,
            "questions": [{"number": m.number, "chosen": m.chosen, "answer": m.answer,
                           "correct": m.correct, "explain": m.explain} for m in result.marked],
            "progress": _progress(result.progress)}


# --- the country library -------------------------------------------------------------------

@blp.route("/countries")
@blp.arguments(CountryArgs, location="query")
@blp.response(200, page_of(CountrySchema))
def country_list(args: dict[str, Any]) -> dict[str, Any]:
    """国别图书馆：按中文或英文国名查找（可有错字），或列出全部"""
    uow = unit_of_work()
    query = args["q"].strip()
    codes = (countries.matches(query, limit=20) if query
             else [entry.code for entry in countries.all_countries()])
    span = window(args)
    chosen = codes[span["offset"]:span["offset"] + span["limit"]]
    entries = countries.with_ratings(uow.session, chosen, uow.section("academy"))
    return paginated([_country(entry) for entry in entries], len(codes), args)


@blp.route("/countries/<code>")
@blp.response(200, CountrySchema)
@blp.alt_response(404, response="NOT_FOUND")
def country(code: str) -> dict[str, Any]:
    """一个国家：中文名、大洲、国家风险评级（1–9）及数据日期、报告链接"""
    uow = unit_of_work()
    entry = countries.country(uow.session, code[:3], uow.section("academy"))
    if entry is None:
        raise NotFound(NO_COUNTRY)
    return _country(entry)


# --- the toolbox -------------------------------------------------------------------------------

def _tool_error(error: tools.ToolInputError) -> ValidationFailed:
    return ValidationFailed("日期需在 2000–2099 年之间" if error.code == "date_range"
                            else "请检查日期和天数", code=error.code)


@blp.route("/tools/workdays")
@blp.arguments(WorkdayArgs, location="query")
@blp.response(200, WorkdaySchema)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def workdays(args: dict[str, Any]) -> dict[str, Any]:
    """工作日计算：起始日之后第 N 个工作日（官方节假日与调休，与理赔时限同一算法）"""
    try:
        result = tools.working_days(args["start"], args["days"])
    except tools.ToolInputError as error:
        raise _tool_error(error) from None
    return {"start": result.start, "days": result.count, "date": result.end.day,
            "provisional": result.end.provisional,
            "provisional_reason": result.end.provisional_reason}


@blp.route("/tools/due-date")
@blp.arguments(DueDateArgs, location="query")
@blp.response(200, DueDateSchema)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def due_date(args: dict[str, Any]) -> dict[str, Any]:
    """到期日：出运日期加账期天数（日历日），并说明是否落在中国的休息日"""
    try:
        result = tools.due_date(args["ship_date"], args["credit_days"])
    except tools.ToolInputError as error:
        raise _tool_error(error) from None
    return {"ship_date": result.ship, "credit_days": result.days, "due_date": result.due,
            "rest_day": result.rest_day, "holiday": result.holiday,
            "within_a_year": result.within_a_year, "provisional": result.provisional}


def _reference(kind: str) -> dict[str, Any]:
    page = library_of(unit_of_work()).reference(kind)
    if page is None:
        raise NotFound("该速查页不存在")
    return {"title": page.title, "items": [item.__dict__ for item in page.items],
            "sources": [source.__dict__ for source in page.sources]}


@blp.route("/tools/payment-methods")
@blp.response(200, ReferenceSchema)
@blp.alt_response(404, response="NOT_FOUND")
def payment_methods() -> dict[str, Any]:
    """支付方式速查：D/P、D/A、OA、L/C"""
    return _reference("payment_methods")


@blp.route("/tools/incoterms")
@blp.response(200, ReferenceSchema)
@blp.alt_response(404, response="NOT_FOUND")
def incoterms() -> dict[str, Any]:
    """贸易术语速查：国际商会 Incoterms® 2020 的 11 种术语"""
    return _reference("incoterms")


# --- alert subscriptions -----------------------------------------------------------------------

def _subscriptions() -> dict[str, Any]:
    uow = unit_of_work()
    codes = subscriptions_of(uow, _follower_id())
    entries = countries.with_ratings(uow.session, codes, uow.section("academy"))
    return {"countries": [_country(entry) for entry in entries]}


def _country_code(code: str) -> str:
    found = countries.exact(code)
    if found is None:
        raise NotFound(NO_COUNTRY)
    return found


@blp.route("/subscriptions")
@follower_required
@blp.response(200, SubscriptionsSchema)
def my_subscriptions() -> dict[str, Any]:
    """我订阅风险预警的国家"""
    return _subscriptions()


@blp.route("/subscriptions/<code>", methods=["PUT"])
@follower_required
@blp.response(200, SubscriptionsSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def add_subscription(code: str) -> dict[str, Any]:
    """订阅一个国家的风险预警（已订阅的不变）"""
    uow = unit_of_work()
    try:
        subscribe(uow, _follower_id(), [_country_code(code)])
    except TooManySubscriptions as error:
        raise Conflict(f"最多订阅 {error.limit} 个国家", code="too_many_subscriptions") from None
    commit(uow)
    return _subscriptions()


@blp.route("/subscriptions/<code>", methods=["DELETE"])
@follower_required
@blp.response(200, SubscriptionsSchema)
@blp.alt_response(404, response="NOT_FOUND")
def remove_subscription(code: str) -> dict[str, Any]:
    """退订一个国家的风险预警"""
    uow = unit_of_work()
    unsubscribe(uow, _follower_id(), [_country_code(code)])
    commit(uow)
    return _subscriptions()


# --- 大师课 --------------------------------------------------------------------------------------

@blp.route("/questions", methods=["POST"])
@follower_required
@idempotent
@blp.arguments(QuestionBodySchema)
@blp.response(201, TicketCreatedSchema)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def ask(body: dict[str, Any]) -> dict[str, Any]:
    """向专家提问：成为员工收件箱里的一条咨询，答复在公众号里发给用户"""
    uow = unit_of_work()
    question = body["question"].strip()
    try:
        ticket = open_ticket(uow, str(require_principal().openid), Kind.EXPERT,
                             question.splitlines()[0][:60] if question else "", [question])
    except TicketError:
        raise ValidationFailed("问题不能为空", code="empty_question") from None
    commit(uow)
    return {"id": ticket.id, "status": ticket.status}


# --- alerts (staff) ----------------------------------------------------------------------------

@blp.route("/alerts", methods=["POST"])
@staff_required(ACADEMY_EDIT)
@idempotent
@blp.arguments(AlertBodySchema)
@blp.response(201, PublishedSchema)
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def publish(body: dict[str, Any]) -> dict[str, Any]:
    """发布风险预警：以模板消息发给订阅了这些国家、仍关注公众号的每位用户，各一次"""
    uow = unit_of_work()
    try:
        alert, audience = publish_alert(uow, AlertDraft(**body), fan_out_alert)
    except AlertInvalid as invalid:
        raise ValidationFailed("预警内容有误", code="invalid_alert",
                               details=invalid.problems) from None
    except AlertsNotConfigured:
        raise Conflict("尚未配置预警模板消息（[academy] alert_template_id）",
                       code="alerts_not_configured") from None
    commit(uow)
    return {**_alert(AlertView(alert, {})), "audience": audience}


@blp.route("/alerts")
@staff_required(ACADEMY_EDIT)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(AlertSchema))
def alerts(args: dict[str, Any]) -> dict[str, Any]:
    """已发布的预警（最新在前），含发送情况"""
    views, total = list_alerts(unit_of_work(), **window(args))
    return paginated([_alert(view) for view in views], total, args)


@blp.route("/alerts/<id:alert_id>")
@staff_required(ACADEMY_EDIT)
@blp.response(200, AlertSchema)
@blp.alt_response(404, response="NOT_FOUND")
def alert(alert_id: int) -> dict[str, Any]:
    """一条预警及其发送情况（已发送、待发送、已取关未发送、失败）"""
    view = alert_view(unit_of_work(), alert_id)
    if view is None:
        raise NotFound("找不到该预警")
    return _alert(view)

