"""Binding a follower to its enterprise: name, unified social credit code and a policy number
that match the operator's records, then a one-time code sent to the mobile number on file for
that enterprise (or policy) — never a number the follower types.

Every attempt is a row (``BindingAttempt``) and the limits count rows, so they hold with Redis
down: ``attempts_per_day`` tries whose details do not match, ``codes_per_hour`` codes, and
``code_failures`` wrong entries of one code (then it is spent). The caller commits even when
a use case raises ``BindingError``: the attempt it recorded is what the limits count.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.uow import UnitOfWork
from policies.access import ACTIVE, ENDED, binding_of
from policies.models import Binding, BindingAttempt, BindingCode, Enterprise, Policy
from policies.numbers import InputProblem
from policies.sms import mask_mobile
from policies.uscc import parse_uscc

CODE_DIGITS = 6


@dataclass(frozen=True)
class Member:
    """The follower acting, and through which door."""

    follower_id: int
    openid: str
    channel: str  # wechat | miniprogram | h5


class BindingError(InputProblem):
    """``code``: details_mismatch, no_mobile, too_many_attempts, too_many_codes, no_code,
    code_expired, code_wrong, code_spent, already_bound, not_bound, policy_number."""


@dataclass(frozen=True)
class CodeSent:
    code_id: int
    mobile: str  # for the SMS job only; never shown
    mobile_masked: str
    expires_at: datetime
    code: str  # in memory only, for the SMS text; the row keeps its hash
    minutes: int
    enterprise_name: str


@dataclass(frozen=True)
class Limits:
    code_minutes: int
    code_failures: int
    codes_per_hour: int
    attempts_per_day: int

    @classmethod
    def of(cls, uow: UnitOfWork) -> Limits:
        section = uow.section("policies").get("binding", {})
        return cls(code_minutes=int(section.get("code_minutes", 10)),
                   code_failures=int(section.get("code_failures", 5)),
                   codes_per_hour=int(section.get("codes_per_hour", 3)),
                   attempts_per_day=int(section.get("attempts_per_day", 10)))


def fold_name(name: str) -> str:
    """Enterprise names compared as people type them: width, case, spaces, brackets."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = text.replace("（", "(").replace("）", ")")
    return re.sub(r"[\s·.,，。'\"()（）-]+", "", text)


def clean_policy_number(text: str) -> str:
    number = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()
    if not 4 <= len(number) <= 40 or not re.fullmatch(r"[A-Z0-9\-/]+", number):
        raise BindingError("policy_number")
    return number


def _code_hash(uow: UnitOfWork, follower_id: int, code: str) -> str:
    key = uow.settings.secret_key.encode()
    return hmac.new(key, f"binding:{follower_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _count(session: Session, follower_id: int, kind: str, since: datetime,
           ok: bool | None = None) -> int:
    query = select(func.count()).select_from(BindingAttempt).where(
        BindingAttempt.follower_id == follower_id, BindingAttempt.kind == kind,
        BindingAttempt.created_at >= since)
    if ok is not None:
        query = query.where(BindingAttempt.ok == ok)
    return int(session.scalar(query) or 0)


def _attempt(uow: UnitOfWork, member: Member, kind: str, ok: bool,
             enterprise_id: int | None = None) -> None:
    uow.session.add(BindingAttempt(follower_id=member.follower_id, enterprise_id=enterprise_id,
                                   kind=kind, ok=ok, created_at=uow.now))
    uow.session.flush()


