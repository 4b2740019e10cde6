"""What 信保贷 sends a follower on its own: a referral's new status, reported by the bank.

A template message when ``[loans] status_template_id`` is set (words:
templates/replies/loans/notices/status.j2), else a customer-service text; queued after the
commit like every outgoing message.
"""

from __future__ import annotations

from flask import current_app

from core.replies import Outgoing, TemplateMessage, Text
from core.services import current
from core.uow import UnitOfWork
from loans.models import Referral
from loans.usecases import status_name
from wechat.notices import h5_url, template_fields


def referral_status_message(referral: Referral) -> Outgoing:
    data = {"code": referral.tracking_code, "bank": referral.bank_name,
            "status": status_name(referral.status), "note": referral.bank_note or ""}
    template_id = str(current().settings.section("loans").get("status_template_id", ""))
    if not template_id:
        return Text(current_app.jinja_env.get_template("replies/loans/status_text.j2")
                    .render(**data).strip())
    return TemplateMessage(template_id, template_fields("loans/notices/status.j2", **data),
                           h5_url("/h5/loans"))


def tell_referral_status(uow: UnitOfWork, referral: Referral) -> None:
    uow.outbox.send(referral.openid, referral_status_message(referral))
