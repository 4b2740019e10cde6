"""小微学院's pages: the H5 pages a follower reads on a phone (``/h5/academy``), and the staff
page for the content and the risk alerts (``/staff/academy``).

H5 pages need a signed-in follower (``@follower_page``: the bot's signed link or WeChat's
OAuth); each shows only that follower's progress, scores, subscriptions and questions. A
published alert's page (``/h5/academy/alerts/<id>``, where its template message points) is
public. Forms are POSTs with the CSRF token. The same use cases as the chat and the API
(``academy.usecases``); the commit is here, at the edge.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from academy import countries, tools
from academy.content import Lesson, to_html
from academy.manifest import ACADEMY_EDIT
from academy.models import Alert
from academy.sections import Section
from academy.usecases import (
    AlertDraft,
    AlertInvalid,
    AlertsNotConfigured,
    BadAnswers,
    QuizResult,
    TooManySubscriptions,
    alert_view,
    alerts_for,
    continue_with,
    library_of,
    list_alerts,
    mark_read,
    open_lesson,
    progress_of,
    publish_alert,
    submit_quiz,
    subscribe,
    subscriptions_of,
    summary,
    unsubscribe,
)
from core.countries import display_name
from core.services import current
from core.uow import Actor, UnitOfWork
from identity import Principal
from support.usecases import Filters, Kind, listing, messages_of
from web.h5 import current_follower, follower_page
from web.staff import current_staff, staff_page
from web.work import commit as _commit
from web.work import page_uow, protect_forms
from wechat.alerts import fan_out_alert

bp = Blueprint("academy_pages", __name__, url_prefix="/h5/academy")
staff_bp = Blueprint("academy_staff", __name__, url_prefix="/staff/academy")


bp.before_request(protect_forms)
staff_bp.before_request(protect_forms)


@bp.app_template_global()
def country_zh(code: str) -> str:
    return display_name(code)


def _uow(actor: Actor) -> UnitOfWork:
    return page_uow(actor, with_audit=True)




def _follower() -> tuple[Principal, UnitOfWork]:
    principal = current_follower()
    assert principal is not None and principal.follower_id is not None  # @follower_page
    return principal, _uow(principal.actor)


def _lesson_url(lesson_id: str) -> str:
    return url_for("academy_pages.lesson", lesson_id=lesson_id)


# --- lessons -----------------------------------------------------------------------------------

@bp.get("/")
@follower_page
def home() -> str:
    principal, uow = _follower()
    library = library_of(uow)
    progress = progress_of(uow, principal.follower_id)
    return render_template("pages/academy/home.html", library=library,
                           sections=summary(library, progress),
                           next_lesson=continue_with(uow, principal.follower_id, library))


@bp.get("/s/<section_id>")
@follower_page
def section(section_id: str) -> str:
    principal, uow = _follower()
    library = library_of(uow)
    info = library.section(section_id)
    if info is None or not library.in_section(section_id):
        abort(404)
    return render_template("pages/academy/section.html", section=info,
                           lessons=library.in_section(section_id),
                           progress=progress_of(uow, principal.follower_id))


def _lesson_page(lesson: Lesson, uow: UnitOfWork, follower_id: int, *,
                 result: QuizResult | None = None, chosen: dict[int, int] | None = None,
                 problem: str = "", status: int = 200) -> tuple[str, int]:
    library = library_of(uow)
    before, after = library.neighbours(lesson)
    progress = progress_of(uow, follower_id).get(lesson.id)
    page = render_template("pages/academy/lesson.html", lesson=lesson,
                           section=library.section(lesson.section),
                           body=to_html(lesson.body, _lesson_url), before=before, after=after,
                           progress=progress, result=result, chosen=chosen or {},
                           problem=problem)
    return page, status


def _lesson_or_404(lesson_id: str, uow: UnitOfWork) -> Lesson:
    lesson = library_of(uow).lesson(lesson_id)
    if lesson is None:
        abort(404)
    return lesson


@bp.get("/lessons/<lesson_id>")
@follower_page
def lesson(lesson_id: str) -> tuple[str, int]:
    principal, uow = _follower()
    found = _lesson_or_404(lesson_id, uow)
    open_lesson(uow, principal.follower_id, found)
    _commit(uow)
    return _lesson_page(found, uow, principal.follower_id)


@bp.post("/lessons/<lesson_id>/quiz")
@follower_page
def answer_quiz(lesson_id: str) -> tuple[str, int]:
    principal, uow = _follower()
    found = _lesson_or_404(lesson_id, uow)
    chosen: dict[int, int] = {}
    for number in range(1, len(found.quiz) + 1):
        value = request.form.get(f"q{number}", "")
        if value.isdigit():
            chosen[number] = int(value)
    if not found.quiz or len(chosen) != len(found.quiz):
        return _lesson_page(found, uow, principal.follower_id, chosen=chosen,
                            problem="unanswered", status=400)
    try:
        result = submit_quiz(uow, principal.follower_id, found,
                             [chosen[n] for n in range(1, len(found.quiz) + 1)])
    except BadAnswers:
        return _lesson_page(found, uow, principal.follower_id, chosen={},
                            problem="unanswered", status=400)
    _commit(uow)
    return _lesson_page(found, uow, principal.follower_id, result=result, chosen=chosen)


@bp.post("/lessons/<lesson_id>/read")
@follower_page
def read(lesson_id: str) -> Response:
    principal, uow = _follower()
    found = _lesson_or_404(lesson_id, uow)
    if found.tracked:
        mark_read(uow, principal.follower_id, found)
        _commit(uow)
    return redirect(_lesson_url(found.id))


# --- the country library -------------------------------------------------------------------

@bp.get("/countries")
@follower_page
def country_list() -> str:
    _principal, uow = _follower()
    query = request.args.get("q", "").strip()[:40]
    settings = uow.section("academy")
    if query:
        entries = countries.search(uow.session, query, limit=20, settings=settings)
    else:
        codes = [entry.code for entry in countries.all_countries()]
        entries = countries.with_ratings(uow.session, codes, settings)
    return render_template("pages/academy/countries.html", query=query, entries=entries,
                           regions=countries.REGIONS)


@bp.get("/countries/<code>")
@follower_page
def country(code: str) -> str:
    principal, uow = _follower()
    entry = countries.country(uow.session, code[:3], uow.section("academy"))
    if entry is None:
        abort(404)
    return render_template("pages/academy/country.html", entry=entry,
                           subscribed=entry.code in subscriptions_of(uow,
                                                                     principal.follower_id))


# --- the toolbox -------------------------------------------------------------------------------

def _tool(compute: Callable[[date, int], Any], day: str, number: str) -> tuple[Any, str]:
    """The result, or the problem's code (the page says it in words)."""
    if not day and not number:
        return None, ""
    try:
        start = date.fromisoformat(day)
    except ValueError:
        return None, "no_date"
    try:
        return compute(start, int(number)), ""
    except ValueError as error:  # a number that is not one, or out of range
        return None, error.code if isinstance(error, tools.ToolInputError) else "no_number"


