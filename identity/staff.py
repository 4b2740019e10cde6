"""Staff accounts: create, list, change, disable, authenticate.

Passwords are hashed with Argon2id (argon2-cffi, the OWASP first choice); a hash made with
older parameters is upgraded on the next successful sign-in. Every change is written to the
audit log in the same transaction.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.uow import Actor
from identity import audit
from identity.access import Role, parse_roles
from identity.errors import (
    AccountDisabled,
    DuplicateAccount,
    InvalidCredentials,
    InvalidInput,
    StateConflict,
    UnknownAccount,
)
from identity.models import ApiSession, StaffAccount

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{2,31}$"
USERNAME = re.compile(USERNAME_PATTERN)
# A display name: no control characters, and something besides spaces.
DISPLAY_NAME_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
MIN_PASSWORD = 10
MAX_PASSWORD = 128
MAX_DISPLAY_NAME = 64

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("an unknown account has no password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_username(username: str) -> str:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidInput(
            "用户名须为 3–32 位小写字母、数字、点、下划线或连字符，并以字母或数字开头"
        )
    return username


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"密码长度须为 {MIN_PASSWORD}–{MAX_PASSWORD} 个字符")
    return password


def check_display_name(name: str) -> str:
    if any(unicodedata.category(char) == "Cc" for char in name):
        raise InvalidInput("姓名不能含有控制字符")
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_DISPLAY_NAME:
        raise InvalidInput(f"姓名须为 1–{MAX_DISPLAY_NAME} 个字符")
    return name


def check_roles(roles: Iterable[str]) -> list[str]:
    try:
        parsed = parse_roles(roles)
    except ValueError as error:
        raise InvalidInput(f"角色不存在：{error}") from None
    if not parsed:
        raise InvalidInput("至少需要一个角色")
    return sorted(role.value for role in parsed)


def snapshot(account: StaffAccount) -> dict[str, Any]:
    """What the audit log keeps of an account (never the password hash)."""
    return {
        "username": account.username,
        "display_name": account.display_name,
        "roles": sorted(account.roles),
        "active": account.active,
    }


def get(session: Session, staff_id: int) -> StaffAccount:
    account = session.get(StaffAccount, staff_id)
    if account is None:
        raise UnknownAccount()
    return account


def by_username(session: Session, username: str) -> StaffAccount:
    account = session.scalar(
        select(StaffAccount).where(StaffAccount.username == username.strip().lower())
    )
    if account is None:
        raise UnknownAccount()
    return account


def listing(session: Session, *, offset: int = 0, limit: int = 50,
            active: bool | None = None) -> tuple[list[StaffAccount], int]:
    query = select(StaffAccount)
    if active is not None:
        query = query.where(StaffAccount.active == active)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(StaffAccount.id).offset(offset).limit(limit)).all()
    return list(rows), total


def create(
    session: Session,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: Iterable[str],
    now: datetime,
) -> StaffAccount:
    username = check_username(username)
    account = StaffAccount(
        username=username,
        display_name=check_display_name(display_name),
        password_hash=hash_password(check_password(password)),
        roles=check_roles(roles),
        active=True,
        created_at=now,
        updated_at=now,
    )
    if session.scalar(select(StaffAccount.id).where(StaffAccount.username == username)):
        raise DuplicateAccount()
    session.add(account)
    session.flush()
    audit.record(session, actor, "staff.create", "staff", account.id, after=snapshot(account),
                 now=now)
    return account


def update(
    session: Session,
    actor: Actor,
    account: StaffAccount,
    *,
    now: datetime,
    display_name: str | None = None,
    roles: Iterable[str] | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> StaffAccount:
    """Change an account; disabling it also ends every token it holds."""
    before = snapshot(account)
    new_roles = check_roles(roles) if roles is not None else account.roles
    new_active = account.active if active is None else active
    _guard_last_admin(session, actor, account, new_roles, new_active)
    if display_name is not None:
        account.display_name = check_display_name(display_name)
    account.roles = new_roles
    if password is not None:
        account.password_hash = hash_password(check_password(password))
    if account.active and not new_active:
        account.disabled_at = now
        revoke_staff_sessions(session, account.id, now)
    elif new_active and not account.active:
        account.disabled_at = None
    account.active = new_active
    account.updated_at = now
    after = snapshot(account)
    note = "password changed" if password is not None else None
    if after != before or note:
        audit.record(session, actor, "staff.update", "staff", account.id, before=before,
                     after=after, now=now, note=note)
    return account


def disable(session: Session, actor: Actor, account: StaffAccount, *, now: datetime
            ) -> StaffAccount:
    return update(session, actor, account, now=now, active=False)


def _guard_last_admin(session: Session, actor: Actor, account: StaffAccount,
                      new_roles: list[str], new_active: bool) -> None:
    if actor.staff_id == account.id and not new_active:
        raise StateConflict("不能停用自己的账号")
    was_admin = account.active and Role.ADMIN in account.roles
    stays_admin = new_active and Role.ADMIN in new_roles
    if was_admin and not stays_admin and _active_admin_count(session) <= 1:
        raise StateConflict("至少要保留一个启用的管理员账号")


def _active_admin_count(session: Session) -> int:
    accounts = session.scalars(select(StaffAccount).where(StaffAccount.active.is_(True))).all()
    return sum(1 for account in accounts if Role.ADMIN in account.roles)


def revoke_staff_sessions(session: Session, staff_id: int, now: datetime) -> None:
    for api_session in session.scalars(
        select(ApiSession).where(ApiSession.staff_id == staff_id, ApiSession.revoked_at.is_(None))
    ):
        api_session.revoked_at = now


def authenticate(session: Session, username: str, password: str, *, now: datetime
                 ) -> StaffAccount:
    """The account for this username and password; the same error for either being wrong."""
    account = session.scalar(
        select(StaffAccount).where(StaffAccount.username == username.strip().lower())
    )
    if account is None:
        _verify(_DUMMY_HASH, password)
        raise InvalidCredentials()
    if not _verify(account.password_hash, password):
        raise InvalidCredentials()
    if not account.active:
        raise AccountDisabled()
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    account.last_login_at = now
    return account


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
