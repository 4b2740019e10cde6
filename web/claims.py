"""理赔's pages: the H5 form (a notice or a claim on a declared shipment), the follower's
cases with their checklist, deadline and a document upload; and the staff pages (list with
search, filters, sorting, pages and the Excel export from the console frame (``ListPage``),
the detail with its status change — audited, the follower told by template message — and the
warning of liability deadlines near or passed, atop the list and on the console's home page).

The Flask adapter of ``claims``: it reads the binding and the shipment through 信保易
(``api.claim_facts``) and calls the same use cases as the chat and the API. The warning reads
``claims.usecases.listing``'s at-risk filter. POST forms carry the CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import and_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from api.claim_facts import facts_for, open_shipments, own_shipment
from claims import storage, usecases
from claims.causes import BY_CODE, CAUSES, DOCUMENTS
from claims.causes import KIND_NAMES as RISK_NAMES
from claims.manifest import CLAIMS_MANAGE, CLAIMS_READ
from claims.models import Claim
from claims.usecases import (
    KIND_NAMES,
    STATUS_NAMES,
    ClaimInput,
    ClaimRefused,
    Filters,
    Kind,
    Status,
    Who,
)
from core.services import current
from core.uow import Actor
from core.workdays import add_workdays, beijing_day, workdays_between
from policies.access import binding_of
from policies.models import Binding
from policies.numbers import plain
from web.console.lists import Choice, Col, ListPage
from web.console.notices import home_notice
from web.h5 import current_follower, follower_page
from web.staff import current_staff, staff_page
from web.work import commit as _commit
from web.work import page_uow as _uow
from web.work import protect_forms
from wechat.claims import tell_status

bp = Blueprint("claims_pages", __name__, url_prefix="/h5")
staff = Blueprint("claims_staff", __name__, url_prefix="/staff/claims")
UPLOAD_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}


bp.before_request(protect_forms)
staff.before_request(protect_forms)






def _binding() -> Binding | None:
    principal = current_follower()
    return binding_of(current().db.session, principal.follower_id if principal else None)


def _problem_lines(problems: list[usecases.Problem]) -> list[str]:
    return [render_template("replies/claims/problem.j2", code=code, **data).strip()
            for code, data in problems]


# --- H5 ------------------------------------------------------------------------------------------

@bp.route("/claims", methods=["GET", "POST"])
@follower_page
def claims_page() -> tuple[str, int]:
    binding = _binding()
    if binding is None:
        return render_template("pages/policies/not_bound.html"), 403
    problems: list[str] = []
    done = None
    form: Any = request.form if request.method == "POST" else {}
    if request.method == "POST":
        done, problems = _file(binding, request.form)
        form = {} if done else form
    return _render(binding, form=form, problems=problems, done=done,
                   status=422 if problems else 200)


def _render(binding: Binding, status: int = 200, **data: Any) -> tuple[str, int]:
    session = current().db.session
    today = beijing_day(current().clock())
    cases = [usecases.progress(session, claim, today)
             for claim in usecases.of_follower(session, binding.enterprise_id, limit=50)]
    data.setdefault("form", {})
    data.setdefault("problems", [])
    return render_template(
        "pages/claims/claims.html", shipments=open_shipments(session, binding.enterprise_id,
                                                             limit=50),
        causes=CAUSES, risk_names=RISK_NAMES, cases=cases, kind_names=KIND_NAMES,
        documents=DOCUMENTS, plain=plain, **data), status


def _file(binding: Binding, form: Any) -> tuple[Any, list[str]]:
    session = current().db.session
    shipment_id = form.get("shipment_id", "")
    shipment = own_shipment(session, binding.enterprise_id,
                            int(shipment_id) if shipment_id.isdigit() else None)
    if shipment is None:
        return None, [render_template("replies/claims/problem.j2", code="no_shipment").strip()]
    try:
        amount = Decimal(form.get("loss_amount", "").replace(",", "").strip())
    except InvalidOperation:
        return None, ["请填写损失金额（数字），如 30000"]
    kind = form.get("kind", "")
    if kind not in {k.value for k in Kind}:
        return None, ["请选择可损通知或索赔"]
    principal = current_follower()
    assert principal is not None
    uow = _uow(Actor(label=f"follower:{principal.follower_id}"))
    try:
        filed = usecases.file(uow, Who(principal.follower_id, str(principal.openid), "h5"),
                              facts_for(session, shipment), ClaimInput(
                                  kind=Kind(kind), cause=form.get("cause", ""),
                                  loss_amount=amount, currency=shipment.currency,
                                  buyer_says=form.get("buyer_says", "")))
    except ClaimRefused as refused:
        uow.session.rollback()
        return None, _problem_lines(refused.problems)
    _commit(uow)
    return {"claim": filed.claim, "warnings": _problem_lines(filed.warnings),
            "converted": filed.converted}, []


@bp.post("/claims/<id:claim_id>/documents")
@follower_page
def upload_document(claim_id: int) -> Any:
    """A document added later: stored in the case's folder, then kept on the case."""
    binding = _binding()
    if binding is None:
        return render_template("pages/policies/not_bound.html"), 403
    session = current().db.session
    claim = usecases.get_own(session, binding.enterprise_id, claim_id)
    if claim is None:
        abort(404)
    upload = request.files.get("document")
    kind = request.form.get("kind", "")
    problem = _upload_problem(upload, kind)
    if problem:
        return _render(binding, status=422, problems=[problem])
    assert upload is not None
    content = upload.read(storage.MAX_BYTES + 1)
    if len(content) > storage.MAX_BYTES:
        return _render(binding, status=422, problems=["文件不能超过 20 MB"])
    principal = current_follower()
    uow = _uow(Actor(label=f"follower:{principal.follower_id if principal else ''}"))
    try:
        document = usecases.add_document(uow, claim, kind, filename=upload.filename or "")
        path = storage.save(current().settings.section("claims"), claim.id, document.id,
                            content, upload.mimetype)
        usecases.document_stored(uow.session, document, str(path), len(content))
    except ClaimRefused as refused:
        uow.session.rollback()
        return _render(binding, status=409, problems=_problem_lines(refused.problems))
    _commit(uow)
    return redirect(url_for("claims_pages.claims_page", _anchor=f"case-{claim.id}"))