@bp.get("/tools")
@follower_page
def toolbox() -> str:
    _principal, uow = _follower()
    library = library_of(uow)
    args = request.args
    workdays, workdays_problem = _tool(tools.working_days, args.get("start", ""),
                                       args.get("days", ""))
    due, due_problem = _tool(tools.due_date, args.get("ship", ""), args.get("credit", ""))
    return render_template("pages/academy/tools.html", args=args, workdays=workdays,
                           workdays_problem=workdays_problem, due=due, due_problem=due_problem,
                           payment=library.reference("payment_methods"),
                           incoterms=library.reference("incoterms"),
                           limits={"workdays": tools.MAX_WORKDAYS,
                                   "credit": tools.MAX_CREDIT_DAYS})


# --- alerts ------------------------------------------------------------------------------------

@bp.get("/alerts")
@follower_page
def my_alerts() -> tuple[str, int]:
    return _alerts_page()


def _alerts_page(problem: str = "", unknown: list[str] | None = None,
                 status: int = 200) -> tuple[str, int]:
    principal, uow = _follower()
    mine = subscriptions_of(uow, principal.follower_id)
    page = render_template("pages/academy/alerts.html", mine=mine,
                           recent=alerts_for(uow, mine), problem=problem,
                           unknown=unknown or [], done=request.args.get("done", ""))
    return page, status


