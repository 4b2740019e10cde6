"""Access rules, endpoint by endpoint: who may reach it and who may not.

One row per protected endpoint of /api/v1. ``may`` names the callers that get a 2xx; every
other caller must be refused: anonymous with 401, the rest with 403 — or with ``stranger``
(404) for a second follower asking for the first one's record. Path placeholders come from
``world`` (``{follower_id}`` is the first follower's record, ``{staff_id}`` an operator's
account); a row whose path needs a record of its own passes ``prepare(services, world)``,
which returns more placeholders. ``test_every_protected_endpoint_has_a_row`` fails when an
endpoint is added to the API without a row here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from helpers import follower_token, make_staff, staff_token

CALLERS = ("anonymous", "follower", "other_follower", "operator", "claims_reviewer",
           "academy_editor", "admin")
STAFF = frozenset({"operator", "claims_reviewer", "academy_editor", "admin"})
SIGNED_IN = STAFF | {"follower", "other_follower"}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    may: frozenset[str]
    body: dict[str, Any] | None = None
    stranger: int = 403  # what the second follower gets when it is not allowed
    prepare: Callable[[Any, dict[str, Any]], dict[str, Any]] | None = field(default=None,
                                                                             compare=False)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


E = Endpoint
BUYER_READERS = frozenset({"follower", "other_follower", "operator", "claims_reviewer", "admin"})


def add_buyer_for_access(services) -> str:
    """One buyer in the registry, for the 资信红绿灯 rows (api.lights): its opaque id."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from lights.importer import upsert_buyers
    from lights.links import buyer_ids
    from lights.models import Buyer
    from lights.rows import clean_row

    session = services.db.session
    now = datetime.now(UTC)
    row = clean_row({"source_id": "access-1", "name": "Access Test GmbH", "country": "DE"},
                    "test", now)
    upsert_buyers(session, [row], now)
    session.commit()
    number = session.scalar(select(Buyer.id).where(Buyer.source_id == "access-1"))
    return buyer_ids(services.settings.secret_key).encode(number)


def add_ticket_for_access(services) -> int:
    """A ticket of the first follower, for the support rows (api.support)."""
    from core.uow import Actor, UnitOfWork
    from support.usecases import Kind, open_ticket

    uow = UnitOfWork(session=services.db.session, now=services.clock(),
                     actor=Actor(label="test"), settings=services.settings,
                     redis=services.redis.text)
    ticket = open_ticket(uow, "o-access-owner", Kind.HANDOFF, "想找人工客服")
    services.db.session.commit()
    return ticket.id


def add_policy_world_for_access(services, world) -> dict[str, Any]:
    """The first follower bound to an enterprise with a policy, a limit, a renewal application
    and a shipment; both followers hold a one-time code 123456 (api.enterprise, api.policies,
    api.renewals, api.shipments)."""
    from datetime import timedelta
    from decimal import Decimal

    from sqlalchemy import select

    from core.uow import Actor, UnitOfWork
    from policies.binding import _code_hash
    from policies.models import (
        BindingCode,
        CreditLimit,
        Enterprise,
        Policy,
        RenewalApplication,
        Shipment,
    )
    from tests.policy_data import bind, follower_id, make_enterprise, uscc

    db = services.db.session
    today = services.clock().date()
    enterprise = db.scalar(select(Enterprise).where(Enterprise.uscc == uscc(77)))
    if enterprise is None:  # called once per operation by test_api_bodies
        enterprise, policy, (limit,) = make_enterprise(db, "访问测试进出口有限公司", serial=77,
                                                       today=today)
        bind(db, "o-access-owner", enterprise, policy)
    else:
        policy = db.scalar(select(Policy).where(Policy.enterprise_id == enterprise.id))
        limit = db.scalar(select(CreditLimit).where(CreditLimit.policy_id == policy.id))
    uow = UnitOfWork(session=db, now=services.clock(), actor=Actor(label="test"),
                     settings=services.settings, redis=services.redis.text)
    for openid in ("o-access-owner", "o-access-stranger"):
        who = follower_id(db, openid)
        if who is None:
            continue
        db.add(BindingCode(follower_id=who, enterprise_id=enterprise.id, policy_id=policy.id,
                           code_hash=_code_hash(uow, who, "123456"), mobile_masked="000****0001",
                           expires_at=services.clock() + timedelta(minutes=10), failures=0))
    renewal = RenewalApplication(
        number=f"XR-ACCESS-{renewal_id()}", policy_id=policy.id, enterprise_id=enterprise.id,
        follower_id=follower_id(db, "o-access-owner"), openid="o-access-owner", channel="test",
        expected_exports_usd=Decimal(1000000), main_markets=["DE"], main_buyers=["A GmbH"],
        status="submitted")
    number = renewal_id()
    shipment = Shipment(
        enterprise_id=enterprise.id, policy_id=policy.id, credit_limit_id=limit.id,
        buyer_name=limit.buyer_name, invoice_number=f"ACC-{number}", invoice_key=f"ACC{number}",
        amount=Decimal(1000), currency="USD", ship_date=today, payment_method="OA",
        credit_days=60, due_date=today + timedelta(days=60), status="declared",
        channel="test")
    db.add_all([renewal, shipment])
    db.commit()
    return {"policy_id": policy.id, "application_id": renewal.id, "shipment_id": shipment.id,
            "uscc": enterprise.uscc}


