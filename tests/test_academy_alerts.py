"""风险预警 through the real job path: an alert reaches every follower who subscribes to one of
its countries and still follows, exactly once, as a template message through the API emulator —
also when the jobs run twice, run side by side, stop on WeChat's daily quota and are resumed,
or a worker died holding rows. Unfollowed followers get nothing. (The rate is measured by
benchmarks/alerts_bench.py, not here.)"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from academy import alerts as fan
from academy.models import Alert, AlertDelivery, AlertSubscription
from academy.usecases import AlertDraft, publish_alert
from core.redis_store import key
from core.uow import Actor, UnitOfWork
from followers.models import Follower
from wechat.alerts import SendPacer, fan_out_alert, send_alert_batch
from wechat.delivery import send_after_commit

TEMPLATE_PATH = "/cgi-bin/message/template/send"


def make_followers(db, count: int, countries: list[str], prefix: str,
                   following: bool = True) -> list[str]:
    openids = [f"{prefix}-{n:05d}" for n in range(count)]
    people = [Follower(openid=openid, subscribed=following) for openid in openids]
    db.add_all(people)
    db.flush()
    db.add_all([AlertSubscription(follower_id=person.id, country=code)
                for person in people for code in countries])
    db.commit()
    return openids


def publish(services, countries: list[str], fan_out=fan_out_alert, title="示例：测试预警") -> int:
    uow = UnitOfWork(session=services.db.session, now=services.clock(),
                     actor=Actor(label="test"), settings=services.settings,
                     redis=services.redis.text)
    alert, _ = publish_alert(uow, AlertDraft(title=title, summary="示例数据：测试用。",
                                             countries=countries, sample=True), fan_out)
    services.db.session.commit()
    send_after_commit(uow.outbox, services.jobs)
    return alert.id


def sent_to(emulator) -> Counter:
    return Counter(record["touser"] for record in emulator.records(kind="template"))


def counts(db, alert_id: int) -> dict[str, int]:
    db.expire_all()
    return dict(db.execute(select(AlertDelivery.status, func.count())
                           .where(AlertDelivery.alert_id == alert_id)
                           .group_by(AlertDelivery.status)).all())


@pytest.fixture(autouse=True)
def emulator_from_scratch(redis):
    """What the emulator recorded before this test (another run on the same Redis) is not
    this test's: the checks below count every recipient."""
    redis.delete(key("emulator", "records"), key("emulator", "template_count"))


@pytest.fixture
def small_batches(app):
    """Batches of 25, so that a few hundred followers make several jobs."""
    section = app.extensions["xinbao"].settings.data["academy"]
    saved = dict(section)
    section.update(alert_batch_size=25, alert_sends_per_second=1000)
    yield
    section.clear()
    section.update(saved)


def test_every_subscriber_once_and_nobody_else(services, db, wechat, emulator, small_batches):
    both = make_followers(db, 120, ["DE", "FR"], "o-both")  # two of the alert's countries
    germany = make_followers(db, 90, ["DE"], "o-de")
    elsewhere = make_followers(db, 40, ["US"], "o-us")
    gone = make_followers(db, 30, ["DE"], "o-gone", following=False)
    alert_id = publish(services, ["DE", "FR"])
    wechat.wait_for_jobs()
    got = sent_to(emulator)
    assert set(got) == set(both) | set(germany)  # no miss, no stranger, no unfollowed
    assert set(got.values()) == {1}  # no duplicate
    assert counts(db, alert_id) == {"sent": 210}
    assert db.get(Alert, alert_id).status == "done"
    assert not set(got) & (set(elsewhere) | set(gone))


def test_jobs_run_twice_send_nothing_twice(app, services, db, wechat, emulator, small_batches):
    openids = make_followers(db, 100, ["VN"], "o-twice")
    alert_id = publish(services, ["VN"])
    wechat.wait_for_jobs()
    first, last = db.scalars(select(func.min(AlertDelivery.id)).where(
        AlertDelivery.alert_id == alert_id)).one(), db.scalars(select(func.max(
            AlertDelivery.id)).where(AlertDelivery.alert_id == alert_id)).one()
    with app.app_context():
        fan_out_alert(alert_id)  # rq ran the fan-out again
        send_alert_batch(alert_id, first, last)  # and a batch
    wechat.wait_for_jobs()
    got = sent_to(emulator)
    assert set(got) == set(openids) and set(got.values()) == {1}


