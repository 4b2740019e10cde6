"""The outbound client: one token fetch per expiry across workers, one retry on 40001."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from wechatpy.exceptions import WeChatClientException

from core.redis_store import key
from wechat.client import OutboundClient

REPO = Path(__file__).resolve().parent.parent


def test_many_threads_share_one_token_fetch(services, emulator):
    clients = [OutboundClient(services.settings.wechat, services.redis.text) for _ in range(8)]
    before = emulator.token_fetches()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda c: c.send_text("o-token", "hi"), clients))
    assert emulator.token_fetches() - before == 1
    assert len(emulator.sent_to("o-token")) == 8


@pytest.mark.skipif(not os.environ.get("REDIS_URL"),
                    reason="processes share state only through a real Redis (REDIS_URL)")
def test_many_processes_share_one_token_fetch(live_server, base_config, emulator):
    script = textwrap.dedent("""
        import sys
        from app import create_app
        from core.services import current
        app = create_app({"env": "development", "server": {"public_url": sys.argv[1]},
                          "database": {"url": sys.argv[2]}})
        with app.app_context():
            current().wechat.send_text("o-process-token", "hi")
    """)
    before = emulator.token_fetches()
    processes = [
        subprocess.Popen([sys.executable, "-c", script, live_server,
                          base_config["database"]["url"]], cwd=REPO, env=dict(os.environ))
        for _ in range(4)
    ]
    assert [p.wait(timeout=60) for p in processes] == [0, 0, 0, 0]
    assert emulator.token_fetches() - before == 1
    assert len(emulator.sent_to("o-process-token")) == 4


def test_an_invalid_token_is_replaced_once_and_the_call_retried(services, emulator):
    client = services.wechat
    token_key = key("secret", f"access_token:{services.settings.wechat.app_id}")
    client.send_text("o-40001", "first")
    stale = services.redis.text.get(token_key)
    emulator.expire_tokens()  # WeChat now answers 40001 for the cached token
    client.send_text("o-40001", "second")
    fresh = services.redis.text.get(token_key)
    assert fresh and fresh != stale
    assert [m["text"]["content"] for m in emulator.sent_to("o-40001")] == ["first", "second"]


def test_a_second_token_error_is_raised_not_retried_forever(services, emulator):
    services.wechat.send_text("o-40001-twice", "warm up")
    emulator.fail("/cgi-bin/message/custom/send", 40001, times=5)
    with pytest.raises(WeChatClientException) as error:
        services.wechat.send_text("o-40001-twice", "never")
    assert error.value.errcode == 40001


def test_compare_and_expire_keeps_a_token_another_worker_already_refreshed(services):
    cache = services.wechat.api.tokens
    services.redis.text.set(cache.value_key, "fresh-token-from-another-worker")
    cache.invalidate("the-old-token-that-failed")
    assert services.redis.text.get(cache.value_key) == "fresh-token-from-another-worker"
    cache.invalidate("fresh-token-from-another-worker")
    assert services.redis.text.get(cache.value_key) is None


def test_every_call_goes_to_the_configured_base_with_a_timeout(services):
    api = services.wechat.api
    base = services.settings.wechat.api_base_url
    assert api.API_BASE_URL == base + "cgi-bin/"
    assert api.route("https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=T") == (
        base + "cgi-bin/showqrcode?ticket=T")
    assert api.route("https://api.weixin.qq.com/sns/jscode2session") == base + "sns/jscode2session"
    assert api.timeout == services.settings.wechat.http_timeout_seconds > 0


def test_emulator_errors_look_like_wechat(services, emulator):
    assert services.wechat.api.menu.get() is None  # wechatpy maps 46003 "no menu" to None
    with pytest.raises(WeChatClientException) as error:
        services.wechat.api.media.download("no-such-media")
    assert error.value.errcode == 40007
    emulator.fail("/cgi-bin/user/info", 45009)
    with pytest.raises(WeChatClientException) as error:
        services.wechat.api.user.get("o-user")
    assert error.value.errcode == 45009
