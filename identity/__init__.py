"""Identities: who is calling, and what they may do. No Flask, no WeChat.

- ``models``: staff accounts, API sessions (follower and staff tokens), the audit log.
- ``access``: the roles and the one table of access rules (permission -> roles).
- ``staff``: create, list, disable and authenticate staff accounts (Argon2 password hashes).
- ``sessions``: signed, expiring bearer tokens tied to a server-side session row.
- ``links``: signed, short-lived links the bot sends to open an H5 page as a follower.
- ``audit``: every staff action, who / what / when / before / after.
- ``throttle``: staff sign-in throttling per account and address, and known devices.

Functions take a SQLAlchemy ``Session`` and the current time; the caller commits.
"""

from core.uow import Actor
from identity.access import Permission, Role, allowed, rules
from identity.errors import (
    AccountDisabled,
    DuplicateAccount,
    IdentityError,
    InvalidCredentials,
    InvalidInput,
    SignInThrottled,
    StateConflict,
    TokenExpired,
    TokenInvalid,
    UnknownAccount,
)
from identity.principal import Principal

__all__ = [
    "rules",
    "AccountDisabled",
    "Actor",
    "DuplicateAccount",
    "IdentityError",
    "InvalidCredentials",
    "InvalidInput",
    "Permission",
    "Principal",
    "Role",
    "SignInThrottled",
    "StateConflict",
    "TokenExpired",
    "TokenInvalid",
    "UnknownAccount",
    "allowed",
]