_renewal_ids = iter(range(1, 10**6))


def add_claim_world_for_access(services, world) -> dict[str, Any]:
    """The policy world and a notice of possible loss on its shipment (api.claims)."""
    from decimal import Decimal

    from claims.models import Claim
    from policies.models import Shipment

    places = add_policy_world_for_access(services, world)
    db = services.db.session
    shipment = db.get(Shipment, places["shipment_id"])
    claim = Claim(
        number=f"LP-ACCESS-{renewal_id()}", kind="notice", status="notified",
        enterprise_id=shipment.enterprise_id, enterprise_name="访问测试进出口有限公司",
        policy_id=shipment.policy_id, policy_number="SME000077", shipment_id=shipment.id,
        buyer_name=shipment.buyer_name, invoice_number=shipment.invoice_number,
        invoice_amount=shipment.amount, currency="USD", due_date=shipment.due_date,
        cause="buyer_default", loss_amount=Decimal(500), indemnity_percent=Decimal(90),
        buyer_says="", quality_dispute=False, late=False, openid="o-access-owner",
        channel="test")
    db.add(claim)
    db.commit()
    return {**places, "claim_id": claim.id, "invoice": shipment.invoice_number}


def renewal_id() -> int:
    return next(_renewal_ids)


POLICY_READERS = frozenset({"operator", "claims_reviewer", "admin"})
POLICY_WORLD = {"prepare": add_policy_world_for_access}


def add_referral_for_access(services, world) -> dict[str, Any]:
    """The policy world and a referral of the first follower's enterprise (api.loans)."""
    from sqlalchemy import select

    from loans.models import Referral
    from policies.models import Enterprise
    from tests.policy_data import follower_id, uscc

    places = add_policy_world_for_access(services, world)
    db = services.db.session
    enterprise = db.scalar(select(Enterprise).where(Enterprise.uscc == uscc(77)))
    number = renewal_id()
    referral = Referral(
        tracking_code=f"XBD-ACCESS-{number}", follower_id=follower_id(db, "o-access-owner"),
        openid="o-access-owner", channel="test", enterprise_id=enterprise.id,
        enterprise_name=enterprise.name, policy_number="SME000077", bank_code="ccb",
        bank_name="中国建设银行", shared=["企业名称"], consented_at=services.clock(),
        estimate=[], status="referred")
    db.add(referral)
    db.commit()
    return {**places, "referral_id": referral.id}


LOAN_WORLD = {"prepare": add_referral_for_access}
FOLLOWERS = frozenset({"follower", "other_follower"})
CLAIM_WORLD = {"prepare": add_claim_world_for_access}


def add_alert_for_access(services) -> int:
    """A published alert, for the 风险预警 rows (api.academy)."""
    from academy.models import Alert

    alert = Alert(title="示例预警", summary="示例", countries=["DE"], published_by="test",
                  published_at=services.clock(), sample=True)
    services.db.session.add(alert)
    services.db.session.commit()
    return alert.id


FOLLOWERS = frozenset({"follower", "other_follower"})
ACADEMY_EDITORS = frozenset({"academy_editor", "admin"})
LESSON = {"prepare": lambda services, world: {"lesson_id": "credit-period"}}
COUNTRY = {"prepare": lambda services, world: {"code": "DE"}}
SUPPORT_READERS = frozenset({"operator", "claims_reviewer", "academy_editor", "admin"})
SUPPORT_REPLIERS = frozenset({"operator", "academy_editor", "admin"})
TICKET = {"prepare": lambda services, world: {"ticket_id": add_ticket_for_access(services)}}