def _upload_problem(upload: Any, kind: str) -> str | None:
    if kind not in DOCUMENTS:
        return "请选择材料种类"
    if upload is None or not upload.filename:
        return "请选择要上传的文件"
    if upload.mimetype not in UPLOAD_TYPES:
        return "只接受图片（JPG、PNG）或 PDF 文件"
    return None


# --- staff ---------------------------------------------------------------------------------------

WARNED_AT_MOST = 20  # the warning names this many cases; the rest are one click away
READ_AT_MOST = 2000


@dataclass(frozen=True)
class AtRisk:
    """An undecided case whose liability deadline is within AT_RISK_WORKDAYS working days or
    has passed, as the warning names it."""

    claim: Claim
    days_left: int  # working days after today up to the deadline (0: today or passed)
    days_over: int  # working days since the deadline passed (0: not passed)
    provisional: str | None


def at_risk(session: Session, today: date) -> tuple[list[AtRisk], int]:
    """The cases to warn about, the nearest deadline first, and how many there are
    (``claims.usecases``' own at-risk filter; working days on the official calendar)."""
    # listing orders by the last change; the nearest deadlines are picked here, from all of
    # them (cases at risk are a handful; READ_AT_MOST only bounds a pathological backlog).
    claims, total = usecases.listing(session, Filters(at_risk_on=today), 0, READ_AT_MOST)
    found = []
    nearest = sorted(claims, key=lambda c: (c.deadline or today, c.id))[:WARNED_AT_MOST]
    for claim in nearest:
        assert claim.deadline is not None  # the filter keeps only cases with a deadline
        left = workdays_between(today, claim.deadline)
        over = workdays_between(claim.deadline, today)
        found.append(AtRisk(claim, left.days, over.days, claim.deadline_provisional
                            or left.provisional_reason or over.provisional_reason))
    return found, total


@home_notice(CLAIMS_READ, "claims_staff")
def deadline_warning() -> str | None:
    """On the console's home page and atop the claims list: the deadlines near or passed."""
    session = current().db.session
    today = beijing_day(current().clock())
    found, total = at_risk(session, today)
    if not found:
        return None
    return render_template("pages/claims/_deadline_warning.html", found=found, total=total,
                           today=today, stats=usecases.stats(session, today),
                           at_risk_days=usecases.AT_RISK_WORKDAYS, plain=plain)


