"""Test helpers: staff accounts and tokens without the sign-in dance.

Later issues use these in their own API tests::

    from helpers import follower_token, make_staff, staff_token
    token = staff_token(services, make_staff(services, "op1", ["operator"]))
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from core.services import Services
from followers.models import Follower
from followers.subscriptions import get_or_create_follower
from identity import sessions
from identity.models import StaffAccount
from identity.staff import hash_password

TEST_PASSWORD = "correct-horse-battery"


@cache
def _test_password_hash() -> str:
    # Hashed once per process: Argon2 is slow on purpose, tests create many accounts.
    return hash_password(TEST_PASSWORD)


def make_staff(services: Services, username: str, roles: list[str], *,
               active: bool = True) -> StaffAccount:
    """A committed account whose password is ``TEST_PASSWORD``."""
    session = services.db.session
    now = services.clock()
    account = StaffAccount(username=username, display_name=f"测试{username}",
                           password_hash=_test_password_hash(), roles=sorted(roles),
                           active=active, created_at=now, updated_at=now)
    session.add(account)
    session.commit()
    return account


def staff_token(services: Services, account: StaffAccount,
                lifetime: timedelta = timedelta(hours=1)) -> str:
    session = services.db.session
    issued = sessions.open_staff_session(session, sessions.signer(services.settings.secret_key),
                                         account, now=services.clock(), lifetime=lifetime)
    session.commit()
    return issued.token


def follower_token(services: Services, openid: str,
                   lifetime: timedelta = timedelta(hours=1)) -> tuple[str, Follower]:
    """A follower (created when new) and a mini-program token for it."""
    session = services.db.session
    now = services.clock()
    follower = get_or_create_follower(session, openid, None, now)
    issued = sessions.open_follower_session(
        session, sessions.signer(services.settings.secret_key), follower, openid=openid,
        unionid=None, session_key="test-session-key", now=now, lifetime=lifetime,
    )
    session.commit()
    return issued.token, follower


def route_help_to(app, monkeypatch, handler) -> str:
    """For one test, the help intent is answered by ``handler``; returns a word that reaches it
    (the webhook, the lock, storage and the error boundary stay real)."""
    from core.conversation import Control

    monkeypatch.setitem(app.extensions["xinbao.dispatcher"].handlers, Control.HELP, handler)
    return "帮助"


def drain_inbound_log(app, timeout: float = 20.0) -> None:
    """Every accepted message written into ``inbound_messages`` (the worker drains the log as
    it comes; a test that reads the table drains it here, or waits for the worker's drain)."""
    from core.db import UNAVAILABLE as DATABASE_UNAVAILABLE
    from core.inbound_log import InboundLog, drain_all
    from core.redis_store import UNAVAILABLE as REDIS_UNAVAILABLE
    from core.services import EXTENSION_KEY

    services = app.extensions[EXTENSION_KEY]
    try:
        drain_all(InboundLog(services.redis.text, services.db, consumer="tests",
                             claim_idle_ms=0), timeout)
    except REDIS_UNAVAILABLE:
        pass  # Redis is down (a fault test): nothing entered the log
    except DATABASE_UNAVAILABLE:
        pass  # the database is down (a fault test): the entries wait in the log
