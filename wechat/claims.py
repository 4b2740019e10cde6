"""What 理赔 does outside the request: fetching a document a follower sent in the chat from
WeChat's media API into the case's folder (a job: the webhook answers at once), and telling
the follower a case's new status by template message (``[claims] status_template_id``)."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from wechatpy.exceptions import WeChatClientException

from claims import storage
from claims.causes import DOCUMENTS
from claims.models import Claim, ClaimDocument
from claims.usecases import (
    KIND_NAMES,
    STATUS_NAMES,
    Kind,
    Status,
    StatusChanged,
    document_failed,
    document_stored,
)
from core.replies import Outgoing, TemplateMessage, Text
from core.services import current
from core.uow import Outbox, UnitOfWork
from wechat.delivery import send_after_commit
from wechat.notices import h5_url, template_fields

log = logging.getLogger(__name__)
GONE = frozenset({40007, 46001})  # an unknown or expired media_id: trying again will not help


def fetch_document(document_id: int) -> str:
    """Job: the document's bytes from WeChat into the case's folder. Idempotent: a stored
    document is left alone, and a rerun writes the same path."""
    services = current()
    session = services.db.session
    document = session.get(ClaimDocument, document_id)
    if document is None or document.status == "stored" or not document.media_id:
        return "nothing to do"
    try:
        content, content_type = services.wechat.download_media(document.media_id)
    except WeChatClientException as error:
        if error.errcode not in GONE:
            raise  # rq retries a passing fault
        document_failed(session, document, f"{error.errcode} {error.errmsg}")
        _tell_failed(session, document)
        return "failed"
    path = storage.save(services.settings.section("claims"), document.claim_id, document.id,
                        content, content_type)
    document_stored(session, document, str(path), len(content))
    session.commit()
    log.info("claim document %s stored (%d bytes)", document_id, len(content))
    return str(path)


def _tell_failed(session: Any, document: ClaimDocument) -> None:
    """The follower sent it and believes it arrived: say it did not, and how to send again."""
    services = current()
    claim = session.get(Claim, document.claim_id)
    outbox = Outbox()
    if claim is not None and claim.openid:
        outbox.text(claim.openid, current_app.jinja_env.get_template(
            "replies/claims/document_failed.j2").render(
            number=claim.number, kind=DOCUMENTS.get(document.kind, document.kind)).strip())
    session.commit()
    send_after_commit(outbox, services.jobs)


def status_message(changed: StatusChanged) -> Outgoing:
    claim = changed.claim
    data = {"number": claim.number, "kind": KIND_NAMES[Kind(claim.kind)],
            "status": STATUS_NAMES[Status(claim.status)], "note": claim.staff_note or "",
            "invoice": claim.invoice_number}
    template_id = str(current().settings.section("claims").get("status_template_id", ""))
    if not template_id:  # no template configured: a customer-service text (or the fallback)
        return Text(current_app.jinja_env.get_template(
            "replies/claims/status_text.j2").render(**data).strip())
    return TemplateMessage(template_id, template_fields("claims/notices/status.j2", **data),
                           h5_url("/h5/claims"))


def tell_status(uow: UnitOfWork, changed: StatusChanged) -> None:
    if changed.claim.openid:
        uow.outbox.send(changed.claim.openid, status_message(changed))
