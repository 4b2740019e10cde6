"""What 信保易 sends a follower on its own: the binding code by SMS, the 已绑定企业 tag, a
renewal application's new status, and the daily reminders — words from templates, template
ids from config.toml ``[policies.reminders]``, everything queued after the commit.

``run_reminders`` is the periodic job: ``xinbao worker`` schedules it on rq's scheduler at
``[policies.reminders] run_at`` (Beijing time) each day (``schedule_reminders``), and each run
schedules the next.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from core.replies import Outgoing, TemplateMessage, Text
from core.services import current
from core.uow import Actor, UnitOfWork
from core.workdays import BEIJING, beijing_day
from followers.models import Follower
from menus.publishing import ensure_tag
from policies.access import BOUND_TAG, binding_of
from policies.binding import CodeSent
from policies.reminders import KIND_NAMES, Issued, issue_reminders
from policies.renewals import STATUS_NAMES, RenewalStatus, StatusChanged
from policies.sms import send_sms
from wechat.delivery import send_after_commit

log = logging.getLogger(__name__)

FIELDS = ("first", "keyword1", "keyword2", "keyword3", "keyword4", "keyword5", "remark")
REMINDER_JOB_PREFIX = "xinbao-policies-reminders-"


def template_fields(template: str, **data: Any) -> dict[str, str]:
    """A template message's fields from a words template that sets them
    (``{% set first %}…{% endset %}``, ``keyword1`` …, ``remark``)."""
    module = current_app.jinja_env.get_template(f"replies/{template}").make_module(data)
    return {name: " ".join(str(getattr(module, name)).split())
            for name in FIELDS if getattr(module, name, None)}


def h5_url(path: str) -> str:
    return current().settings.public_url + path


# --- binding -----------------------------------------------------------------------------------

def queue_binding_code(uow: UnitOfWork, sent: CodeSent, openid: str) -> None:
    text = current_app.jinja_env.get_template("replies/policies/sms_code.j2").render(
        code=sent.code, minutes=sent.minutes).strip()
    uow.outbox.later(send_sms, sent.mobile, text, openid)


def queue_tag_sync(uow: UnitOfWork, openid: str) -> None:
    """After a binding or unbinding: the 已绑定企业 tag follows (the conditional menu)."""
    uow.outbox.later(sync_bound_tag, openid)


def sync_bound_tag(openid: str) -> str:
    """Job: tag or untag the follower as its binding stands now (so a retry, or two changes
    in a row, end with the truth)."""
    services = current()
    with services.db.new_session() as session:
        follower = session.scalar(select(Follower).where(Follower.openid == openid))
        bound = follower is not None and binding_of(session, follower.id) is not None
    api = services.wechat.api
    tag_id = ensure_tag(api, BOUND_TAG)
    if bound:
        api.tag.tag_user(tag_id, openid)
        return "tagged"
    api.tag.untag_user(tag_id, openid)
    return "untagged"


# --- renewals --------------------------------------------------------------------------------

def renewal_status_message(changed: StatusChanged) -> Outgoing:
    application = changed.application
    data = {"number": application.number, "policy_number": changed.policy_number,
            "status": STATUS_NAMES[RenewalStatus(application.status)],
            "note": application.staff_note or ""}
    template_id = _template_id("renewal_status")
    if not template_id:  # no template configured: a customer-service text (or the fallback)
        return Text(current_app.jinja_env.get_template(
            "replies/policies/renewal_status_text.j2").render(**data).strip())
    return TemplateMessage(template_id, template_fields("policies/notices/renewal_status.j2",
                                                        **data), h5_url("/h5/renewal"))


def tell_renewal_status(uow: UnitOfWork, changed: StatusChanged) -> None:
    uow.outbox.send(changed.application.openid, renewal_status_message(changed))


# --- reminders -------------------------------------------------------------------------------

REMINDER_PAGES = {"renewal": "/h5/renewal", "receivable": "/h5/shipments",
                  "loss_report": "/h5/shipments", "idle_limit": "/h5/shipments"}


def _template_id(kind: str) -> str:
    section = current().settings.section("policies").get("reminders", {})
    return str(section.get(f"{kind}_template_id", ""))


def reminder_message(issued: Issued) -> TemplateMessage:
    kind = issued.kind.value
    fields = template_fields(f"policies/notices/{kind}.j2", name=KIND_NAMES[issued.kind],
                             **issued.data)
    return TemplateMessage(_template_id(kind), fields, h5_url(REMINDER_PAGES[kind]))


class FollowersAudience:
    """Which bound followers follow the account now (``policies.reminders.Audience``)."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def following(self, follower_ids: Iterable[int]) -> dict[int, str]:
        ids = list(follower_ids)
        if not ids:
            return {}
        rows = self.session.execute(select(Follower.id, Follower.openid).where(
            Follower.id.in_(ids), Follower.subscribed.is_(True)))
        return {follower_id: openid for follower_id, openid in rows}


def run_reminders(as_of: str | None = None) -> int:
    """Job: issue the reminders due on ``as_of`` (ISO date; default: today in Beijing) and send
    them after the commit; then schedule tomorrow's run. Returns how many were issued."""
    services = current()
    now = services.clock()
    today = date.fromisoformat(as_of) if as_of else beijing_day(now)
    session = services.db.session
    uow = UnitOfWork(session=session, now=now, actor=Actor(label="system:reminders"),
                     settings=services.settings, redis=services.redis.text)
    try:
        issued = issue_reminders(uow, today, FollowersAudience(session))
        for item in issued:
            message = reminder_message(item)
            for openid in item.openids:
                uow.outbox.send(openid, message)
        session.commit()
    except Exception:
        session.rollback()
        raise
    send_after_commit(uow.outbox, services.jobs)
    log.info("reminders for %s: %d issued", today, len(issued))
    if as_of is None:
        schedule_reminders(after=now)
    return len(issued)


def next_run(after: datetime, run_at: str) -> datetime:
    hours, minutes = (int(part) for part in run_at.split(":"))
    local = after.astimezone(BEIJING)
    moment = datetime.combine(local.date(), time(hours, minutes), BEIJING)
    if moment <= local:
        moment += timedelta(days=1)
    return moment.astimezone(UTC)


def schedule_reminders(after: datetime | None = None) -> str | None:
    """Put the next daily run on rq's scheduler, once (a job id per day: two workers, or a
    worker restarted, schedule it once). Nothing to schedule without real Redis."""
    from rq.exceptions import DuplicateJobError

    services = current()
    if services.redis.embedded:
        return None
    run_at = str(services.settings.section("policies").get("reminders", {})
                 .get("run_at", "09:00"))
    when = next_run(after or services.clock(), run_at)
    job_id = REMINDER_JOB_PREFIX + when.astimezone(BEIJING).strftime("%Y%m%d")
    queue = services.jobs.queue
    job = queue.create_job("wechat.notices.run_reminders", job_id=job_id)
    try:
        queue.schedule_job(job, when, unique=True)
    except DuplicateJobError:
        return job_id
    log.info("reminders scheduled for %s (job %s)", when.isoformat(), job_id)
    return job_id
