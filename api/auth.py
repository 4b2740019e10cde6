"""Who is calling the API, and the decorators that say who may.

``Authorization: Bearer <token>`` carries a follower token (from ``POST /api/v1/session``)
or a staff token (``POST /api/v1/staff/tokens`` or ``xinbao staff token``). The decorators
check it before the request body is read, and document the rule in the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any, TypeVar

from flask import g, request

from api.docs import mark
from api.errors import Forbidden, Unauthorized, from_identity_error
from followers.models import Follower
from identity import IdentityError, Principal
from identity import sessions as identity_sessions
from identity.access import check_permission_name

F = TypeVar("F", bound=Callable[..., Any])

_ANONYMOUS = object()


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_principal() -> Principal | None:
    """The caller, resolved once per request; None when no token was sent.

    A token that is present but invalid, expired or revoked raises ``Unauthorized``.
    """
    cached = g.get("xinbao_principal", _ANONYMOUS)
    if cached is not _ANONYMOUS:
        return cached  # type: ignore[return-value]
    token = bearer_token()
    principal = None
    if token is not None:
        from core.services import current

        services = current()
        session = services.db.session
        try:
            principal = identity_sessions.resolve(
                session, identity_sessions.signer(services.settings.secret_key),
                token, services.clock(), partial(session.get, Follower),
            )
        except IdentityError as error:
            raise from_identity_error(error) from None
    g.xinbao_principal = principal
    return principal


def require_principal() -> Principal:
    principal = current_principal()
    if principal is None:
        raise Unauthorized(code="token_missing")
    return principal


def _documented(func: F, *, statuses: tuple[int, ...], permission: str | None = None) -> F:
    return mark(func, statuses=statuses, security=True, permission=permission)


def signed_in(func: F) -> F:
    """Any valid token, follower or staff."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        require_principal()
        return func(*args, **kwargs)

    return _documented(wrapper, statuses=(401,))


def any_staff(func: F) -> F:
    """Any staff token, whatever its roles; follower tokens are refused with 403."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not require_principal().is_staff:
            raise Forbidden("仅限员工使用", code="staff_only")
        return func(*args, **kwargs)

    return _documented(wrapper, statuses=(401, 403))


def follower_required(func: F) -> F:
    """A follower token (mini-program login); staff tokens are refused with 403."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not require_principal().is_follower:
            raise Forbidden("仅限微信用户使用", code="follower_only")
        return func(*args, **kwargs)

    return _documented(wrapper, statuses=(401, 403))


def staff_required(permission: str) -> Callable[[F], F]:
    """A staff token whose roles hold ``permission`` (see identity.access.rules)."""
    check_permission_name(permission)

    def decorator(func: F) -> F:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = require_principal()
            if not principal.can(permission):
                raise Forbidden(details={"permission": permission})
            return func(*args, **kwargs)

        return _documented(wrapper, statuses=(401, 403), permission=permission)

    return decorator


def follower_or_staff(permission: str) -> Callable[[F], F]:
    """A follower (the view then checks ``principal.owns(...)``) or staff holding
    ``permission``; other staff are refused with 403."""
    check_permission_name(permission)

    def decorator(func: F) -> F:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = require_principal()
            if principal.is_staff and not principal.can(permission):
                raise Forbidden(details={"permission": permission})
            return func(*args, **kwargs)

        return _documented(wrapper, statuses=(401, 403), permission=permission)

    return decorator