ENDPOINTS: list[Endpoint] = [
    E("GET", "/api/v1/me", frozenset({"follower", "other_follower"})),
    E("PATCH", "/api/v1/me", frozenset({"follower", "other_follower"}),
      body={"region": "浙江 宁波"}),
    E("POST", "/api/v1/session/refresh", SIGNED_IN),
    E("DELETE", "/api/v1/session", SIGNED_IN),
    E("GET", "/api/v1/followers/{follower_id}",
      frozenset({"follower", "operator", "claims_reviewer", "admin"}), stranger=404),
    E("GET", "/api/v1/followers", frozenset({"operator", "claims_reviewer", "admin"})),
    E("GET", "/api/v1/staff/me", STAFF),
    E("GET", "/api/v1/staff", frozenset({"admin"})),
    E("POST", "/api/v1/staff", frozenset({"admin"}), body={
        "username": "new.one", "display_name": "新人", "password": "a-long-enough-secret",
        "roles": ["operator"]}),
    E("GET", "/api/v1/staff/{staff_id}", frozenset({"admin"})),
    E("PATCH", "/api/v1/staff/{staff_id}", frozenset({"admin"}), body={"display_name": "改名"}),
    E("GET", "/api/v1/audit", frozenset({"admin"})),
    E("GET", "/api/v1/qr/stats", frozenset({"operator", "claims_reviewer", "admin"})),
    E("GET", "/api/v1/stats", frozenset({"operator", "admin"})),
    E("GET", "/api/v1/stats/{key}", frozenset({"operator", "admin"}),
      prepare=lambda services, world: {"key": "followers.daily"}),
    E("GET", "/api/v1/buyers", BUYER_READERS),
    E("GET", "/api/v1/buyers/{buyer_id}/light", BUYER_READERS, prepare=lambda services, world:
      {"buyer_id": add_buyer_for_access(services)}),
    E("GET", "/api/v1/tickets", SUPPORT_READERS | {"follower", "other_follower"}),
    E("GET", "/api/v1/tickets/{ticket_id}", SUPPORT_READERS | {"follower"}, stranger=404,
      **TICKET),
    E("POST", "/api/v1/tickets/{ticket_id}/replies", SUPPORT_REPLIERS, body={"body": "您好"},
      **TICKET),
    E("POST", "/api/v1/tickets/{ticket_id}/close", SUPPORT_REPLIERS, **TICKET),
    E("POST", "/api/v1/eligibility", SIGNED_IN, body={"last_year_exports_usd": 2000000}),
    E("GET", "/api/v1/enterprise", FOLLOWERS),
    E("POST", "/api/v1/enterprise/code", FOLLOWERS, body={
        "name": "访问测试进出口有限公司", "uscc": "91330200000000077B",
        "policy_number": "SME000077"},
      **POLICY_WORLD),
    E("POST", "/api/v1/enterprise/binding", FOLLOWERS, body={"code": "123456"},
      **POLICY_WORLD),
    E("DELETE", "/api/v1/enterprise/binding", frozenset({"follower"}), stranger=404,
      **POLICY_WORLD),
    E("GET", "/api/v1/enterprise/reminders", FOLLOWERS),
    E("PATCH", "/api/v1/enterprise/reminders", FOLLOWERS, body={"renewal": False}),
    E("GET", "/api/v1/policies", POLICY_READERS | {"follower"}, **POLICY_WORLD),
    E("GET", "/api/v1/policies/{policy_id}", POLICY_READERS | {"follower"}, **POLICY_WORLD),
    E("GET", "/api/v1/renewals", POLICY_READERS | {"follower"}, **POLICY_WORLD),
    E("POST", "/api/v1/renewals", frozenset({"follower"}), body={
        "expected_annual_exports_usd": 2000000, "main_markets": ["德国", "US"],
        "main_buyers": ["Hamburg Trading GmbH"]}, **POLICY_WORLD),
    E("GET", "/api/v1/renewals/{application_id}", POLICY_READERS | {"follower"}, **POLICY_WORLD),
    E("POST", "/api/v1/renewals/{application_id}/status", frozenset({"operator", "admin"}),
      body={"status": "reviewing"}, **POLICY_WORLD),
    E("GET", "/api/v1/shipments", POLICY_READERS | {"follower"}, **POLICY_WORLD),
    E("POST", "/api/v1/shipments", frozenset({"follower"}), body={
        "buyer": "Hamburg Trading GmbH", "invoice_number": "INV-ACCESS-2", "amount": 5000,
        "currency": "USD", "ship_date": "{today}", "payment_method": "OA", "credit_days": 90},
      **POLICY_WORLD),
    E("GET", "/api/v1/shipments/export", frozenset({"follower"}), **POLICY_WORLD),
    E("POST", "/api/v1/shipments/{shipment_id}/collection", frozenset({"follower"}), body={},
      **POLICY_WORLD),
    E("GET", "/api/v1/claims", POLICY_READERS | {"follower"}, **CLAIM_WORLD),
    E("POST", "/api/v1/claims", frozenset({"follower"}), body={
        "kind": "claim", "invoice_number": "{invoice}", "cause": "buyer_default",
        "loss_amount": 800}, **CLAIM_WORLD),
    E("GET", "/api/v1/claims/{claim_id}", POLICY_READERS | {"follower"}, **CLAIM_WORLD),
    E("POST", "/api/v1/claims/{claim_id}/status", frozenset({"claims_reviewer", "admin"}),
      body={"status": "filed", "note": "已受理"}, **CLAIM_WORLD),
    E("GET", "/api/v1/loans", FOLLOWERS),
    E("GET", "/api/v1/referrals", POLICY_READERS | {"follower"}, **POLICY_WORLD),
    E("POST", "/api/v1/referrals", frozenset({"follower"}), body={"bank": "ccb", "consent": True},
      **POLICY_WORLD),
    E("GET", "/api/v1/referrals/{referral_id}", POLICY_READERS | {"follower"}, **LOAN_WORLD),
    E("GET", "/api/v1/academy/progress", FOLLOWERS),
    E("PUT", "/api/v1/academy/progress/{lesson_id}", FOLLOWERS, body={"completed": True},
      **LESSON),
    E("POST", "/api/v1/academy/lessons/{lesson_id}/answers", FOLLOWERS,
      body={"answers": [1, 0, 0]}, **LESSON),
    E("GET", "/api/v1/academy/subscriptions", FOLLOWERS),
    E("PUT", "/api/v1/academy/subscriptions/{code}", FOLLOWERS, **COUNTRY),
    E("DELETE", "/api/v1/academy/subscriptions/{code}", FOLLOWERS, **COUNTRY),
    E("POST", "/api/v1/academy/questions", FOLLOWERS, body={"question": "信用证被拒付怎么办？"}),
    E("POST", "/api/v1/academy/alerts", ACADEMY_EDITORS, body={
        "title": "示例预警", "summary": "示例：仅用于测试", "countries": ["DE"], "sample": True}),
    E("GET", "/api/v1/academy/alerts", ACADEMY_EDITORS),
    E("GET", "/api/v1/academy/alerts/{alert_id}", ACADEMY_EDITORS,
      prepare=lambda services, world: {"alert_id": add_alert_for_access(services)}),
]


