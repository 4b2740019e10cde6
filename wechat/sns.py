"""WeChat's sign-in APIs, as this service calls them (the emulator in development and tests).

- ``code_to_session``: a mini-program's ``wx.login`` code -> openid, unionid, session_key.
  A plain GET: wechatpy's ``wxa.code_to_session`` belongs to a client that would first fetch
  an access token for the official account (wrong appid, and a token the call does not need).
- ``oauth_openid``: an H5 page's OAuth2 ``snsapi_base`` code -> openid (wechatpy's WeChatOAuth,
  pointed at the configured base URL and given a timeout).
- ``jssdk_config``: the JS-SDK ``wx.config`` signature; the jsapi_ticket is shared through
  Redis with the single-flight refresh the access token uses (``wechat.client``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import requests
from wechatpy.exceptions import WeChatClientException, WeChatOAuthException
from wechatpy.oauth import WeChatOAuth

from core.config import WeChatSettings
from core.services import Services
from identity.settings import IdentitySettings
from wechat.client import SingleFlightCache


class SnsError(Exception):
    """WeChat refused (``errcode`` > 0) or could not be reached (``errcode`` None)."""

    def __init__(self, errcode: int | None, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg

    @property
    def is_bad_code(self) -> bool:
        # 40029 invalid code, 40163 code been used, 40125/40013 are our own configuration.
        return self.errcode in (40029, 40163)


@dataclass(frozen=True)
class MiniProgramLogin:
    openid: str
    unionid: str | None
    session_key: str


def code_to_session(wechat: WeChatSettings, identity: IdentitySettings,
                    code: str) -> MiniProgramLogin:
    try:
        response = requests.get(
            wechat.api_base_url + "sns/jscode2session",
            params={"appid": identity.miniprogram_app_id,
                    "secret": identity.miniprogram_app_secret,
                    "js_code": code, "grant_type": "authorization_code"},
            timeout=wechat.http_timeout_seconds,
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
    except (requests.RequestException, ValueError) as error:
        raise SnsError(None, type(error).__name__) from None
    if result.get("errcode"):
        raise SnsError(int(result["errcode"]), str(result.get("errmsg", "")))
    if not result.get("openid") or not result.get("session_key"):
        raise SnsError(None, "incomplete code2session answer")
    return MiniProgramLogin(openid=result["openid"], unionid=result.get("unionid") or None,
                            session_key=result["session_key"])


class _OAuth(WeChatOAuth):
    """WeChatOAuth with our base URLs and an HTTP timeout (it has none by default)."""

    def __init__(self, wechat: WeChatSettings, identity: IdentitySettings,
                 redirect_uri: str, state: str) -> None:
        super().__init__(wechat.app_id, wechat.app_secret, redirect_uri,
                         scope="snsapi_base", state=state)
        self.API_BASE_URL = wechat.api_base_url
        self.OAUTH_BASE_URL = identity.oauth_authorize_base_url
        self.timeout = wechat.http_timeout_seconds

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.timeout)
        return super()._request(method, url_or_endpoint, **kwargs)


def oauth_authorize_url(wechat: WeChatSettings, identity: IdentitySettings,
                        redirect_uri: str, state: str) -> str:
    return _OAuth(wechat, identity, redirect_uri, state).authorize_url


def oauth_openid(wechat: WeChatSettings, identity: IdentitySettings, code: str) -> str:
    try:
        result = _OAuth(wechat, identity, "", "").fetch_access_token(code)
    except WeChatOAuthException as error:
        raise SnsError(error.errcode, str(error.errmsg)) from None
    except requests.RequestException as error:
        raise SnsError(None, type(error).__name__) from None
    return str(result["openid"])


def jsapi_ticket(services: Services) -> SingleFlightCache:
    api = services.wechat.api

    def fetch() -> tuple[str, int]:
        result = api.jsapi.get_ticket("jsapi")
        return result["ticket"], int(result.get("expires_in", 7200))

    return SingleFlightCache(services.redis.text, f"jsapi_ticket:{services.settings.wechat.app_id}",
                             fetch)


def jssdk_config(services: Services, url: str) -> dict[str, Any]:
    """What a page passes to ``wx.config`` for ``url`` (the page's URL without its #fragment)."""
    try:
        ticket = jsapi_ticket(services).get()
    except WeChatClientException as error:
        raise SnsError(error.errcode, str(error.errmsg)) from None
    except requests.RequestException as error:
        raise SnsError(None, type(error).__name__) from None
    timestamp = int(services.clock().timestamp())
    nonce = secrets.token_hex(8)
    signature = services.wechat.api.jsapi.get_jsapi_signature(nonce, ticket, timestamp, url)
    return {"appId": services.settings.wechat.app_id, "timestamp": timestamp,
            "nonceStr": nonce, "signature": signature}
