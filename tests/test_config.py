"""Configuration: file < development defaults < environment < test mapping; validated at start."""

from __future__ import annotations

import pytest

from core.config import ConfigError, load_settings

GOOD_KEY = "A" * 43


def test_environment_overrides_the_file_and_a_mapping_overrides_both():
    settings = load_settings(
        {"wechat": {"app_id": "wx-from-test"}},
        environ={"WECHAT_TOKEN": "env-token", "WECHAT_APP_ID": "wx-from-env",
                 "REDIS_URL": "redis://example:6379/2"},
    )
    assert settings.wechat.token == "env-token"
    assert settings.wechat.app_id == "wx-from-test"
    assert settings.redis_url == "redis://example:6379/2"


def test_development_points_the_client_at_the_emulator():
    settings = load_settings({"server": {"public_url": "http://127.0.0.1:9999"}}, environ={})
    assert settings.wechat.api_base_url == "http://127.0.0.1:9999/emulator/"


def test_production_talks_to_wechat_and_refuses_development_secrets():
    with pytest.raises(ConfigError) as error:
        load_settings(environ={"XINBAO_ENV": "production"})
    message = str(error.value)
    assert "WECHAT_TOKEN" in message and "SECRET_KEY" in message
    settings = load_settings(environ={
        "XINBAO_ENV": "production", "WECHAT_TOKEN": "t", "WECHAT_APP_ID": "wx1",
        "WECHAT_APP_SECRET": "s", "SECRET_KEY": "a-real-secret",
    })
    assert settings.wechat.api_base_url == "https://api.weixin.qq.com/"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"wechat": {"encoding_aes_key": "short"}}, "must be 43 characters, got 5"),
        ({"wechat": {"previous_encoding_aes_key": "x" * 44}}, "previous_encoding_aes_key"),
        ({"wechat": {"encrypt_mode": "secret"}}, "encrypt_mode must be one of"),
        ({"wechat": {"token": ""}}, "wechat.token is missing"),
        ({"wechat": {"encrypt_mode": "safe", "encoding_aes_key": ""}}, "required in compatible"),
        ({"env": "staging"}, "env must be one of"),
    ],
)
def test_bad_settings_stop_the_start_with_a_message_that_names_them(overrides, expected):
    with pytest.raises(ConfigError, match=expected):
        load_settings(overrides, environ={})


def test_a_valid_safe_mode_configuration_loads():
    settings = load_settings({"wechat": {"encrypt_mode": "safe", "encoding_aes_key": GOOD_KEY}},
                             environ={})
    assert settings.wechat.encrypt_mode == "safe"


def test_a_service_checks_its_own_table():
    with pytest.raises(ConfigError) as error:
        load_settings({"lights": {"daily_quota": -1, "upload_budget_seconds": 9}}, environ={})
    message = str(error.value)
    assert "[lights] daily_quota must be a whole number of at least 0, got -1" in message
    assert "[lights] upload_budget_seconds must be between 0 and 4.5" in message
