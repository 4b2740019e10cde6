"""信保易's use cases, one module per part; the chat, the API and the pages call these.

- eligibility: ``check_eligibility`` (stores what was answered and the outcome);
- binding: ``policies.binding`` — ``request_code``, ``confirm_code``, ``unbind``; the access
  check every later service reuses is ``policies.access``;
- policies: ``policies.records.my_policies``; import and demo: ``policies.importer``;
- renewals: ``policies.renewals`` — ``submit``, ``change_status``;
- shipments: ``policies.shipments`` — ``declare``, ``mark_collected``, ``workbook``;
- reminders: ``policies.reminders.issue_reminders``.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from core.uow import UnitOfWork
from policies.eligibility import Answers, Assessment, assess
from policies.models import EligibilityCheck


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