@bp.post("/alerts/subscribe")
@follower_page
def subscribe_form() -> Response | tuple[str, int]:
    principal, uow = _follower()
    codes, unknown = countries.parse_countries(request.form.get("countries", "")[:200])
    if not codes:
        return _alerts_page("none", unknown, 400)
    try:
        subscribe(uow, principal.follower_id, codes)
    except TooManySubscriptions:
        return _alerts_page("too_many", status=409)
    _commit(uow)
    return redirect(url_for("academy_pages.my_alerts", done="subscribed"))


@bp.post("/alerts/unsubscribe")
@follower_page
def unsubscribe_form() -> Response:
    principal, uow = _follower()
    code = request.form.get("country", "")
    unsubscribe(uow, principal.follower_id, None if code == "*" else [code])
    _commit(uow)
    return redirect(url_for("academy_pages.my_alerts", done="unsubscribed"))


@bp.get("/alerts/<id:alert_id>")
def alert_page(alert_id: int) -> str:
    """Where an alert's template message points: public, like the alert itself."""
    alert = current().db.session.get(Alert, alert_id)
    if alert is None:
        abort(404)
    return render_template("pages/academy/alert.html", alert=alert)


# --- 大师课: my questions ---------------------------------------------------------------------

@bp.get("/questions")
@follower_page
def questions() -> str:
    principal, uow = _follower()
    tickets, _total = listing(uow, Filters(kind=Kind.EXPERT.value, openid=principal.openid),
                              offset=0, limit=50)
    threads = [(ticket, messages_of(uow, ticket)) for ticket in reversed(tickets)]
    return render_template("pages/academy/questions.html", threads=threads)


# --- staff: the content and the alerts ---------------------------------------------------------

def _staff_uow() -> UnitOfWork:
    principal = current_staff()
    assert principal is not None  # @staff_page
    return _uow(principal.actor)


def _staff_page(form: dict[str, str] | None = None, problems: dict[str, str] | None = None,
                status: int = 200) -> tuple[str, int]:
    uow = _staff_uow()
    library = library_of(uow)
    alerts, total = list_alerts(uow, 0, 20)
    page = render_template("pages/staff/academy.html", library=library, alerts=alerts,
                           total=total, form=form or {}, problems=problems or {},
                           sections=list(Section), published=request.args.get("published"),
                           configured=bool(uow.section("academy").get("alert_template_id")))
    return page, status


@staff_bp.get("/")
@staff_page(ACADEMY_EDIT)
def staff_home() -> tuple[str, int]:
    return _staff_page()


@staff_bp.post("/alerts")
@staff_page(ACADEMY_EDIT)
def publish() -> Response | tuple[str, int]:
    form = {name: request.form.get(name, "") for name in
            ("title", "summary", "body", "countries", "source", "source_url")}
    sample = request.form.get("sample") == "1"
    uow = _staff_uow()
    codes, unknown = countries.parse_countries(form["countries"])
    draft = AlertDraft(title=form["title"], summary=form["summary"],
                       countries=[*codes, *unknown], body=form["body"], source=form["source"],
                       source_url=form["source_url"], sample=sample)
    try:
        alert, _audience = publish_alert(uow, draft, fan_out_alert)
    except AlertInvalid as invalid:
        return _staff_page(form, invalid.problems, 400)
    except AlertsNotConfigured:
        return _staff_page(form, {"form": "not_configured"}, 409)
    _commit(uow)
    return redirect(url_for("academy_staff.staff_home", published=alert.id))


@staff_bp.get("/alerts/<id:alert_id>")
@staff_page(ACADEMY_EDIT)
def staff_alert(alert_id: int) -> str:
    view = alert_view(_staff_uow(), alert_id)
    if view is None:
        abort(404)
    return render_template("pages/staff/academy_alert.html", view=view)
