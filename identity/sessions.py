"""Bearer tokens for the JSON API: a signed, expiring name of a server-side session row.

The row holds what must never leave the server (WeChat's ``session_key``) and makes logout and
disabling a staff account take effect at once. A token is refreshed by replacing its row.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.tokens import Signer
from identity.errors import AccountDisabled, TokenExpired, TokenInvalid, token_errors
from identity.models import ApiSession, StaffAccount, aware
from identity.principal import FollowerRecord, Principal

TOKEN_SALT = "xinbao.api-token"
SESSION_ID = re.compile(r"[0-9a-f]{32}")  # secrets.token_hex(16), the rows' primary key


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    session_id: str
    principal: Principal


def signer(secret_key: str) -> Signer:
    return Signer(secret_key, TOKEN_SALT)


def open_follower_session(
    session: Session, sign: Signer, follower: FollowerRecord, *, openid: str,
    unionid: str | None, session_key: str | None, now: datetime, lifetime: timedelta,
) -> IssuedToken:
    """A token for ``follower`` (found or created by the caller, see
    ``followers.subscriptions.get_or_create_follower``) signed in with ``openid``."""
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


def resolve(session: Session, sign: Signer, token: str, now: datetime,
            find_follower: Callable[[int], FollowerRecord | None]) -> Principal:
    """Who holds this token; raises TokenInvalid, TokenExpired or AccountDisabled.

    ``find_follower`` finds a follower by id (None when there is none); a follower token whose
    follower is gone is invalid.
    """
    with token_errors():
        payload = sign.read(token, now)
    session_id = payload.get("sid")
    # Only the shape we issue reaches the database: not a list, a number, a NUL byte.
    if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
        raise TokenInvalid()
    row = session.get(ApiSession, session_id)
    if row is None or row.revoked_at is not None:
        raise TokenInvalid()
    if aware(row.expires_at) <= now:
        raise TokenExpired()
    if row.kind == "staff":
        account = session.get(StaffAccount, row.staff_id)
        if account is None or not account.active:
            raise AccountDisabled()
        return _staff_principal(row, account)
    follower = find_follower(row.follower_id) if row.follower_id is not None else None
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


def _follower_principal(row: ApiSession, follower: FollowerRecord) -> Principal:
    return Principal(kind="follower", session_id=row.id, follower_id=follower.id,
                     openid=follower.openid, unionid=follower.unionid)


def _staff_principal(row: ApiSession, account: StaffAccount) -> Principal:
    return Principal(kind="staff", session_id=row.id, staff_id=account.id,
                     username=account.username, roles=frozenset(account.roles))

