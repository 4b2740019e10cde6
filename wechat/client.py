"""The one outbound WeChat client of a process.

wechatpy's ``WeChatClient`` does the API calls; this module fixes what STACK.md lists as its
defects: the access token lives in Redis (shared by every worker), a refresh is single-flight
(a Redis lock and a second look), it uses ``stable_token`` (which does not rotate the token
other workers hold), a token error is retried exactly once after a compare-and-expire, every
HTTP call has a timeout, and every URL goes to the configured base (the emulator in
development and tests, so nothing reaches the internet).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import redis
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from core.config import WeChatSettings
from core.redis_store import key

log = logging.getLogger(__name__)

TOKEN_ERRORS = frozenset({40001, 40014, 42001})
# Refresh this long before WeChat's expiry: a new token and the old overlap for 5 minutes.
EXPIRY_MARGIN_SECONDS = 300
LOCK_SECONDS = 15
OFFICIAL_HOSTS = ("https://api.weixin.qq.com/", "https://mp.weixin.qq.com/")

# Deletes the cached value only if it is still the one that failed (another worker may
# already have stored a fresh one).
_COMPARE_AND_DELETE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class SingleFlightCache:
    """A secret with an expiry (access token, JS-API ticket) shared through Redis.

    Only one process fetches at a time; the others wait on the lock and then find the value.
    """

    def __init__(self, client: redis.Redis, name: str, fetch: Callable[[], tuple[str, int]]):
        self.redis = client
        self.value_key = key("secret", name)
        self.lock_key = key("secret", name, "lock")
        self.fetch = fetch
        self._compare_and_delete = client.register_script(_COMPARE_AND_DELETE)

    def get(self) -> str:
        value = self.redis.get(self.value_key)
        if value:
            return value
        with self.redis.lock(self.lock_key, timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS):
            value = self.redis.get(self.value_key)
            if value:
                return value
            value, expires_in = self.fetch()
            ttl = max(int(expires_in) - EXPIRY_MARGIN_SECONDS, 30)
            self.redis.set(self.value_key, value, ex=ttl)
            return value

    def invalidate(self, failed_value: str) -> None:
        self._compare_and_delete(keys=[self.value_key], args=[failed_value])


class _RoutedWeChatClient(WeChatClient):
    """wechatpy's client with our token cache, base URL and a single retry on token errors."""

    def __init__(self, settings: WeChatSettings, redis_client: redis.Redis) -> None:
        super().__init__(
            settings.app_id,
            settings.app_secret,
            timeout=settings.http_timeout_seconds,
            auto_retry=False,
        )
        self.base_url = settings.api_base_url
        self.API_BASE_URL = self.base_url + "cgi-bin/"
        self.tokens = SingleFlightCache(
            redis_client, f"access_token:{settings.app_id}", self._fetch_stable_token
        )

    @property
    def access_token(self) -> str:
        return self.tokens.get()

    def fetch_access_token(self) -> dict[str, Any]:
        token, expires_in = self._fetch_stable_token()
        return {"access_token": token, "expires_in": expires_in}

    def _fetch_stable_token(self) -> tuple[str, int]:
        log.info("fetching access token")
        response = self._http.post(
            self.API_BASE_URL + "stable_token",
            json={
                "grant_type": "client_credential",
                "appid": self.appid,
                "secret": self.secret,
                "force_refresh": False,
            },
            timeout=self.timeout,
        )
        response.raise_for_status()
        result = response.json()
        if result.get("errcode"):
            raise WeChatClientException(result["errcode"], result.get("errmsg"), client=self)
        return result["access_token"], int(result.get("expires_in", 7200))

    def route(self, url: str) -> str:
        for host in OFFICIAL_HOSTS:
            if url.startswith(host):
                return self.base_url + url.removeprefix(host)
        return url

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        url_or_endpoint = self.route(url_or_endpoint)
        if "api_base_url" in kwargs:
            kwargs["api_base_url"] = self.route(kwargs["api_base_url"])
        kwargs.setdefault("timeout", self.timeout)
        params = kwargs.setdefault("params", {})
        try:
            return super()._request(method, url_or_endpoint, **kwargs)
        except WeChatClientException as error:
            if error.errcode not in TOKEN_ERRORS or not isinstance(params, dict):
                raise
            failed = params.pop("access_token", None)
            if failed:
                self.tokens.invalidate(failed)
            log.info("access token rejected (%s); retrying once", error.errcode)
            return super()._request(method, url_or_endpoint, **kwargs)


class OutboundClient:
    """What the rest of the project calls; ``api`` is the wechatpy client for everything else."""

    def __init__(self, settings: WeChatSettings, redis_client: redis.Redis) -> None:
        self.settings = settings
        self.api = _RoutedWeChatClient(settings, redis_client)

    def send_text(self, openid: str, text: str) -> None:
        self.api.message.send_text(openid, text)

    def send_image(self, openid: str, media_id: str) -> None:
        self.api.message.send_image(openid, media_id)

    def send_news(self, openid: str, article: dict[str, str]) -> None:
        self.api.message.send_articles(openid, [article])

    def send_template(self, openid: str, template_id: str, data: dict[str, Any],
                      url: str | None = None) -> None:
        self.api.message.send_template(openid, template_id, data, url=url)

    def upload_image(self, filename: str, content: bytes) -> str:
        result = self.api.media.upload("image", (filename, content, "image/png"))
        return result["media_id"]

    def download_media(self, media_id: str) -> tuple[bytes, str]:
        """A temporary media item a follower sent (a photo, a file): its bytes and content
        type. WeChat keeps it 3 days; an unknown or expired id raises its error (40007)."""
        response = self.api.media.download(media_id)
        if isinstance(response, dict):  # a JSON answer without errcode: not a file
            raise WeChatClientException(-1, "media/get answered JSON, not a file",
                                        client=self.api)
        content_type = response.headers.get("Content-Type", "application/octet-stream")
        return response.content, content_type.split(";")[0].strip()
