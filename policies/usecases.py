"""信保易's use cases, one module per part; the chat, the API and the pages call these.

- eligibility: ``check_eligibility`` (stores what was answered and the outcome);
- binding: ``policies.binding`` — ``request_code``, ``confirm_code``, ``unbind``; the access
  check every later service reuses is ``policies.access``;
- policies: ``policies.records.my_policies``; import and demo: ``policies.importer``;
- renewals: ``policies.renewals`` — ``submit``, ``change_status``;
- shipments: ``policies.shipments`` — ``declare``, ``mark_collected``, ``workbook``;
- reminders: ``policies.reminders.issue_reminders``;
- what other services read: ``enterprise_facts`` (plain values: binding, policies, receivables).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.uow import UnitOfWork
from policies.access import enterprise_of
from policies.eligibility import Answers, Assessment, assess
from policies.models import EligibilityCheck, Shipment
from policies.records import DECLARED, effective_status, policies_of


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def check_eligibility(uow: UnitOfWork, answers: Answers, follower_id: int | None,
                      channel: str) -> Assessment:
    """The four tests on the answers; the answers and the outcome are kept."""
    assessment = assess(answers)
    classification = assessment.classification
    uow.session.add(EligibilityCheck(
        follower_id=follower_id, channel=channel,
        answers={k: _plain(v) for k, v in dataclasses.asdict(answers).items() if v is not None},
        eligible=assessment.eligible,
        decided_by=assessment.decided_by.value if assessment.decided_by else None,
        size=classification.size.value if classification else None, created_at=uow.now))
    uow.session.flush()
    return assessment


# --- facts other services read (信保贷) --------------------------------------------------------

@dataclass(frozen=True)
class PolicyFact:
    number: str
    product: str
    status: str  # effective today: in_force, pending, expired, suspended, terminated
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class ReceivableFact:
    """A declared shipment not yet collected: the receivable the policy insures."""

    policy_number: str
    buyer_name: str
    invoice_number: str
    amount: Decimal
    currency: str
    due_date: date


@dataclass(frozen=True)
class EnterpriseFacts:
    """What a follower's binding, its enterprise's policies and its open shipments say, as plain
    values: services built on binding (loans) read these and never the tables."""

    follower_id: int | None
    bound: bool
    enterprise_id: int | None = None
    enterprise_name: str = ""
    enterprise_uscc: str = ""
    sample: bool = False
    policies: tuple[PolicyFact, ...] = ()
    receivables: tuple[ReceivableFact, ...] = ()


def enterprise_facts(session: Session, follower_id: int | None, today: date) -> EnterpriseFacts:
    """The follower's binding, policies (newest first) and declared, uncollected shipments."""
    enterprise = enterprise_of(session, follower_id)
    if enterprise is None:
        return EnterpriseFacts(follower_id=follower_id, bound=False)
    policies = policies_of(session, enterprise.id)
    numbers = {policy.id: policy.number for policy in policies}
    shipments = session.scalars(select(Shipment).where(
        Shipment.enterprise_id == enterprise.id, Shipment.status == DECLARED)
        .order_by(Shipment.due_date, Shipment.id))
    return EnterpriseFacts(
        follower_id=follower_id, bound=True, enterprise_id=enterprise.id,
        enterprise_name=enterprise.name, enterprise_uscc=enterprise.uscc,
        sample=enterprise.sample or any(policy.sample for policy in policies),
        policies=tuple(PolicyFact(policy.number, policy.product,
                                  effective_status(policy, today), policy.starts_on,
                                  policy.ends_on) for policy in policies),
        receivables=tuple(ReceivableFact(numbers.get(row.policy_id, ""), row.buyer_name,
                                         row.invoice_number, row.amount, row.currency,
                                         row.due_date) for row in shipments))
