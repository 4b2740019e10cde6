"""Test data for 理赔: a bound enterprise with a declared shipment (示例-like placeholders)."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from core.workdays import beijing_day
from policies.models import Shipment
from policies.shipments import invoice_key
from tests.policy_data import bind, make_enterprise


def declared(db, openid: str, *, today: date | None = None, serial: int = 1,
             name: str = "宁波测试进出口有限公司", invoice: str = "INV-1",
             amount: Decimal = Decimal(50000), ship_days_ago: int = 100, credit_days: int = 60,
             **policy_fields: Any):
    """An enterprise, its policy (90 %), a limit for Hamburg Trading GmbH, a follower bound to
    it, and one shipment declared ``ship_days_ago`` days ago on OA ``credit_days`` days."""
    # The service counts days in Beijing (UTC+8): between 16:00 and 24:00 UTC its today is
    # the machine's tomorrow.
    today = today or beijing_day(datetime.now(UTC))
    enterprise, policy, limits = make_enterprise(db, name=name, serial=serial, today=today,
                                                 **policy_fields)
    bind(db, openid, enterprise, policy)
    ship_date = today - timedelta(days=ship_days_ago)
    shipment = Shipment(
        enterprise_id=enterprise.id, policy_id=policy.id, credit_limit_id=limits[0].id,
        buyer_name=limits[0].buyer_name, invoice_number=invoice, invoice_key=invoice_key(invoice),
        amount=amount, currency="USD", ship_date=ship_date, payment_method="OA",
        credit_days=credit_days, due_date=ship_date + timedelta(days=credit_days),
        status="declared", channel="wechat")
    db.add(shipment)
    db.commit()
    return enterprise, policy, shipment


def png(width: int = 2, height: int = 2) -> bytes:
    """A tiny real PNG (a photo of a document, as far as the server can tell)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                              0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def case(db, number: str, status: str, deadline: date | None, *, serial: int = 900,
         enterprise: str = "宁波测试进出口有限公司", loss: str = "12000.50") -> Any:
    """A case as the staff pages read it, stored directly (its filing is tested elsewhere):
    ``deadline`` is the day liability must be decided by (None: documents not complete)."""
    from claims.models import Claim

    claim = Claim(number=number, kind="claim", status=status, enterprise_id=serial,
                  enterprise_name=enterprise, policy_id=serial, policy_number=f"SME{serial:06d}",
                  shipment_id=serial, buyer_name="Hamburg Trading GmbH",
                  invoice_number=f"INV-{number}", invoice_amount=Decimal(50000), currency="USD",
                  due_date=date(2026, 6, 30), cause="buyer_insolvent",
                  loss_amount=Decimal(loss), indemnity_percent=Decimal(90), channel="test",
                  documents_complete_on=deadline and deadline - timedelta(days=42),
                  deadline=deadline)
    db.add(claim)
    db.commit()
    return claim