def test_two_jobs_on_one_range_side_by_side(app, services, db, wechat, emulator, small_batches):
    openids = make_followers(db, 60, ["JP"], "o-side")
    alert_id = publish(services, ["JP"], fan_out=lambda alert_id: None)  # rows only, no jobs
    with app.app_context():
        session = services.db.session
        fan.plan(session, session.get(Alert, alert_id))
        session.commit()
        first, last = fan.batches(session, alert_id, 1000, services.clock(),
                                  timedelta(minutes=10))[0]

    def run() -> None:
        with app.app_context():
            send_alert_batch(alert_id, first, last)

    workers = [threading.Thread(target=run) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    got = sent_to(emulator)
    assert set(got) == set(openids) and set(got.values()) == {1}


def test_a_follower_who_unfollows_before_the_send_gets_nothing(app, services, db, wechat,
                                                               emulator, small_batches):
    openids = make_followers(db, 10, ["IT"], "o-late")
    alert_id = publish(services, ["IT"], fan_out=lambda alert_id: None)
    with app.app_context():
        session = services.db.session
        fan.plan(session, session.get(Alert, alert_id))  # the rows are written …
        session.execute(update(Follower).where(Follower.openid == openids[0])
                        .values(subscribed=False))  # … then one unfollows
        session.commit()
        fan_out_alert(alert_id)
    wechat.wait_for_jobs()
    assert set(sent_to(emulator)) == set(openids[1:])
    assert counts(db, alert_id) == {"sent": 9, "skipped": 1}


def test_wechat_says_a_follower_left(services, db, wechat, emulator, small_batches):
    openids = make_followers(db, 5, ["ES"], "o-left")
    emulator.fail(TEMPLATE_PATH, 43004)  # require subscribe
    alert_id = publish(services, ["ES"])
    wechat.wait_for_jobs()
    assert len(sent_to(emulator)) == 4 and set(sent_to(emulator)) < set(openids)
    assert counts(db, alert_id) == {"sent": 4, "skipped": 1}


def test_the_daily_quota_pauses_and_resume_finishes_without_duplicates(
        services, db, wechat, emulator, small_batches, cli):
    openids = make_followers(db, 80, ["MX"], "o-quota")
    emulator.fail(TEMPLATE_PATH, 45009)  # reach max api daily quota limit
    alert_id = publish(services, ["MX"])
    wechat.wait_for_jobs()
    alert = db.get(Alert, alert_id)
    db.refresh(alert)
    assert alert.status == "paused" and "45009" in alert.note
    assert counts(db, alert_id).get("sending", 0) == 0  # nothing left claimed
    assert "paused" in cli("alerts", "status", str(alert_id)).output
    resumed = cli("alerts", "resume", str(alert_id))
    assert resumed.exit_code == 0
    wechat.wait_for_jobs()
    got = sent_to(emulator)
    assert set(got) == set(openids) and set(got.values()) == {1}
    assert counts(db, alert_id) == {"sent": 80}


def test_rows_a_dead_worker_held_are_sent_after_the_lease(app, services, db, wechat, emulator,
                                                          small_batches):
    openids = make_followers(db, 20, ["TH"], "o-dead")
    alert_id = publish(services, ["TH"], fan_out=lambda alert_id: None)
    with app.app_context():
        session = services.db.session
        fan.plan(session, session.get(Alert, alert_id))
        session.commit()
        long_ago = services.clock() - timedelta(hours=1)
        held = session.scalars(select(AlertDelivery.id).where(
            AlertDelivery.alert_id == alert_id).limit(5)).all()
        session.execute(update(AlertDelivery).where(AlertDelivery.id.in_(held))
                        .values(status="sending", claim="dead", claimed_at=long_ago))
        session.commit()
        fan_out_alert(alert_id)
    wechat.wait_for_jobs()
    got = sent_to(emulator)
    assert set(got) == set(openids) and set(got.values()) == {1}


def test_the_pace_is_one_schedule_for_every_sender(services):
    """Each send reserves the next slot in one Redis key: two pacers (two workers) at half a
    send a second get slots exactly two seconds apart, in turn."""
    redis = services.redis.text
    one, two = SendPacer(redis, 0.5), SendPacer(redis, 0.5)
    assert one.interval == 2_000_000  # microseconds
    slots = []
    for pacer in (one, two, one, two):
        pacer._reserve(keys=[pacer.key], args=[pacer.interval])
        slots.append(int(redis.get(key("alerts", "pace"))))  # the next free slot
    assert [later - earlier for earlier, later in zip(slots, slots[1:], strict=False)] == [
        2_000_000] * 3
