"""The bridge from 信保易 to 理赔 for every adapter (chat, API, pages): a bound enterprise's
declared shipments read through policies' own functions, turned into the plain
``claims.usecases.ShipmentFacts`` the claims use cases check. ``claims`` itself never reads
policies."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.usecases import ShipmentFacts
from policies import shipments
from policies.models import CreditLimit, Enterprise, Policy, Shipment
from policies.records import COLLECTED, PAYMENT_METHODS


def facts_for(session: Session, shipment: Shipment) -> ShipmentFacts:
    policy = session.get(Policy, shipment.policy_id)
    limit = session.get(CreditLimit, shipment.credit_limit_id)
    enterprise = session.get(Enterprise, shipment.enterprise_id)
    assert policy is not None and enterprise is not None
    active = limit is not None and limit.status == "active"
    covered = tuple((limit.payment_methods if limit else None) or policy.payment_methods)
    ceilings = [days for days in (policy.max_credit_days,
                                  limit.max_credit_days if limit else None) if days is not None]
    return ShipmentFacts(
        enterprise_id=enterprise.id, enterprise_name=enterprise.name, policy_id=policy.id,
        policy_number=policy.number, policy_starts_on=policy.starts_on,
        policy_ends_on=policy.ends_on, indemnity_percent=policy.indemnity_percent,
        loss_report_days=policy.loss_report_days, shipment_id=shipment.id,
        buyer_name=shipment.buyer_name, invoice_number=shipment.invoice_number,
        amount=shipment.amount, currency=shipment.currency, ship_date=shipment.ship_date,
        due_date=shipment.due_date, payment_method=shipment.payment_method,
        credit_days=shipment.credit_days, covered_methods=covered,
        method_names=dict(PAYMENT_METHODS), max_credit_days=min(ceilings) if ceilings else None,
        limit_amount=limit.amount if active and limit else None,
        collected=shipment.status == COLLECTED)


def open_shipments(session: Session, enterprise_id: int, limit: int = 20) -> list[Shipment]:
    """The enterprise's declared shipments not yet collected: what a case can be about."""
    return [row for row in shipments.of_enterprise(session, enterprise_id, limit=200)
            if row.status != COLLECTED][:limit]


def own_shipment(session: Session, enterprise_id: int, shipment_id: int | None = None,
                 invoice: str = "") -> Shipment | None:
    """The enterprise's shipment by id or invoice number; another's is like a missing one."""
    if shipment_id:
        row = session.get(Shipment, shipment_id)
        return row if row is not None and row.enterprise_id == enterprise_id else None
    if not invoice.strip():
        return None
    return session.scalar(select(Shipment).where(
        Shipment.enterprise_id == enterprise_id,
        Shipment.invoice_key == shipments.invoice_key(invoice.strip()))
        .order_by(Shipment.id.desc()).limit(1))
