"""Typed errors of the identity domain; the API and the pages turn them into responses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from core.tokens import ExpiredToken, TokenError


class IdentityError(Exception):
    """Base of every identity error; ``message`` is Chinese and safe to show."""

    message = "身份校验失败"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class InvalidCredentials(IdentityError):
    message = "用户名或密码错误"


class AccountDisabled(IdentityError):
    message = "该账号已停用"


class UnknownAccount(IdentityError):
    message = "账号不存在"


class DuplicateAccount(IdentityError):
    message = "用户名已存在"


class InvalidInput(IdentityError):
    message = "输入不合法"


class SignInThrottled(IdentityError):
    """Too many wrong passwords lately for this username from this address, or from this
    address altogether (``identity.throttle``); the password was not checked."""

    def __init__(self, scope: str, retry_after: int, *, slow_mode: bool = False) -> None:
        self.scope = scope
        self.retry_after = retry_after
        self.slow_mode = slow_mode
        minutes = -(-retry_after // 60)
        if scope == "address":
            message = f"此网络地址的登录失败次数过多，请 {minutes} 分钟后再试。"
        elif slow_mode:
            message = (f"该账号近期受到大量来自不同网络的密码尝试，已加强保护：请 {minutes} "
                       "分钟后再从此网络地址登录；在曾成功登录过的浏览器上登录不受影响。")
        else:
            message = (f"该账号在此网络地址的密码错误次数过多，请 {minutes} 分钟后再试；"
                       "在曾成功登录过的浏览器上登录不受影响。")
        super().__init__(message)


class TokenInvalid(IdentityError):
    message = "登录凭证无效，请重新登录"


class TokenExpired(IdentityError):
    message = "登录已过期，请重新登录"


class StateConflict(IdentityError):
    """The change is well formed but the current state forbids it (409 in the API)."""

    message = "当前状态不允许此操作"


@contextmanager
def token_errors() -> Iterator[None]:
    """Reading a signed token (``core.tokens``): its errors become TokenExpired / TokenInvalid."""
    try:
        yield
    except ExpiredToken:
        raise TokenExpired() from None
    except TokenError:
        raise TokenInvalid() from None
