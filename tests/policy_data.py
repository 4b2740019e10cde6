"""Test data for 小微企业信保易: enterprises with policies and limits, bound followers.

Mobile numbers here are placeholders of zeros: no real number is invented.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from followers.models import Follower
from followers.subscriptions import get_or_create_follower
from policies.models import Binding, CreditLimit, Enterprise, Policy
from policies.records import buyer_key
from policies.uscc import check_character

MOBILE = "00000000001"  # a placeholder, not a phone number


def uscc(serial: int, division: str = "330200") -> str:
    first17 = f"91{division}{serial:09d}"
    return first17 + check_character(first17)


def make_enterprise(db, name: str = "宁波测试进出口有限公司", serial: int = 1,
                    mobile: str | None = MOBILE, *, today: date | None = None,
                    days_left: int = 200, limits: list[dict[str, Any]] | None = None,
                    number: str | None = None, **policy_fields: Any
                    ) -> tuple[Enterprise, Policy, list[CreditLimit]]:
    """An enterprise with one policy in force (ending in ``days_left`` days) and its limits."""
    today = today or date.today()
    enterprise = Enterprise(name=name, uscc=uscc(serial), mobile=mobile)
    db.add(enterprise)
    db.flush()
    fields = {"product": "小微企业信保易", "status": "in_force",
              "indemnity_percent": Decimal(90), "payment_methods": ["DP", "DA", "OA", "LC"],
              **policy_fields}
    policy = Policy(number=number or f"SME{serial:06d}", enterprise_id=enterprise.id,
                    starts_on=today + timedelta(days=days_left) - timedelta(days=364),
                    ends_on=today + timedelta(days=days_left), **fields)
    db.add(policy)
    db.flush()
    made = []
    for row in limits if limits is not None else [{"buyer_name": "Hamburg Trading GmbH",
                                                   "buyer_country": "DE",
                                                   "amount": Decimal(100000)}]:
        limit = CreditLimit(policy_id=policy.id, buyer_key=buyer_key(row["buyer_name"]),
                            **{"currency": "USD", "approved_on": policy.starts_on, **row})
        db.add(limit)
        made.append(limit)
    db.commit()
    return enterprise, policy, made


def follower(db, openid: str, subscribed: bool = True) -> Follower:
    row = get_or_create_follower(db, openid)
    row.subscribed = subscribed
    db.commit()
    return row


def bind(db, openid: str, enterprise: Enterprise, policy: Policy,
         subscribed: bool = True) -> Binding:
    """Bound directly, without the SMS (the binding flow has its own tests)."""
    who = follower(db, openid, subscribed)
    binding = Binding(follower_id=who.id, openid=openid, enterprise_id=enterprise.id,
                      policy_id=policy.id, status="active")
    db.add(binding)
    db.commit()
    return binding


def follower_id(db, openid: str) -> int:
    return db.scalar(select(Follower.id).where(Follower.openid == openid))
