"""理赔's pages: the H5 form (a notice or a claim on a declared shipment), the follower's
cases with their checklist, deadline and a document upload; and the staff pages (list with
filters, detail, status change — audited, the follower told by template message).

The Flask adapter of ``claims``: it reads the binding and the shipment through 信保易
(``api.claim_facts``) and calls the same use cases as the chat and the API. The list's query
is ``claims.usecases.listing`` so the console frame can take it over. POST forms carry the
CSRF token.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for

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
from core.uow import Actor, UnitOfWork
from identity import audit
from policies.access import binding_of
from policies.models import Binding
from policies.numbers import plain
from web import csrf
from web.h5 import current_follower, follower_page
from web.staff import current_staff, staff_page
from wechat.claims import tell_status

bp = Blueprint("claims_pages", __name__, url_prefix="/h5")
staff = Blueprint("claims_staff", __name__, url_prefix="/staff/claims")
PER_PAGE = 50
MAX_PAGE = 10_000
UPLOAD_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}


@bp.before_request
@staff.before_request
def _protect_forms() -> None:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def _uow(actor: Actor, with_audit: bool = False) -> UnitOfWork:
    services = current()
    return UnitOfWork(session=services.db.session, now=services.clock(), actor=actor,
                      settings=services.settings, redis=services.redis.text,
                      audit_log=audit.record if with_audit else None)


def _commit(uow: UnitOfWork) -> None:
    from wechat.delivery import send_after_commit

    uow.session.commit()
    send_after_commit(uow.outbox, current().jobs)


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
    today = usecases.beijing_today(current().clock())
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

def _filters(args: Any) -> Filters:
    status = args.get("status") or None
    if status not in {s.value for s in Status}:
        status = None
    kind = args.get("kind") if args.get("kind") in {k.value for k in Kind} else None
    at_risk = usecases.beijing_today(current().clock()) if args.get("at_risk") else None
    return Filters(status=status, kind=kind, at_risk_on=at_risk,
                   text=(args.get("q") or "").strip()[:60])


@staff.get("/", endpoint="cases")  # the console link (the manifest's staff_nav)
@staff_page(CLAIMS_READ)
def cases_list() -> str:
    filters = _filters(request.args)
    given = request.args.get("page", "1")
    page = min(max(int(given) if given.isdigit() and len(given) < 7 else 1, 1), MAX_PAGE)
    session = current().db.session
    rows, total = usecases.listing(session, filters, (page - 1) * PER_PAGE, PER_PAGE)
    today = usecases.beijing_today(current().clock())
    return render_template("pages/claims/staff_claims.html", rows=rows, total=total,
                           filters=filters, names=STATUS_NAMES, Status=Status, Kind=Kind,
                           kind_names=KIND_NAMES, page=page, per_page=PER_PAGE,
                           stats=usecases.stats(session, today), today=today,
                           at_risk_days=usecases.AT_RISK_WORKDAYS)


@staff.get("/<id:claim_id>")
@staff_page(CLAIMS_READ)
def case_detail(claim_id: int) -> Any:
    return _detail(claim_id)


def _detail(claim_id: int, error: str = "", status_code: int = 200) -> Any:
    session = current().db.session
    claim = session.get(Claim, claim_id)
    if claim is None:
        abort(404)
    principal = current_staff()
    assert principal is not None
    seen = usecases.progress(session, claim, usecases.beijing_today(current().clock()))
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
    return redirect(url_for("claims_staff.case_detail", claim_id=claim_id))
