"""信保贷's pages: the H5 page (what it is, where the follower's enterprise stands, the
indicative estimate, the referral form with its consent, 我的融资) and the staff list of
referrals (the console frame's ``ListPage``: search, filters, sorting, pages, Excel export; the
funnel above it) with its detail page.

The Flask adapter of ``loans``: the binding, policies and receivables are read through
``policies.usecases.enterprise_facts`` and passed to ``loans.usecases`` as plain facts.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from core.services import current
from core.uow import Actor, UnitOfWork
from handlers.loans import WORDS
from loans import usecases as loans
from loans.manifest import LOANS_READ
from loans.models import Referral
from loans.usecases import Applicant, ReferralRefused, Status
from policies.usecases import EnterpriseFacts, enterprise_facts
from web.console.lists import Choice, Col, ListPage
from web.h5 import current_follower, follower_page
from web.work import commit as _commit
from web.work import page_uow as _uow
from web.work import protect_forms

bp = Blueprint("loans_pages", __name__, url_prefix="/h5")
staff = Blueprint("loans_staff", __name__, url_prefix="/staff/referrals")
CHANNELS = {"wechat": "公众号对话", "miniprogram": "小程序", "h5": "H5 页面"}


bp.before_request(protect_forms)
staff.before_request(protect_forms)






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

def referral_detail(referral_id: int) -> Any:
    session = current().db.session
    referral = session.get(Referral, referral_id)
    if referral is None:
        abort(404)
    return render_template("pages/loans/staff_referral.html", r=referral,
                           events=loans.events_of(session, referral.id), **WORDS)


def funnel() -> str:
    """Above the list: where all the referrals are now."""
    return render_template("pages/loans/_funnel.html", funnel=loans.stats(current().db.session),
                           Status=Status, **WORDS)


STATUS_LABELS = {s.value: name for s, name in loans.STATUS_NAMES.items()}
REFERRALS = ListPage(  # the console link's endpoint "loans_staff.referrals" (staff_nav)
    name="referrals", title="融资转介", permission=LOANS_READ,
    query=lambda: select(Referral.id, Referral.tracking_code, Referral.enterprise_name,
                         Referral.sample, Referral.policy_number, Referral.bank_name,
                         Referral.status, Referral.channel, Referral.bank_note,
                         Referral.created_at, Referral.updated_at),
    columns=(Col("tracking_code", "跟踪码"), Col("enterprise_name", "企业"),
             Col("sample", "示例数据", labels={"True": "是", "False": "否"}),
             Col("policy_number", "保单号", in_list=False), Col("bank_name", "银行"),
             Col("status", "状态", labels=STATUS_LABELS), Col("channel", "渠道", labels=CHANNELS),
             Col("bank_note", "银行说明", in_list=False),
             Col("created_at", "转介时间", "datetime"), Col("updated_at", "更新时间", "datetime"),
             Col("id", "编号", "int", in_list=False)),
    search=("tracking_code", "enterprise_name", "bank_name"),
    filters=(Choice("status", "状态", STATUS_LABELS), Choice("channel", "渠道", CHANNELS)),
    dates="created_at", sort="-updated_at", detail=referral_detail, above=funnel,
)
REFERRALS.register(staff)  # GET /staff/referrals/, /export.xlsx, /<id>, behind loans.read
