"""信保易's pages: the H5 eligibility test, renewal form and shipment form and list (with the
Excel export) for followers, and the staff pages of renewal applications (list, detail, status
change — audited, the applicant told by template message).

The Flask adapter of ``policies`` (which never imports it): the same use cases as the chat and
the API. POST forms carry the CSRF token.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from core.services import current
from core.uow import Actor
from policies import eligibility, renewals, shipments
from policies.access import binding_of
from policies.binding import Member
from policies.eligibility import Answers, Test
from policies.manifest import POLICIES_MANAGE, POLICIES_READ
from policies.models import Binding, Enterprise, Policy, RenewalApplication
from policies.numbers import CURRENCIES, InputProblem, plain
from policies.records import PAYMENT_METHODS, effective_status, policies_of
from policies.renewals import RenewalRefused, RenewalStatus
from policies.shipments import ShipmentInput, ShipmentRefused
from policies.usecases import check_eligibility
from web.console.lists import Choice, Col, ListPage
from web.h5 import current_follower, follower_page
from web.staff import current_staff, staff_page
from web.work import commit as _commit
from web.work import page_uow as _uow
from web.work import protect_forms
from wechat.notices import tell_renewal_status

bp = Blueprint("policies_pages", __name__, url_prefix="/h5")
staff = Blueprint("policies_staff", __name__, url_prefix="/staff/renewals")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEST_NAMES = {Test.SME: "小微企业（工信部联企业〔2011〕300号）",
              Test.EXPORTS: "上年海关出口额 300 万美元（含）以下",
              Test.PROVINCIAL: "省级政府文件规定的小微企业",
              Test.ASSOCIATION: "全国性行业协会、商会文件规定的小微企业"}


bp.before_request(protect_forms)
staff.before_request(protect_forms)






def _member() -> Member:
    principal = current_follower()
    assert principal is not None
    return Member(follower_id=int(principal.follower_id or 0), openid=str(principal.openid),
                  channel="h5")


def _binding() -> Binding | None:
    principal = current_follower()
    return binding_of(current().db.session, principal.follower_id if principal else None)


def _not_bound() -> tuple[str, int]:
    return render_template("pages/policies/not_bound.html"), 403


# --- eligibility -------------------------------------------------------------------------------

def _decimal(value: str, problems: dict[str, str], name: str) -> Decimal | None:
    text = value.strip().replace(",", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        problems[name] = "请填写数字"
        return None
    if number < 0 or not number.is_finite():
        problems[name] = "请填写不小于 0 的数字"
        return None
    return number


def _choice(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _eligibility_answers(form: Any) -> tuple[Answers, dict[str, str]]:
    problems: dict[str, str] = {}
    exports = _decimal(form.get("exports_wan_usd", ""), problems, "exports_wan_usd")
    employees_text = form.get("employees", "").strip()
    employees = None
    if employees_text:
        if employees_text.isdigit():
            employees = int(employees_text)
        else:
            problems["employees"] = "从业人员请填写整数"
    industry = form.get("industry", "").strip() or None
    if industry and industry not in {item.id for item in eligibility.industries()}:
        problems["industry"] = "请从列表中选择行业"
    return Answers(exports_wan_usd=exports, industry=industry, employees=employees,
                   revenue_wan=_decimal(form.get("revenue_wan", ""), problems, "revenue_wan"),
                   assets_wan=_decimal(form.get("assets_wan", ""), problems, "assets_wan"),
                   provincial_document=_choice(form.get("provincial")),
                   association_document=_choice(form.get("association"))), problems


@bp.route("/eligibility", methods=["GET", "POST"])
@follower_page
def eligibility_page() -> str | tuple[str, int]:
    result = None
    problems: dict[str, str] = {}
    form = request.form if request.method == "POST" else {}
    if request.method == "POST":
        answers, problems = _eligibility_answers(request.form)
        if not problems:
            principal = current_follower()
            uow = _uow(Actor(label=f"follower:{principal.follower_id if principal else ''}"))
            result = check_eligibility(uow, answers, principal.follower_id if principal
                                       else None, "h5")
            bound = _binding() is not None
            _commit(uow)
            result = {"a": result, "bound": bound}
    status = 422 if problems else 200
    return render_template("pages/policies/eligibility.html", industries=eligibility.industries(),
                           form=form, problems=problems, result=result, Test=Test,
                           names=TEST_NAMES, source=eligibility.source()), status


# --- renewal -----------------------------------------------------------------------------------

@bp.route("/renewal", methods=["GET", "POST"])
@follower_page
def renewal_page() -> str | tuple[str, int]:
    binding = _binding()
    if binding is None:
        return _not_bound()
    session = current().db.session
    every = policies_of(session, binding.enterprise_id)
    if not every:
        return render_template("pages/policies/renewal.html", policies=[], applications=[],
                               form={}, problems={}, done=None, defaults=None,
                               names=renewals.STATUS_NAMES, Status=RenewalStatus,
                               market_names=renewals.market_names, plain=plain)
    chosen = every[0]
    problems: dict[str, str] = {}
    done = None
    form: Any = request.form if request.method == "POST" else {}
    if request.method == "POST":
        chosen = next((p for p in every if str(p.id) == request.form.get("policy_id")), None) \
            or every[0]
        data = _renewal_input(request.form, problems)
        if data is not None and not problems:
            uow = _uow(Actor(label=f"follower:{binding.follower_id}"))
            done = renewals.submit(uow, _member(), binding, chosen, data)
            _commit(uow)
            form = {}
    defaults = renewals.defaults_for(session, chosen)
    status = 422 if problems else 200
    return render_template("pages/policies/renewal.html", policies=every, chosen=chosen,
                           applications=renewals.of_enterprise(session, binding.enterprise_id),
                           form=form, problems=problems, done=done, defaults=defaults,
                           names=renewals.STATUS_NAMES, Status=RenewalStatus,
                           market_names=renewals.market_names, plain=plain), status


def _renewal_input(form: Any, problems: dict[str, str]) -> renewals.RenewalInput | None:
    values: dict[str, Any] = {}
    for name, parse in (("exports", renewals.parse_exports), ("markets", renewals.parse_markets),
                        ("buyers", renewals.parse_buyers)):
        try:
            values[name] = parse(form.get(name, ""))
        except InputProblem as problem:
            problems[name] = render_template(
                "replies/policies/renewal_hint.j2",
                code=("exports_" if name == "exports" else "") + problem.code,
                **problem.data).strip()
    if problems:
        return None
    return renewals.RenewalInput(values["exports"], values["markets"], values["buyers"])


# --- shipments ---------------------------------------------------------------------------------

@bp.route("/shipments", methods=["GET", "POST"])
@follower_page
def shipments_page() -> str | tuple[str, int]:
    binding = _binding()
    if binding is None:
        return _not_bound()
    session = current().db.session
    today = current().clock().date()
    in_force = [p for p in policies_of(session, binding.enterprise_id)
                if effective_status(p, today) == "in_force"]
    problems: list[str] = []
    done = None
    form: Any = request.form if request.method == "POST" else {}
    if request.method == "POST":
        done, problems = _declare(binding, in_force, request.form)
        form = {} if done else form  # declared: an empty form for the next one
    limits = {policy.id: shipments.limits_for(session, policy) for policy in in_force}
    enterprise = session.get(Enterprise, binding.enterprise_id)
    status = 422 if problems else 200
    return render_template(
        "pages/policies/shipments.html", policies=in_force, limits=limits, form=form,
        problems=problems, done=done, rows=shipments.of_enterprise(session, binding.enterprise_id,
                                                                   limit=100),
        methods=PAYMENT_METHODS, currencies=sorted(set(CURRENCIES.values())), plain=plain,
        statuses=shipments.STATUS_NAMES, today=today, enterprise=enterprise), status


def _declare(binding: Binding, in_force: list[Policy], form: Any
             ) -> tuple[Any, list[str]]:
    limit_text = form.get("credit_limit_id", "")
    policy = next((p for p in in_force if str(p.id) == form.get("policy_id")), None)
    try:
        amount = Decimal(form.get("amount", "").replace(",", "").strip())
        ship_day = date.fromisoformat(form.get("ship_date", ""))
        days = int(form.get("credit_days", ""))
    except (InvalidOperation, ValueError):
        return None, ["请填写金额（数字）、出运日期和信用期限天数（整数）"]
    if policy is None or not limit_text.isdigit() or amount <= 0 or not amount.is_finite():
        return None, ["请选择保单与买方，并填写大于 0 的金额"]
    uow = _uow(Actor(label=f"follower:{binding.follower_id}"))
    try:
        invoice = shipments.clean_invoice(form.get("invoice_number", ""))
        shipment = shipments.declare(uow, _member(), binding, policy, ShipmentInput(
            credit_limit_id=int(limit_text), invoice_number=invoice, amount=amount,
            currency=form.get("currency", ""), ship_date=ship_day,
            payment_method=form.get("payment_method", ""), credit_days=days), "h5")
    except ShipmentRefused as refused:
        uow.session.rollback()
        return None, [render_template("replies/policies/shipment_hint.j2", code=code,
                                      **data).strip() for code, data in refused.problems]
    _commit(uow)
    return shipment, []


@bp.get("/shipments.xlsx")
@follower_page
def shipments_export() -> Response | tuple[str, int]:
    binding = _binding()
    if binding is None:
        return _not_bound()
    session = current().db.session
    enterprise = session.get(Enterprise, binding.enterprise_id)
    content = shipments.workbook(session, shipments.of_enterprise(session, binding.enterprise_id),
                                 bool(enterprise and enterprise.sample))
    return Response(content, mimetype=XLSX, headers={
        "Content-Disposition": 'attachment; filename="shipments.xlsx"'})


# --- staff: renewal applications ----------------------------------------------------------------

def renewal_detail(application_id: int) -> Any:
    return _detail(application_id)


RENEWALS = ListPage(  # the console link's endpoint "policies_staff.renewals" (staff_nav)
    name="renewals", title="续转申请", permission=POLICIES_READ,
    query=lambda: select(RenewalApplication.id, RenewalApplication.number,
                         Enterprise.name.label("enterprise"), RenewalApplication.status,
                         RenewalApplication.expected_exports_usd, RenewalApplication.channel,
                         RenewalApplication.created_at, RenewalApplication.updated_at)
    .join(Enterprise, Enterprise.id == RenewalApplication.enterprise_id),
    columns=(Col("id", "编号", "int"), Col("number", "申请号"), Col("enterprise", "企业"),
             Col("status", "状态", labels={s.value: n for s, n in renewals.STATUS_NAMES.items()}),
             Col("expected_exports_usd", "预计出口额（美元）", "money"),
             Col("channel", "渠道", in_list=False),
             Col("created_at", "提交时间", "datetime"), Col("updated_at", "更新时间", "datetime")),
    search=("number", "enterprise"),
    filters=(Choice("status", "状态", {s.value: n for s, n in renewals.STATUS_NAMES.items()}),),
    dates="created_at", sort="-updated_at", detail=renewal_detail,
)
RENEWALS.register(staff)


def _detail(application_id: int, error: str = "", status_code: int = 200) -> Any:
    session = current().db.session
    application = session.get(RenewalApplication, application_id)
    if application is None:
        abort(404)
    principal = current_staff()
    assert principal is not None
    return render_template(
        "pages/policies/staff_renewal.html", r=application,
        policy=session.get(Policy, application.policy_id),
        enterprise=session.get(Enterprise, application.enterprise_id),
        names=renewals.STATUS_NAMES, Status=RenewalStatus, plain=plain,
        market_names=renewals.market_names, can_manage=principal.can(POLICIES_MANAGE),
        error=error), status_code


@staff.post("/<id:application_id>/status")
@staff_page(POLICIES_MANAGE)
def renewal_status(application_id: int) -> Any:
    principal = current_staff()
    assert principal is not None
    uow = _uow(principal.actor, with_audit=True)
    application = uow.session.get(RenewalApplication, application_id)
    if application is None:
        abort(404)
    try:
        new_status = RenewalStatus(request.form.get("status", ""))
        changed = renewals.change_status(uow, application, new_status,
                                         request.form.get("note"))
    except ValueError as error:
        uow.session.rollback()
        code = error.code if isinstance(error, RenewalRefused) else "unknown"
        return _detail(application_id, error=code, status_code=409)
    tell_renewal_status(uow, changed)
    _commit(uow)
    return redirect(url_for("policies_staff.renewals_detail", row_id=application_id))
