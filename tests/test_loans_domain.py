"""loans' use cases on plain facts, without Flask: eligibility for each kind of policy state,
the estimate's arithmetic, and the funnel ``stats`` the console will show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from core.config import Settings
from core.uow import Actor, UnitOfWork
from loans import usecases as loans
from loans.usecases import Applicant, BankReport, Missing

TODAY = date(2026, 12, 1)


@dataclass(frozen=True)
class P:
    number: str
    status: str
    product: str = "小微企业信保易"
    ends_on: date = TODAY + timedelta(days=100)


@dataclass(frozen=True)
class R:
    policy_number: str
    amount: Decimal
    currency: str
    due_date: date


@dataclass(frozen=True)
class Facts:
    bound: bool = True
    enterprise_id: int | None = 1
    enterprise_name: str = "测试有限公司"
    sample: bool = False
    policies: tuple[P, ...] = ()
    receivables: tuple[R, ...] = field(default_factory=tuple)


def test_eligibility_names_what_is_missing():
    assert loans.eligibility(Facts(bound=False)).missing is Missing.NOT_BOUND
    assert loans.eligibility(Facts()).missing is Missing.NO_POLICY
    other = Facts(policies=(P("X1", "in_force", product="短期出口信用保险"),))
    assert loans.eligibility(other).missing is Missing.NO_POLICY
    assert loans.eligibility(Facts(policies=(P("A2", "expired"),))).missing is \
        Missing.POLICY_EXPIRED
    assert loans.eligibility(Facts(policies=(P("A3", "suspended"),))).missing is \
        Missing.POLICY_NOT_ACTIVE
    # A renewed policy in force wins over the expired one listed first.
    both = Facts(policies=(P("NEW", "pending"), P("OLD", "in_force")))
    found = loans.eligibility(both)
    assert found.eligible and found.policy.number == "OLD"


def uow_for(services, db, ratio: str = "0.8") -> UnitOfWork:
    data = services.settings.data
    settings = Settings({**data, "loans": {**data["loans"], "financing_ratio": ratio}})
    return UnitOfWork(session=db, now=datetime(2026, 12, 1, 2, tzinfo=UTC),
                      actor=Actor(label="test"), settings=settings, redis=services.redis.text)


def test_the_estimate_counts_only_the_active_policys_receivables_not_yet_due(services, db):
    facts = Facts(policies=(P("A1", "in_force"),), receivables=(
        R("A1", Decimal("1000.01"), "USD", TODAY), R("A1", Decimal("99.99"), "USD", TODAY),
        R("A1", Decimal("500"), "JPY", TODAY + timedelta(days=5)),
        R("A1", Decimal("700"), "USD", TODAY - timedelta(days=1)),  # due yesterday
        R("OLD", Decimal("800"), "USD", TODAY + timedelta(days=5))))  # another policy
    found = loans.estimate(uow_for(services, db, "0.75"), facts)
    assert found is not None and found.indicative and found.ratio == Decimal("0.75")
    assert [(r.currency, r.receivables, r.count, r.amount) for r in found.rows] == [
        ("JPY", Decimal("500"), 1, Decimal("375.00")),
        ("USD", Decimal("1100.00"), 2, Decimal("825.00"))]
    assert loans.estimate(uow_for(services, db), Facts(bound=False)) is None


def test_the_funnel_counts_how_far_each_referral_got(services, db):
    from followers.subscriptions import get_or_create_follower

    uow = uow_for(services, db)
    made = []
    for number in range(3):
        who = get_or_create_follower(db, f"o-funnel-{number}")
        facts = Facts(enterprise_id=100 + number, policies=(P(f"F{number}", "in_force"),))
        made.append(loans.refer(uow, Applicant(who.id, who.openid, "test"), facts, "ccb",
                                consent=True).referral)
    signed = uow.now
    loans.receive_report(uow, "ccb", BankReport("e1", made[0].tracking_code, "accepted"), signed)
    loans.receive_report(uow, "ccb", BankReport("e2", made[0].tracking_code, "declined"), signed)
    loans.receive_report(uow, "ccb", BankReport("e3", made[1].tracking_code, "disbursed"), signed)
    db.commit()
    funnel = loans.stats(db)
    assert funnel.total == 3
    assert (funnel.by_status["referred"], funnel.by_status["declined"],
            funnel.by_status["disbursed"]) == (1, 1, 1)
    # The declined one had been accepted; the disbursed one passed every step.
    assert funnel.reached == {"referred": 3, "accepted": 2, "approved": 1, "disbursed": 1}
    assert loans.stats(db, since=signed + timedelta(seconds=1)).total == 0
    rows, total = loans.listing(db, loans.Filters(status="declined"), 0, 10)
    assert total == 1 and rows[0].id == made[0].id
    rows, total = loans.listing(db, loans.Filters(query=made[2].tracking_code.lower()), 0, 10)
    assert [row.id for row in rows] == [made[2].id]
