"""The ``[identity]`` table of config.toml, typed. The mini-program's secrets come from the
environment through core.config's overrides (MINIPROGRAM_APP_ID, MINIPROGRAM_APP_SECRET)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from typing import Any

OAUTH_AUTHORIZE_ORIGIN = "https://open.weixin.qq.com/connect/"
SIGN_IN_PREFIX = "sign_in_"


@dataclass(frozen=True)
class SignInLimits:
    """The staff sign-in throttle (``identity.throttle``); ``[identity] sign_in_<name>``."""

    window_seconds: int = 900  # how long a failed password is counted
    failures_per_pair: int = 5  # one username from one address
    failures_per_address: int = 20  # any usernames from one address
    failures_per_device: int = 10  # one username in a browser it signed in from before
    failures_per_account: int = 50  # one username from every untrusted address: slow mode
    lock_seconds: int = 900  # the first lock; each further lock within a day doubles it
    max_lock_seconds: int = 3600  # the longest lock, and a pair's lock in slow mode
    device_days: int = 90  # how long a successful sign-in makes its browser a known device

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> SignInLimits:
        return cls(**{item.name: int(section.get(SIGN_IN_PREFIX + item.name, item.default))
                      for item in fields(cls)})


@dataclass(frozen=True)
class IdentitySettings:
    miniprogram_app_id: str
    miniprogram_app_secret: str
    follower_token_lifetime: timedelta
    staff_token_lifetime: timedelta
    staff_page_lifetime: timedelta
    h5_link_lifetime: timedelta
    h5_session_lifetime: timedelta
    oauth_authorize_base_url: str
    sign_in: SignInLimits = field(default_factory=SignInLimits)
    # Reverse proxies in front of the app whose X-Forwarded-For / -Proto are believed (0: none).
    trusted_proxies: int = 0

    @classmethod
    def from_section(cls, section: Mapping[str, Any], *, public_url: str,
                     development: bool) -> IdentitySettings:
        authorize = section.get("oauth_authorize_url") or (
            f"{public_url}/emulator/connect/" if development else OAUTH_AUTHORIZE_ORIGIN
        )
        return cls(
            miniprogram_app_id=str(section.get("miniprogram_app_id", "")),
            miniprogram_app_secret=str(section.get("miniprogram_app_secret", "")),
            follower_token_lifetime=timedelta(seconds=int(section.get("follower_token_seconds",
                                                                      7200))),
            staff_token_lifetime=timedelta(seconds=int(section.get("staff_token_seconds",
                                                                   86400))),
            staff_page_lifetime=timedelta(seconds=int(section.get("staff_page_seconds", 28800))),
            h5_link_lifetime=timedelta(seconds=int(section.get("h5_link_seconds", 600))),
            h5_session_lifetime=timedelta(seconds=int(section.get("h5_session_seconds", 7200))),
            oauth_authorize_base_url=authorize if authorize.endswith("/") else authorize + "/",
            sign_in=SignInLimits.from_section(section),
            trusted_proxies=int(section.get("trusted_proxies", 0)),
        )


def problems(section: Mapping[str, Any]) -> Iterator[str]:
    """What is wrong with the sign-in throttle and proxy keys of the ``[identity]`` table."""
    for item in fields(SignInLimits):
        name = SIGN_IN_PREFIX + item.name
        value = section.get(name, item.default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            yield f"{name} must be a whole number of at least 1, got {value!r}"
    lock = section.get(SIGN_IN_PREFIX + "lock_seconds", SignInLimits.lock_seconds)
    longest = section.get(SIGN_IN_PREFIX + "max_lock_seconds", SignInLimits.max_lock_seconds)
    if isinstance(lock, int) and isinstance(longest, int) and longest < lock:
        yield (f"sign_in_max_lock_seconds ({longest}) must not be below "
               f"sign_in_lock_seconds ({lock})")
    proxies = section.get("trusted_proxies", 0)
    if isinstance(proxies, bool) or not isinstance(proxies, int) or not 0 <= proxies <= 5:
        yield f"trusted_proxies must be a whole number from 0 to 5, got {proxies!r}"
