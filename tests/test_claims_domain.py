"""理赔's use cases without Flask: the staff listing's filters and the console's figures."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from claims import usecases
from claims.usecases import ClaimInput, Filters, Kind, Status, Who
from core.uow import Actor, UnitOfWork
from tests.claim_data import declared


def _uow(services, now: datetime) -> UnitOfWork:
    return UnitOfWork(session=services.db.session, now=now, actor=Actor(label="test"),
                      settings=services.settings, redis=services.redis.text)


def _facts(db, shipment):
    from api.claim_facts import facts_for

    return facts_for(db, shipment)


def test_listing_filters_and_stats_count_deadlines_at_risk(services, db):
    today = date(2026, 3, 2)
    now = datetime(2026, 3, 2, 3, tzinfo=UTC)
    uow = _uow(services, now)
    made = []
    for serial, invoice in ((1, "A-1"), (2, "B-2"), (3, "C-3")):
        _, _, shipment = declared(db, f"o-dom-{serial}", serial=serial, today=today,
                                  name=f"测试企业{serial}", invoice=invoice)
        made.append(usecases.file(uow, Who(None, f"o-dom-{serial}", "test"),
                                  _facts(db, shipment), ClaimInput(
                                      Kind.CLAIM, "buyer_default", Decimal(100), "USD",
                                      "对方说货物有质量问题" if serial == 3 else "")).claim)
    # One deadline passed, one within five working days, one far away.
    late, near, far = made
    late.status, late.deadline = Status.UNDER_REVIEW.value, date(2026, 2, 27)
    near.status, near.deadline = Status.DOCUMENTS_COMPLETE.value, date(2026, 3, 5)
    far.status, far.deadline = Status.INDEMNITY.value, date(2026, 3, 3)  # decided: not at risk
    db.flush()

    figures = usecases.stats(db, today)
    assert (figures.at_risk, figures.overdue, figures.quality_disputes) == (1, 1, 1)
    assert figures.by_status == {"under_review": 1, "documents_complete": 1, "indemnity": 1}
    rows, total = usecases.listing(db, Filters(at_risk_on=today), 0, 10)
    assert total == 2 and {row.id for row in rows} == {late.id, near.id}
    rows, total = usecases.listing(db, Filters(text="b-2"), 0, 10)
    assert [row.id for row in rows] == [near.id]
    rows, total = usecases.listing(db, Filters(status="indemnity"), 0, 10)
    assert [row.id for row in rows] == [far.id] and far.quality_dispute
    assert usecases.listing(db, Filters(), 1, 1)[1] == 3 and len(usecases.listing(
        db, Filters(), 1, 1)[0]) == 1
