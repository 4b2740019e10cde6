"""Temporary media through the emulator over real HTTP: uploaded once, the media_id kept in
Redis for less than WeChat's 3 days, and a slow upload that does not hold the caller up."""

from __future__ import annotations

import datetime
import time

import pytest

from lights.picture import LightCard, render_card
from wechat.media import MediaCache, UploadTooSlow

UPLOAD_PATH = "/cgi-bin/media/upload"
THREE_DAYS = 3 * 24 * 3600


@pytest.fixture
def png() -> bytes:
    return render_card(
        LightCard(
            "yellow",
            "Toyota Tsusho Corporation",
            "豊田通商株式会社",
            "日本",
            "建议进一步了解买方情况。",
            datetime.date(2026, 11, 20),
            True,
        )
    )


def test_upload_is_recorded_by_the_emulator_and_cached(services, emulator, png):
    media = MediaCache(services)
    assert media.cached("buyer:7:yellow:v1") is None

    media_id = media.upload("buyer:7:yellow:v1", "light.png", png, timeout=10)

    uploads = emulator.records(kind="media")
    assert [(u["media_id"], u["type"], u["bytes"], u["filename"]) for u in uploads] == [
        (media_id, "image", len(png), "light.png")
    ]
    assert media.cached("buyer:7:yellow:v1") == media_id
    assert media.cached("buyer:8:green:v1") is None
    # WeChat holds the very bytes we rendered under that media_id.
    assert services.wechat.api.media.download(media_id).content == png


def test_media_id_is_forgotten_before_wechat_drops_the_media(services, emulator, png):
    media = MediaCache(services)
    media.upload("buyer:7:yellow:v1", "light.png", png)
    ttl = services.redis.text.ttl(media.redis_key("buyer:7:yellow:v1"))
    assert THREE_DAYS - 6 * 3600 < ttl < THREE_DAYS


def test_media_ids_belong_to_one_official_account(services, emulator, png):
    media = MediaCache(services)
    assert services.settings.wechat.app_id in media.redis_key("k")


def test_a_slow_upload_raises_at_the_timeout_and_fills_the_cache_later(services, emulator, png):
    media = MediaCache(services)
    emulator.delay(UPLOAD_PATH, 2)

    started = time.monotonic()
    with pytest.raises(UploadTooSlow) as slow:
        media.upload("buyer:9:red:v3", "light.png", png, timeout=0.5)
    waited = time.monotonic() - started
    assert waited < 1.5  # not held up for the 2 s the upload takes
    assert media.cached("buyer:9:red:v3") is None
    assert emulator.records(kind="media") == []

    media_id = slow.value.pending.result(timeout=15)  # the background upload completes
    assert media.cached("buyer:9:red:v3") == media_id
    assert [u["media_id"] for u in emulator.records(kind="media")] == [media_id]


def test_a_second_caller_joins_the_upload_under_way(services, emulator, png):
    media = MediaCache(services)
    emulator.delay(UPLOAD_PATH, 1)
    with pytest.raises(UploadTooSlow) as first:
        media.upload("buyer:9:red:v3", "light.png", png, timeout=0.2)
    second = media.upload("buyer:9:red:v3", "light.png", png, timeout=15)

    assert second == first.value.pending.result(timeout=1)
    assert len(emulator.records(kind="media")) == 1


def test_wechat_errors_reach_the_caller_and_nothing_is_cached(services, emulator, png):
    from wechatpy.exceptions import WeChatClientException

    media = MediaCache(services)
    emulator.fail(UPLOAD_PATH, 45009)  # "reach max api daily quota limit"
    with pytest.raises(WeChatClientException) as error:
        media.upload("buyer:9:red:v3", "light.png", png, timeout=10)
    assert error.value.errcode == 45009
    assert media.cached("buyer:9:red:v3") is None
