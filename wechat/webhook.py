"""The webhook: verify → decrypt → parse → admit (one Redis round trip: replay check, dedupe,
log, lock, quota, the follower's keys) → dispatch → render → finish (one more: the reply kept
for retries, the lock released) → encrypt. Nothing else."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from core.inbound_log import drain_inbound_log
from core.logs import hash_openid
from core.models import utcnow
from core.redis_store import UNAVAILABLE as REDIS_UNAVAILABLE
from core.redis_store import prefetched
from core.replies import Answer, NoReply, Reply
from core.services import Services, current
from wechat.dedupe import dedupe_key, wait_for_reply
from wechat.delivery import deliver_later, deliver_soon, grant_kind
from wechat.inbound import Gate, Inbound, log_row, render_reply
from wechat.intake import Admission, Intake
from wechat.security import ReplayCheck, RequestRejected

log = logging.getLogger(__name__)

bp = Blueprint("wechat", __name__)

# Handlers run here so the webhook can answer within the budget whatever they do.
_handler_threads = ThreadPoolExecutor(max_workers=32, thread_name_prefix="xinbao-handler")


def _xml(body: str) -> Response:
    return Response(body, mimetype="application/xml" if body else "text/plain")


@bp.get("/wechat")
def verify() -> Response:
    try:
        return Response(current_app.extensions["xinbao.gate"].verify_url(request.args),
                        mimetype="text/plain")
    except RequestRejected as rejected:
        return Response(rejected.reason, status=rejected.status, mimetype="text/plain")


@bp.post("/wechat")
def receive() -> Response:
    services = current()
    gate: Gate = current_app.extensions["xinbao.gate"]
    try:
        body = request.get_data(cache=False)
        inbound = gate.open(request.args, body)
    except RequestEntityTooLarge:
        return Response("body too large", status=413, mimetype="text/plain")
    except RequestRejected as rejected:
        return _refused(rejected)
    replay = _replay_check(services, inbound, request.args, body)
    dedupe = dedupe_key(inbound.fields)
    admission = _admit(services, inbound, dedupe, replay)
    if admission is not None and admission.outcome == "replayed":
        return _refused(RequestRejected(403, "signature replayed with another body"))
    if admission is not None and admission.outcome == "retry":
        cached = wait_for_reply(services.redis.text, dedupe,
                                services.settings.webhook.retry_wait_seconds)
        if cached is not None:  # the first attempt's reply
            return _xml(gate.seal(cached, inbound))
        # The first attempt failed and let go (it runs again here), or is still running.
        admission = _admit(services, inbound, dedupe, replay)
        if admission is not None and admission.outcome != "claimed":
            return _xml(gate.seal("", inbound))
    reply_xml = _answer_within_budget(current_app._get_current_object(), inbound, dedupe,
                                      admission)
    return _xml(gate.seal(reply_xml, inbound))


def answer_later(app: Flask, args: dict[str, str], body: bytes, received_at: float) -> None:
    """A message put aside under overload (``wechat.overload``), as ``receive`` would answer
    it, the answer sent as a customer-service message. Its timestamp is judged as of when it
    arrived; a retry WeChat sent meanwhile and the webhook answered leaves nothing to do."""
    services = current()
    try:
        inbound = app.extensions["xinbao.gate"].open(args, body, now=received_at)
    except RequestRejected as rejected:
        log.info("a message put aside was refused", extra={"reason": rejected.reason})
        return
    replay = _replay_check(services, inbound, args, body)
    dedupe = dedupe_key(inbound.fields)
    admission = _admit(services, inbound, dedupe, replay,
                       datetime.fromtimestamp(received_at, UTC))
    if admission is not None and admission.outcome != "claimed":
        return
    reply, _ = _dispatch(app, inbound, dedupe, admission)
    if not isinstance(reply, NoReply):
        deliver_soon(services.jobs, inbound.msg.source, reply)


def _replay_check(services: Services, inbound: Inbound, args: Mapping[str, str],
                  body: bytes) -> ReplayCheck | None:
    """Plain mode only: an encrypted message's msg_signature covers its body."""
    if inbound.encrypted:
        return None
    return ReplayCheck.of(args, body, services.settings.webhook.max_clock_skew_seconds)


def _refused(rejected: RequestRejected) -> Response:
    log.info("webhook refused a request", extra={"reason": rejected.reason})
    return Response(rejected.reason, status=rejected.status, mimetype="text/plain")


def _admit(services: Services, inbound: Inbound, dedupe: str, replay: ReplayCheck | None,
           received_at: datetime | None = None) -> Admission | None:
    """The first round trip (``wechat.intake``); None when Redis cannot be reached: the
    database's unique dedupe key and lock take over, and the replay window stays open."""
    msg = inbound.msg
    dispatcher = current_app.extensions["xinbao.dispatcher"]
    try:
        return _intake(current_app).admit(
            openid=msg.source, dedupe=dedupe,
            row=log_row(msg, inbound.fields, dedupe, received_at or utcnow()),
            quota_kind=grant_kind(msg.type, getattr(msg, "event", None)),
            replay=replay, prefetch=dispatcher.prefetch_keys(msg.source))
    except REDIS_UNAVAILABLE:
        log.warning("Redis unavailable: dedupe and lock by the database, no replay check")
        return None


def _answer_within_budget(app: Flask, inbound: Inbound, dedupe: str,
                          admission: Admission | None) -> str:
    services = current()
    future = _handler_threads.submit(_dispatch, app, inbound, dedupe, admission)
    try:
        return future.result(timeout=services.settings.webhook.reply_budget_seconds)[1]
    except FutureTimeout:
        log.warning("reply budget exceeded; the answer follows as a customer-service message",
                    extra={"openid": hash_openid(inbound.msg.source)})
        future.add_done_callback(lambda done: _deliver_late(app, inbound, done))
        return ""
    except Exception:  # the dispatcher has its own boundary; this is the last line: never a 500
        log.exception("reply could not be made", extra={"openid": hash_openid(inbound.msg.source)})
        return ""


def _dispatch(app: Flask, inbound: Inbound, dedupe: str,
              admission: Admission | None) -> tuple[Reply, str]:
    with app.app_context():
        services = current()
        reply_xml: str | None = None
        try:
            with prefetched(admission.prefetched if admission is not None else {}):
                answer: Answer = app.extensions["xinbao.dispatcher"].dispatch(
                    inbound.msg, inbound.fields, dedupe, services,
                    claimed=admission is not None, admission=admission)
            rendered = render_reply(answer.reply, inbound.msg)
            reply_xml = rendered if answer.final else None
            return answer.reply, rendered
        finally:
            # Kept for the retries, or the claim let go so that a retry runs again; the lock
            # released: the second round trip.
            _finish(services, dedupe, reply_xml, admission)
            services.db.remove()


def _finish(services: Services, dedupe: str, reply_xml: str | None,
            admission: Admission | None) -> None:
    try:
        _intake(current_app).finish(dedupe, reply_xml, admission)
    except REDIS_UNAVAILABLE:
        log.warning("reply not kept for retries: Redis unavailable")
        return
    if admission is not None and services.jobs.inline:
        # Embedded: no worker drains the inbound log; the job thread does, after the reply.
        services.jobs.enqueue(drain_inbound_log)


def _deliver_late(app: Flask, inbound: Inbound, done: Future) -> None:
    if done.exception() is not None:
        return
    reply, _ = done.result()
    with app.app_context():
        deliver_later(current().jobs, inbound.msg.source, reply)


def _intake(app: Flask) -> Intake:
    return app.extensions["xinbao.intake"]