def _at_risk_condition(_value: str) -> ColumnElement[bool]:
    """The list's filter 核定期限 = 临近或已超期: the same cases as ``usecases.listing``'s
    ``at_risk_on`` (undecided, deadline within AT_RISK_WORKDAYS working days or passed)."""
    today = beijing_day(current().clock())
    horizon = add_workdays(today, usecases.AT_RISK_WORKDAYS).day
    undecided = [s.value for s in Status if s not in usecases.DECIDED]
    return and_(Claim.deadline.is_not(None), Claim.deadline <= horizon,
                Claim.status.in_(undecided))


def case_detail(claim_id: int) -> Any:
    return _detail(claim_id)


STATUS_LABELS = {s.value: name for s, name in STATUS_NAMES.items()}
KIND_LABELS = {k.value: name for k, name in KIND_NAMES.items()}
CASES = ListPage(  # the console link's endpoint "claims_staff.cases" (the manifest's staff_nav)
    name="cases", title="理赔案件", permission=CLAIMS_READ,
    query=lambda: select(Claim.id, Claim.number, Claim.kind, Claim.status,
                         Claim.enterprise_name, Claim.policy_number, Claim.buyer_name,
                         Claim.invoice_number, Claim.cause, Claim.loss_amount, Claim.currency,
                         Claim.quality_dispute, Claim.deadline, Claim.created_at,
                         Claim.updated_at),
    columns=(Col("number", "案件号"), Col("kind", "类型", labels=KIND_LABELS),
             Col("status", "状态", labels=STATUS_LABELS), Col("enterprise_name", "企业"),
             Col("policy_number", "保单号", in_list=False), Col("buyer_name", "买方"),
             Col("invoice_number", "发票号"),
             Col("cause", "原因", labels={code: c.name for code, c in BY_CODE.items()},
                 in_list=False),
             Col("loss_amount", "损失金额", "money"), Col("currency", "币种"),
             Col("quality_dispute", "质量纠纷", labels={"True": "是", "False": "否"}),
             Col("deadline", "核定期限", "date"), Col("created_at", "提交时间", "datetime"),
             Col("updated_at", "更新时间", "datetime"), Col("id", "编号", "int", in_list=False)),
    search=("number", "invoice_number", "buyer_name", "enterprise_name"),
    filters=(Choice("status", "状态", STATUS_LABELS), Choice("kind", "类型", KIND_LABELS),
             Choice("quality_dispute", "质量纠纷", {"1": "是", "0": "否"},
                    where=lambda value: Claim.quality_dispute == (value == "1")),
             Choice("at_risk", "核定期限",
                    {"1": f"临近（{usecases.AT_RISK_WORKDAYS} 个工作日内）或已超期"},
                    where=_at_risk_condition)),
    dates="created_at", sort="-updated_at", detail=case_detail, above=deadline_warning,
)
CASES.register(staff)  # GET /staff/claims/, /export.xlsx, /<id> (cases, cases_export,
                       # cases_detail), behind claims.read


def _detail(claim_id: int, error: str = "", status_code: int = 200) -> Any:
    session = current().db.session
    claim = session.get(Claim, claim_id)
    if claim is None:
        abort(404)
    principal = current_staff()
    assert principal is not None
    seen = usecases.progress(session, claim, beijing_day(current().clock()))
    return render_template(
        "pages/claims/staff_claim.html", c=claim, seen=seen, names=STATUS_NAMES,
        kind_names=KIND_NAMES, cause=BY_CODE.get(claim.cause), documents=DOCUMENTS,
        docs=usecases.documents_of(session, claim.id), events=usecases.events_of(session,
                                                                                   claim.id),
        moves=usecases.MOVES[Status(claim.status)], can_manage=principal.can(CLAIMS_MANAGE),
        plain=plain, error=error), status_code


@staff.post("/<id:claim_id>/status")
@staff_page(CLAIMS_MANAGE)
def case_status(claim_id: int) -> Any:
    principal = current_staff()
    assert principal is not None
    uow = _uow(principal.actor, with_audit=True)
    claim = uow.session.get(Claim, claim_id)
    if claim is None:
        abort(404)
    try:
        changed = usecases.change_status(uow, claim, Status(request.form.get("status", "")),
                                         request.form.get("note"))
    except ValueError as error:  # an unknown status, or a move the case cannot make
        uow.session.rollback()
        message = (_problem_lines(error.problems)[0] if isinstance(error, ClaimRefused)
                   else "请选择有效的状态")
        return _detail(claim_id, error=message, status_code=409)
    tell_status(uow, changed)
    _commit(uow)
    return redirect(url_for("claims_staff.cases_detail", row_id=claim_id))
