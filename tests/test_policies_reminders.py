"""The reminders of SOL 信保通 as template messages: 保单续转提醒 (30 and 7 days before the
policy ends), 应收汇提醒, 应报可损提醒 (overdue, within the policy's reporting period) and
长期闲置限额预撤销提醒 — each sent exactly once on a frozen day, to bound followers who follow
the account and have not muted that kind. With REDIS_URL set, through a real rq worker and its
scheduler; otherwise through the in-process job runner."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from rq import Queue
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from core.jobs import QUEUE_NAME
from policies.models import ReminderSent, Shipment
from tests.conftest import REAL_REDIS
from tests.policy_data import bind, make_enterprise
from wechat.notices import REMINDER_JOB_PREFIX, next_run, run_reminders

DAY = date(2027, 3, 10)  # the frozen day the reminders judge by


def world(db) -> None:
    """A policy ending in 30 days; a receivable due in 7 days; one overdue by a day (the
    policy's reporting period: 60 days); a limit unused for 160 of its policy's 180 days."""
    enterprise, policy, (busy, idle) = make_enterprise(
        db, today=DAY, days_left=30, loss_report_days=60, idle_limit_days=180, limits=[
            {"buyer_name": "Hamburg Trading GmbH", "amount": Decimal(100000)},
            {"buyer_name": "Quiet Buyer Ltd", "amount": Decimal(50000),
             "approved_on": DAY - timedelta(days=160)}])
    for number, (shipped, days) in enumerate(((DAY - timedelta(days=23), 30),
                                              (DAY - timedelta(days=61), 60)), start=1):
        db.add(Shipment(enterprise_id=enterprise.id, policy_id=policy.id,
                        credit_limit_id=busy.id, buyer_name=busy.buyer_name,
                        invoice_number=f"R-{number}", invoice_key=f"R{number}",
                        amount=Decimal(1000), currency="USD", ship_date=shipped,
                        payment_method="OA", credit_days=days,
                        due_date=shipped + timedelta(days=days), status="declared",
                        channel="test"))
    db.commit()
    bind(db, "o-remind-all", enterprise, policy)
    bind(db, "o-remind-quiet", enterprise, policy)
    bind(db, "o-remind-gone", enterprise, policy, subscribed=False)


def templates_to(emulator, openid: str) -> list[dict]:
    return emulator.records(kind="template", touser=openid)


def kinds(emulator, openid: str) -> list[str]:
    return sorted(record["template_id"] for record in templates_to(emulator, openid))


EVERY_KIND = ["dev-idle-limit-reminder", "dev-loss-report-reminder",
              "dev-receivable-reminder", "dev-renewal-reminder"]


def run_on(services, wechat, day: date) -> None:
    """One run of the job for ``day``: through rq's scheduler and a real worker process when
    REDIS_URL is set, else through the in-process runner."""
    if not REAL_REDIS:
        services.jobs.enqueue(run_reminders, day.isoformat())
        services.jobs.drain()  # the run, then the deliveries it queued as it ended
        services.jobs.drain()
        return
    queue = Queue(QUEUE_NAME, connection=services.redis.raw)
    job = queue.enqueue_in(timedelta(seconds=1), "wechat.notices.run_reminders",
                           day.isoformat())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job.refresh()
        if job.get_status() in ("finished", "failed"):
            break
        time.sleep(0.2)
    assert job.get_status() == "finished", job.get_status()
    wechat.wait_for_jobs()  # the deliveries it queued


def test_each_reminder_is_sent_once_to_whom_it_concerns(services, wechat, emulator, db):
    world(db)
    wechat.say("o-remind-quiet", "关闭续转提醒")
    run_on(services, wechat, DAY)
    run_on(services, wechat, DAY)  # the same day again: nothing twice
    assert kinds(emulator, "o-remind-all") == EVERY_KIND
    assert kinds(emulator, "o-remind-quiet") == [k for k in EVERY_KIND if "renewal" not in k]
    assert templates_to(emulator, "o-remind-gone") == []  # no longer follows
    assert db.scalar(select(func.count()).select_from(ReminderSent)) == 4

    words = {r["template_id"]: r["data"] for r in templates_to(emulator, "o-remind-all")}
    assert "保单续转提醒" in words["dev-renewal-reminder"]["first"]["value"]
    assert "还有 30 天" in words["dev-renewal-reminder"]["first"]["value"]
    loss = words["dev-loss-report-reminder"]
    assert "逾期 1 天" in loss["first"]["value"]
    assert f"请于 {DAY - timedelta(days=1) + timedelta(days=60)} 前" in \
        loss["keyword3"]["value"]
    assert "已 160 天未使用" in words["dev-idle-limit-reminder"]["first"]["value"]
    assert "R-1" in words["dev-receivable-reminder"]["first"]["value"]

    run_on(services, wechat, DAY + timedelta(days=1))  # nearer, same occasions: nothing new
    assert len(templates_to(emulator, "o-remind-all")) == 4
    run_on(services, wechat, DAY + timedelta(days=23))  # 7 days before the end
    renewal = [r for r in templates_to(emulator, "o-remind-all")
               if r["template_id"] == "dev-renewal-reminder"]
    assert len(renewal) == 2 and "还有 7 天" in renewal[-1]["data"]["first"]["value"]


def test_muting_and_unmuting_in_the_chat(wechat, emulator, db, services):
    world(db)
    assert "已关闭：保单续转提醒、应收汇提醒、应报可损提醒、长期闲置限额预撤销提醒" in \
        wechat.say("o-remind-all", "关闭全部提醒")
    assert "已开启：应收汇提醒" in wechat.say("o-remind-all", "开启应收汇提醒")
    settings = wechat.say("o-remind-all", "提醒设置")
    assert "应收汇提醒：开启" in settings and "保单续转提醒：已关闭" in settings
    run_on(services, wechat, DAY)
    assert kinds(emulator, "o-remind-all") == ["dev-receivable-reminder"]


def test_a_collected_receivable_is_not_reminded(services, wechat, emulator, db):
    world(db)
    for shipment in db.scalars(select(Shipment)):
        shipment.status = "collected"
    db.commit()
    run_on(services, wechat, DAY)
    assert kinds(emulator, "o-remind-all") == ["dev-idle-limit-reminder",
                                               "dev-renewal-reminder"]


def test_the_next_run_is_at_run_at_beijing_time():
    from datetime import UTC, datetime

    assert next_run(datetime(2027, 3, 10, 0, 30, tzinfo=UTC), "09:00") == \
        datetime(2027, 3, 10, 1, 0, tzinfo=UTC)
    assert next_run(datetime(2027, 3, 10, 1, 0, tzinfo=UTC), "09:00") == \
        datetime(2027, 3, 11, 1, 0, tzinfo=UTC)


@pytest.mark.skipif(not REAL_REDIS, reason="rq's scheduler needs real Redis (REDIS_URL)")
def test_the_worker_put_the_daily_run_on_rqs_scheduler(services, wechat):
    registry = ScheduledJobRegistry(queue=Queue(QUEUE_NAME, connection=services.redis.raw))
    deadline = time.monotonic() + 20  # the worker process schedules it as it starts
    while time.monotonic() < deadline:
        ids = registry.get_job_ids()
        if any(job_id.startswith(REMINDER_JOB_PREFIX) for job_id in ids):
            break
        time.sleep(0.2)
    assert any(job_id.startswith(REMINDER_JOB_PREFIX) for job_id in registry.get_job_ids())
