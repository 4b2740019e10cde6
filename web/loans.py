"""信保贷's pages: the H5 page (what it is, where the follower's enterprise stands, the
indicative estimate, the referral form with its consent, 我的融资) and the staff list and detail
of referrals.

The Flask adapter of ``loans``: the binding, policies and receivables are read through
``policies.usecases.enterprise_facts`` and passed to ``loans.usecases`` as plain facts. The
staff list's query is ``loans.usecases.listing`` (so the console frame can take it over).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request

from core.services import current
from core.uow import Actor, UnitOfWork
from handlers.loans import WORDS
from loans import usecases as loans
from loans.manifest import LOANS_READ
from loans.models import Referral
from loans.usecases import Applicant, ReferralRefused, Status
from policies.usecases import EnterpriseFacts, enterprise_facts
from web import csrf
from web.h5 import current_follower, follower_page
from web.staff import staff_page

bp = Blueprint("loans_pages", __name__, url_prefix="/h5")
staff = Blueprint("loans_staff", __name__, url_prefix="/staff/referrals")
PAGE_SIZE = 50


@bp.before_request
@staff.before_request
def _protect_forms() -> None:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def _uow(actor: Actor) -> UnitOfWork:
    services = current()
    return UnitOfWork(session=services.db.session, now=services.clock(), actor=actor,
                      settings=services.settings, redis=services.redis.text)


def _commit(uow: UnitOfWork) -> None:
    from wechat.delivery import send_after_commit

    uow.session.commit()
    send_after_commit(uow.outbox, current().jobs)


def _standing(uow: UnitOfWork) -> EnterpriseFacts:
    principal = current_follower()
    return enterprise_facts(uow.session, principal.follower_id if principal else None,
                            uow.now.date())


@bp.route("/loans", methods=["GET", "POST"])
@follower_page
def loans_page() -> tuple[str, int]:
    principal = current_follower()
    assert principal is not None
    uow = _uow(Actor(label=f"follower:{principal.follower_id}"))
    facts = _standing(uow)
    problem, done, status = "", None, 200
    if request.method == "POST":
        applicant = Applicant(follower_id=int(principal.follower_id or 0),
                              openid=str(principal.openid), channel="h5")
        try:
            done = loans.refer(uow, applicant, facts, request.form.get("bank"),
                               request.form.get("consent") == "yes")
            _commit(uow)
        except ReferralRefused as refused:
            uow.session.rollback()
            problem, status = refused.code, 422
    found = loans.eligibility(facts)
    section = uow.section("loans")
    return render_template(
        "pages/loans/loans.html", found=found,
        estimate=loans.estimate(uow, facts) if found.eligible else None,
        banks=loans.banks(section), shared=loans.SHARED_DATA, problem=problem, done=done,
        chosen=request.form.get("bank", ""),
        rows=(loans.referrals_of(uow.session, facts.enterprise_id)
              if facts.enterprise_id is not None else []),
        source=loans.SOURCE, **WORDS), status


# --- staff: referrals ----------------------------------------------------------------------------

@staff.get("/", endpoint="referrals")  # the console link (the manifest's staff_nav)
@staff_page(LOANS_READ)
def referrals_list() -> str:
    status = request.args.get("status") or None
    if status not in set(Status):
        status = None
    filters = loans.Filters(status=status, bank_code=request.args.get("bank") or None,
                            query=request.args.get("q", "")[:60])
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    session = current().db.session
    rows, total = loans.listing(session, filters, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    return render_template("pages/loans/staff_referrals.html", rows=rows, total=total,
                           filters=filters, page=page, pages=max(-(-total // PAGE_SIZE), 1),
                           Status=Status, funnel=loans.stats(session),
                           banks=loans.banks(current().settings.section("loans")), **WORDS)


@staff.get("/<id:referral_id>")
@staff_page(LOANS_READ)
def referral_detail(referral_id: int) -> Any:
    session = current().db.session
    referral = session.get(Referral, referral_id)
    if referral is None:
        abort(404)
    return render_template("pages/loans/staff_referral.html", r=referral,
                           events=loans.events_of(session, referral.id), **WORDS)
