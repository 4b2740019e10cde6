"""Bearer tokens for the JSON API: a signed, expiring name of a server-side session row.

The row holds what must never leave the server (WeChat's ``session_key``) and makes logout and
disabling a staff account take effect at once. A token is refreshed by replacing its row.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import Follower
from identity.errors import AccountDisabled, TokenExpired, TokenInvalid
from identity.models import ApiSession, StaffAccount, aware
from identity.principal import Principal
from identity.tokens import Signer

TOKEN_SALT = "xinbao.api-token"


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    session_id: str
    principal: Principal


def signer(secret_key: str) -> Signer:
    return Signer(secret_key, TOKEN_SALT)


def follower_for_login(session: Session, openid: str, unionid: str | None,
                       now: datetime) -> Follower:
    """The follower a mini-program login belongs to; created on first login.

    The mini-program and the official account give one person different openids; the unionid
    (when the platform sends one) links them to the same follower row.
    """
    follower = None
    if unionid:
        follower = session.scalar(select(Follower).where(Follower.unionid == unionid).limit(1))
    if follower is None:
        follower = session.scalar(select(Follower).where(Follower.openid == openid))
    if follower is not None:
        if unionid and not follower.unionid:
            follower.unionid = unionid
        return follower
    try:
        with session.begin_nested():  # two first logins at once: one insert wins
            follower = Follower(openid=openid, unionid=unionid, subscribed=False,
                                created_at=now, updated_at=now)
            session.add(follower)
    except IntegrityError:
        follower = session.scalar(select(Follower).where(Follower.openid == openid))
        if follower is None:
            raise
    return follower


def open_follower_session(
    session: Session, sign: Signer, follower: Follower, *, openid: str, unionid: str | None,
    session_key: str | None, now: datetime, lifetime: timedelta,
) -> IssuedToken:
    row = ApiSession(
        id=secrets.token_hex(16), kind="follower", follower_id=follower.id, openid=openid,
        unionid=unionid, session_key=session_key, created_at=now, expires_at=now + lifetime,
    )
    session.add(row)
    return _issue(sign, row, _follower_principal(row, follower))


def open_staff_session(session: Session, sign: Signer, account: StaffAccount, *, now: datetime,
                       lifetime: timedelta, label: str | None = None) -> IssuedToken:
    if not account.active:
        raise AccountDisabled()
    row = ApiSession(id=secrets.token_hex(16), kind="staff", staff_id=account.id, label=label,
                     created_at=now, expires_at=now + lifetime)
    session.add(row)
    return _issue(sign, row, _staff_principal(row, account))


def resolve(session: Session, sign: Signer, token: str, now: datetime) -> Principal:
    """Who holds this token; raises TokenInvalid, TokenExpired or AccountDisabled."""
    payload = sign.read(token, now)
    row = session.get(ApiSession, str(payload.get("sid", "")))
    if row is None or row.revoked_at is not None:
        raise TokenInvalid()
    if aware(row.expires_at) <= now:
        raise TokenExpired()
    if row.kind == "staff":
        account = session.get(StaffAccount, row.staff_id)
        if account is None or not account.active:
            raise AccountDisabled()
        return _staff_principal(row, account)
    follower = session.get(Follower, row.follower_id)
    if follower is None:
        raise TokenInvalid()
    return _follower_principal(row, follower)


def refresh(session: Session, sign: Signer, principal: Principal, *, now: datetime,
            lifetime: timedelta) -> IssuedToken:
    """A new token for the same holder; the old one stops working."""
    old = session.get(ApiSession, principal.session_id)
    if old is None or old.revoked_at is not None:
        raise TokenInvalid()
    old.revoked_at = now
    row = ApiSession(
        id=secrets.token_hex(16), kind=old.kind, follower_id=old.follower_id,
        staff_id=old.staff_id, openid=old.openid, unionid=old.unionid,
        session_key=old.session_key, label=old.label, created_at=now, expires_at=now + lifetime,
    )
    session.add(row)
    return _issue(sign, row, replace(principal, session_id=row.id))


def revoke(session: Session, session_id: str | None, now: datetime) -> None:
    row = session.get(ApiSession, session_id) if session_id else None
    if row is not None and row.revoked_at is None:
        row.revoked_at = now


def _issue(sign: Signer, row: ApiSession, principal: Principal) -> IssuedToken:
    token = sign.sign({"sid": row.id}, row.expires_at)
    return IssuedToken(token=token, expires_at=row.expires_at, session_id=row.id,
                       principal=principal)


def _follower_principal(row: ApiSession, follower: Follower) -> Principal:
    return Principal(kind="follower", session_id=row.id, follower_id=follower.id,
                     openid=follower.openid, unionid=follower.unionid)


def _staff_principal(row: ApiSession, account: StaffAccount) -> Principal:
    return Principal(kind="staff", session_id=row.id, staff_id=account.id,
                     username=account.username, roles=frozenset(account.roles))

