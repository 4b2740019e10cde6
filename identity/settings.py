"""The ``[identity]`` table of config.toml, typed. The mini-program's secrets come from the
environment through core.config's overrides (MINIPROGRAM_APP_ID, MINIPROGRAM_APP_SECRET)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

OAUTH_AUTHORIZE_ORIGIN = "https://open.weixin.qq.com/connect/"


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
        )