@pytest.fixture
def world(services) -> dict[str, Any]:
    """The callers' tokens and the records the paths point at."""
    tokens: dict[str, str | None] = {"anonymous": None}
    tokens["follower"], owner = follower_token(services, "o-access-owner")
    tokens["other_follower"], _ = follower_token(services, "o-access-stranger")
    accounts = {}
    for role in sorted(STAFF):
        accounts[role] = make_staff(services, f"as.{role}", [role])
        tokens[role] = staff_token(services, accounts[role])
    return {"tokens": tokens, "follower_id": owner.id, "staff_id": accounts["operator"].id}


def expected_refusal(endpoint: Endpoint, caller: str) -> int:
    if caller == "anonymous":
        return 401
    return endpoint.stranger if caller == "other_follower" else 403


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_access(endpoint: Endpoint, caller: str, world, services, live_server):
    places = {key: value for key, value in world.items() if key != "tokens"}
    if endpoint.prepare is not None:
        places.update(endpoint.prepare(services, world))
    token = world["tokens"][caller]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    places.setdefault("today", services.clock().date().isoformat())
    body = ({key: value.format(**places) if isinstance(value, str) else value
             for key, value in endpoint.body.items()} if endpoint.body else endpoint.body)
    response = requests.request(endpoint.method, live_server + endpoint.path.format(**places),
                                json=body, headers=headers, timeout=10)
    if caller in endpoint.may:
        assert 200 <= response.status_code < 300, response.text
    else:
        assert response.status_code == expected_refusal(endpoint, caller), response.text
        assert set(response.json()["error"]) == {"code", "message", "details"}


def test_every_protected_endpoint_has_a_row(live_server):
    spec = requests.get(f"{live_server}/api/v1/openapi.json", timeout=5).json()
    protected = {f"{method.upper()} {path}"
                 for path, operations in spec["paths"].items()
                 for method, operation in operations.items()
                 if isinstance(operation, dict) and operation.get("security")}
    assert protected == {str(endpoint) for endpoint in ENDPOINTS}