def request_code(uow: UnitOfWork, member: Member, name: str, uscc: str,
                 policy_number: str) -> CodeSent:
    """Check the details against the records and issue a code to the mobile on file.

    ``uscc`` must already be a valid code (``parse_uscc``): a typo is a hint, not an attempt.
    A mismatch says only that the three do not match, whichever it was."""
    limits = Limits.of(uow)
    session = uow.session
    if _count(session, member.follower_id, "details", uow.now - timedelta(days=1),
              ok=False) >= limits.attempts_per_day:
        raise BindingError("too_many_attempts", limit=limits.attempts_per_day)
    if _count(session, member.follower_id, "code_sent",
              uow.now - timedelta(hours=1)) >= limits.codes_per_hour:
        raise BindingError("too_many_codes", limit=limits.codes_per_hour)
    code = parse_uscc(uscc)
    number = clean_policy_number(policy_number)
    enterprise = session.scalar(select(Enterprise).where(Enterprise.uscc == code))
    policy = session.scalar(select(Policy).where(Policy.number == number))
    if (enterprise is None or policy is None or policy.enterprise_id != enterprise.id
            or fold_name(enterprise.name) != fold_name(name)):
        _attempt(uow, member, "details", False, enterprise.id if enterprise else None)
        raise BindingError("details_mismatch")
    _attempt(uow, member, "details", True, enterprise.id)
    mobile = policy.contact_mobile or enterprise.mobile
    if not mobile:
        raise BindingError("no_mobile")
    plain = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    row = BindingCode(follower_id=member.follower_id, enterprise_id=enterprise.id,
                      policy_id=policy.id, code_hash=_code_hash(uow, member.follower_id, plain),
                      mobile_masked=mask_mobile(mobile),
                      expires_at=uow.now + timedelta(minutes=limits.code_minutes),
                      failures=0, created_at=uow.now)
    session.add(row)
    _attempt(uow, member, "code_sent", True, enterprise.id)
    return CodeSent(code_id=row.id, mobile=mobile, mobile_masked=row.mobile_masked,
                    expires_at=row.expires_at, code=plain, minutes=limits.code_minutes,
                    enterprise_name=enterprise.name)


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def confirm_code(uow: UnitOfWork, member: Member, code: str) -> Binding:
    """The code from the SMS: the follower is bound (an earlier binding of its ends)."""
    limits = Limits.of(uow)
    session = uow.session
    row = session.scalar(select(BindingCode).where(
        BindingCode.follower_id == member.follower_id, BindingCode.used_at.is_(None))
        .order_by(BindingCode.id.desc()).limit(1))
    if row is None:
        raise BindingError("no_code")
    if row.failures >= limits.code_failures:
        raise BindingError("code_spent")
    if _aware(row.expires_at) < uow.now:
        raise BindingError("code_expired", minutes=limits.code_minutes)
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", code))
    if not hmac.compare_digest(row.code_hash, _code_hash(uow, member.follower_id, digits)):
        row.failures += 1
        _attempt(uow, member, "code_wrong", False, row.enterprise_id)
        left = limits.code_failures - row.failures
        raise BindingError("code_wrong" if left > 0 else "code_spent", left=left)
    row.used_at = uow.now
    current = binding_of(session, member.follower_id)
    if current is not None:
        current.status, current.ended_at, current.ended_by = ENDED, uow.now, "rebound"
        session.flush()
    binding = Binding(follower_id=member.follower_id, openid=member.openid,
                      enterprise_id=row.enterprise_id, policy_id=row.policy_id, status=ACTIVE,
                      created_at=uow.now)
    session.add(binding)
    _attempt(uow, member, "code_ok", True, row.enterprise_id)
    session.flush()
    return binding


def unbind(uow: UnitOfWork, member: Member) -> Binding:
    binding = binding_of(uow.session, member.follower_id)
    if binding is None:
        raise BindingError("not_bound")
    binding.status, binding.ended_at, binding.ended_by = ENDED, uow.now, member.channel
    uow.session.flush()
    return binding


def end_binding_by_staff(uow: UnitOfWork, binding: Binding) -> Binding:
    before = binding.status
    binding.status, binding.ended_at, binding.ended_by = ENDED, uow.now, uow.actor.label
    uow.audit("policies.unbind", "binding", binding.id, before={"status": before},
              after={"status": binding.status})
    uow.session.flush()
    return binding
