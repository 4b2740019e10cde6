"""Test data for 信保贷: a bound enterprise with declared shipments in several currencies, and a
bank's signed callback (signed here with hmac directly, not with the code under test)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import requests

from policies.models import Shipment
from tests.policy_data import bind, make_enterprise

DEV_SECRET = "dev-ccb-callback-secret"  # config.toml [development.loans.banks.ccb]


def ship(db, policy, limit, invoice: str, amount: str, currency: str, due_in_days: int,
         status: str = "declared") -> Shipment:
    today = date.today()
    row = Shipment(enterprise_id=policy.enterprise_id, policy_id=policy.id,
                   credit_limit_id=limit.id, buyer_name=limit.buyer_name,
                   invoice_number=invoice, invoice_key=invoice.replace("-", ""),
                   amount=Decimal(amount), currency=currency,
                   ship_date=today - timedelta(days=10), payment_method="OA",
                   credit_days=10 + due_in_days, due_date=today + timedelta(days=due_in_days),
                   status=status, channel="test")
    db.add(row)
    db.commit()
    return row


def bound_with_receivables(db, openid: str, serial: int = 1, name: str = "宁波测试进出口有限公司"):
    """Bound, a 信保易 policy in force, and open receivables: USD 100,000 + 25,000.50 and
    EUR 40,000 not yet due; USD 9,999 already due and USD 7,000 collected (neither counts)."""
    enterprise, policy, (limit,) = make_enterprise(db, name, serial=serial)
    bind(db, openid, enterprise, policy)
    ship(db, policy, limit, f"US-1-{serial}", "100000", "USD", 60)
    ship(db, policy, limit, f"US-2-{serial}", "25000.50", "USD", 0)  # due today: not yet due
    ship(db, policy, limit, f"EU-1-{serial}", "40000", "EUR", 90)
    ship(db, policy, limit, f"US-3-{serial}", "9999", "USD", -1)  # overdue
    ship(db, policy, limit, f"US-4-{serial}", "7000", "USD", 30, status="collected")
    return enterprise, policy


def sign(body: bytes, timestamp: str, secret: str = DEV_SECRET) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body,
                    hashlib.sha256).hexdigest()


def callback(live_server: str, payload: dict[str, Any] | bytes, *, bank: str = "ccb",
             secret: str = DEV_SECRET, timestamp: int | None = None,
             signature: str | None = None) -> requests.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {"Content-Type": "application/json", "X-Xinbao-Bank": bank,
               "X-Xinbao-Timestamp": stamp,
               "X-Xinbao-Signature": signature if signature is not None
               else "sha256=" + sign(body, stamp, secret)}
    return requests.post(f"{live_server}/api/v1/referrals/callback", data=body, headers=headers,
                         timeout=10)
