"""The webhook: verify → decrypt → parse → dedupe → dispatch → render → encrypt. Nothing else."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from core.logs import hash_openid
from core.replies import Answer, Reply
from core.services import Services, current
from wechat.dedupe import Deduper, dedupe_key
from wechat.inbound import Gate, Inbound, render_reply
from wechat.security import ReplayGuard, RequestRejected

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
        if not inbound.encrypted:
            ReplayGuard(services.redis.text,
                        services.settings.webhook.max_clock_skew_seconds).check(request.args, body)
    except RequestEntityTooLarge:
        return Response("body too large", status=413, mimetype="text/plain")
    except RequestRejected as rejected:
        log.info("webhook refused a request", extra={"reason": rejected.reason})
        return Response(rejected.reason, status=rejected.status, mimetype="text/plain")

    dedupe = dedupe_key(inbound.fields)
    deduper = _deduper(services)
    claimed = deduper.claim(dedupe)
    if claimed is False:  # a retry: the first attempt's reply
        cached = deduper.wait_for_reply(dedupe, services.settings.webhook.retry_wait_seconds)
        claimed = None if cached is not None else deduper.claim(dedupe)
        if not claimed:
            return _xml(gate.seal(cached or "", inbound))
        # the first attempt failed and let go: this retry runs again
    reply_xml = _answer_within_budget(current_app._get_current_object(), inbound, dedupe,
                                      claimed is True)
    return _xml(gate.seal(reply_xml, inbound))


def _answer_within_budget(app: Flask, inbound: Inbound, dedupe: str, claimed: bool) -> str:
    services = current()
    future = _handler_threads.submit(_dispatch, app, inbound, dedupe, claimed)
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


def _dispatch(app: Flask, inbound: Inbound, dedupe: str, claimed: bool) -> tuple[Reply, str]:
    with app.app_context():
        services = current()
        try:
            answer: Answer = app.extensions["xinbao.dispatcher"].dispatch(
                inbound.msg, inbound.fields, dedupe, services, claimed=claimed
            )
            reply_xml = render_reply(answer.reply, inbound.msg)
            if answer.final:
                _deduper(services).store(dedupe, reply_xml)
            else:
                _deduper(services).release(dedupe)
            return answer.reply, reply_xml
        finally:
            services.db.remove()


def _deliver_late(app: Flask, inbound: Inbound, done: Future) -> None:
    if done.exception() is not None:
        return
    reply, _ = done.result()
    with app.app_context():
        from wechat.delivery import deliver_later

        deliver_later(current().jobs, inbound.msg.source, reply)


def _deduper(services: Services) -> Deduper:
    return Deduper(services.redis.text, services.settings.webhook.dedupe_ttl_seconds)
