"""Configuration: file < development defaults < environment < test mapping; validated at start.

Without XINBAO_ENV the service is in production, and production refuses to start without
what it needs, every problem listed at once, each naming its environment variable.
"""

from __future__ import annotations

import logging
import secrets

import pytest

from core.config import ConfigError, load_settings, repeating_unit, secret_key_problem

GOOD_KEY = "A" * 43
DEVELOPMENT = {"XINBAO_ENV": "development"}
STRONG_KEY = "q7Vd2xLp9Kc4RtZw8Hn3Ys6Bf1Mg5Ja0Ue-Xo_Ti"
# Everything production needs, as an operator exports it (no XINBAO_ENV: the default).
PRODUCTION = {
    "DATABASE_URL": "postgresql://xinbao@db.internal/xinbao",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "WECHAT_TOKEN": "account-token",
    "WECHAT_APP_ID": "wx1234567890abcdef",
    "WECHAT_APP_SECRET": "account-app-secret",
    "SECRET_KEY": STRONG_KEY,
    "MINIPROGRAM_APP_ID": "wxmini00000000001",
    "MINIPROGRAM_APP_SECRET": "miniprogram-secret",
    "SMS_PROVIDER": "http",
    "SMS_GATEWAY_URL": "https://sms.internal/send",
    "SMS_GATEWAY_TOKEN": "sms-gateway-token",
}
KEY_HINT = 'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'


def production(**changes: str | None) -> dict[str, str]:
    """PRODUCTION with some variables changed (a value) or unset (None)."""
    environ = {**PRODUCTION, **changes}
    return {name: value for name, value in environ.items() if value is not None}


def problems(environ: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load_settings(environ=environ)
    header, *lines = str(error.value).splitlines()
    assert header == "配置有误 / invalid configuration:"
    return [line.removeprefix("- ") for line in lines]


def test_environment_overrides_the_file_and_a_mapping_overrides_both():
    settings = load_settings(
        {"wechat": {"app_id": "wx-from-test"}},
        environ={**DEVELOPMENT, "WECHAT_TOKEN": "env-token", "WECHAT_APP_ID": "wx-from-env",
                 "REDIS_URL": "redis://example:6379/2"},
    )
    assert settings.wechat.token == "env-token"
    assert settings.wechat.app_id == "wx-from-test"
    assert settings.redis_url == "redis://example:6379/2"


def test_development_points_the_client_at_the_emulator():
    settings = load_settings({"server": {"public_url": "http://127.0.0.1:9999"}},
                             environ=DEVELOPMENT)
    assert settings.is_development
    assert settings.wechat.api_base_url == "http://127.0.0.1:9999/emulator/"
    assert settings.section("sandbox")["enabled"] is True


def test_a_mapping_may_choose_development_too():
    assert load_settings({"env": "development"}, environ={}).is_development


def test_without_xinbao_env_the_service_is_in_production():
    settings = load_settings(environ=PRODUCTION)
    assert settings.env == "production" and not settings.is_development
    assert settings.wechat.api_base_url == "https://api.weixin.qq.com/"
    assert settings.section("sandbox")["enabled"] is False
    # None of the [development] defaults leaks in.
    assert settings.wechat.token == "account-token"
    assert settings.wechat.encoding_aes_key == ""
    assert settings.secret_key == STRONG_KEY


def test_production_with_nothing_set_names_every_missing_setting_at_once():
    found = "\n".join(problems({}))
    for variable in ("DATABASE_URL", "REDIS_URL", "WECHAT_TOKEN", "WECHAT_APP_ID",
                     "WECHAT_APP_SECRET", "SECRET_KEY", "MINIPROGRAM_APP_ID",
                     "MINIPROGRAM_APP_SECRET", "SMS_PROVIDER"):
        assert variable in found
    # Production was not chosen explicitly: the message says how to get development.
    assert found.endswith("XINBAO_ENV is not set, so this is production (the default); for a "
                          "development run use `xinbao serve` or set XINBAO_ENV=development")


def test_an_explicit_production_gets_no_development_hint():
    assert problems(production(XINBAO_ENV="production", DATABASE_URL=None)) == [
        "DATABASE_URL is missing: production keeps its data in a database you run "
        "(postgresql://...), not in the embedded SQLite file under instance/",
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"DATABASE_URL": None},
         "DATABASE_URL is missing: production keeps its data in a database you run "
         "(postgresql://...), not in the embedded SQLite file under instance/"),
        ({"REDIS_URL": None},
         "REDIS_URL is missing: production needs Redis, shared by every process for "
         "deduplication, locks, rate limits and jobs (or set XINBAO_SINGLE_PROCESS=1 to run "
         "one process on the in-process stand-ins)"),
        ({"WECHAT_APP_ID": None},
         "WECHAT_APP_ID is missing: the official account's AppID (API calls, the appid of "
         "OAuth sign-in links)"),
        ({"WECHAT_APP_SECRET": None},
         "WECHAT_APP_SECRET is missing: the official account's AppSecret (API calls)"),
        ({"WECHAT_TOKEN": None},
         "WECHAT_TOKEN is missing (wechat.token): every webhook call is verified with it"),
        ({"SECRET_KEY": None},
         "SECRET_KEY is missing (secret_key): it signs sessions, API tokens and links; "
         + KEY_HINT),
        ({"SECRET_KEY": "x"},
         f"SECRET_KEY is too short: 1 bytes, at least 32 needed; {KEY_HINT}"),
        ({"SECRET_KEY": "change-me-please"},
         f"SECRET_KEY is too short: 16 bytes, at least 32 needed; {KEY_HINT}"),
        ({"SECRET_KEY": "x" * 48},
         f"SECRET_KEY has only 1 distinct characters (at least 8 expected); {KEY_HINT}"),
        ({"SECRET_KEY": "abababab" * 6},
         f"SECRET_KEY has only 2 distinct characters (at least 8 expected); {KEY_HINT}"),
        ({"SECRET_KEY": "abcdefghij" * 4},
         "SECRET_KEY looks guessable: about 47 bits of entropy estimated (it repeats itself or "
         f"draws on few characters), at least 128 needed; {KEY_HINT}"),
        ({"SECRET_KEY": "0123456789" * 5},
         "SECRET_KEY looks guessable: about 33 bits of entropy estimated (it repeats itself or "
         f"draws on few characters), at least 128 needed; {KEY_HINT}"),
        ({"SECRET_KEY": "dev-only-secret-key-not-for-production"},
         f"SECRET_KEY is the development placeholder; {KEY_HINT}"),
        ({"MINIPROGRAM_APP_ID": None},
         "MINIPROGRAM_APP_ID is missing: the mini-program sign-in (POST /api/v1/session) is "
         "on; set the mini-program's own AppID and secret, or MINIPROGRAM_ENABLED=0 if this "
         "account has no mini-program"),
        ({"MINIPROGRAM_APP_SECRET": None},
         "MINIPROGRAM_APP_SECRET is missing: the mini-program sign-in (POST /api/v1/session) "
         "is on; set the mini-program's own AppID and secret, or MINIPROGRAM_ENABLED=0 if this "
         "account has no mini-program"),
        ({"SMS_PROVIDER": None},
         "[policies] SMS_PROVIDER is missing or unknown (sms.provider): name the SMS provider "
         "the one-time binding codes go through, \"http\" (your SMS gateway: SMS_GATEWAY_URL "
         "and SMS_GATEWAY_TOKEN) or \"development\" (logs the code; development only), got ''"),
        ({"SMS_GATEWAY_TOKEN": None},
         "[policies] SMS_GATEWAY_TOKEN is missing (sms.token): the http SMS provider needs it"),
        ({"XINBAO_SINGLE_PROCESS": "maybe"},
         "XINBAO_SINGLE_PROCESS must be 1 or 0 (true / false), got 'maybe'"),
        ({"MINIPROGRAM_ENABLED": "perhaps"},
         "MINIPROGRAM_ENABLED must be 1 or 0 (true / false), got 'perhaps'"),
    ],
)
def test_production_refuses_to_start_and_names_the_setting(changes, expected):
    assert problems(production(XINBAO_ENV="production", **changes)) == [expected]


def test_all_the_problems_are_reported_together():
    found = problems(production(DATABASE_URL=None, REDIS_URL=None, WECHAT_APP_ID=None,
                                SECRET_KEY="short", MINIPROGRAM_APP_SECRET=None))
    assert [line.split(" ", 1)[0] for line in found] == [
        "DATABASE_URL", "REDIS_URL", "WECHAT_APP_ID", "SECRET_KEY", "MINIPROGRAM_APP_SECRET",
        "XINBAO_ENV",  # the hint: production was the default, not chosen
    ]


def test_single_process_runs_production_without_redis_and_says_so(caplog):
    with caplog.at_level(logging.WARNING, logger="xinbao.config"):
        settings = load_settings(environ=production(REDIS_URL=None, XINBAO_SINGLE_PROCESS="1"))
    assert settings.env == "production" and settings.single_process
    assert settings.redis_url == ""  # the in-process stand-in
    [record] = caplog.records
    assert "single process (XINBAO_SINGLE_PROCESS)" in record.getMessage()
    assert "Run exactly one web process" in record.getMessage()


def test_single_process_off_is_the_same_as_unset():
    assert problems(production(REDIS_URL=None, XINBAO_SINGLE_PROCESS="0"))[0].startswith(
        "REDIS_URL is missing")


def test_an_account_without_a_mini_program_turns_its_sign_in_off():
    settings = load_settings(environ=production(
        MINIPROGRAM_ENABLED="0", MINIPROGRAM_APP_ID=None, MINIPROGRAM_APP_SECRET=None))
    assert settings.miniprogram_enabled is False
    assert load_settings(environ=PRODUCTION).miniprogram_enabled is True


def test_development_needs_none_of_production_settings():
    settings = load_settings(environ=DEVELOPMENT)
    assert settings.database_url == "" and settings.redis_url == ""
    assert settings.wechat.token == "xinbao-dev-token"
    assert settings.secret_key.startswith("dev-only")


@pytest.mark.parametrize(("make", "size"), [
    (secrets.token_urlsafe, 48), (secrets.token_urlsafe, 32),
    (secrets.token_hex, 32), (secrets.token_hex, 16),  # 128 bits: the least accepted
])
def test_a_generated_secret_key_is_accepted(make, size):
    for _ in range(200):
        key = make(size)
        assert secret_key_problem(key) is None, key


def test_the_repeating_unit_of_a_key():
    assert repeating_unit("abcabcab") == "abc"
    assert repeating_unit("abab") == "ab"
    assert repeating_unit("abcd") == "abcd"
    assert repeating_unit("abcda") == "abcda"  # "abcd" + "a" does not repeat twice
    assert repeating_unit("") == ""


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"wechat": {"encoding_aes_key": "short"}}, "must be 43 characters, got 5"),
        ({"wechat": {"previous_encoding_aes_key": "x" * 44}}, "previous_encoding_aes_key"),
        ({"wechat": {"encrypt_mode": "secret"}}, "encrypt_mode must be one of"),
        ({"wechat": {"token": ""}}, "WECHAT_TOKEN is missing"),
        ({"wechat": {"encrypt_mode": "safe", "encoding_aes_key": ""}}, "required in compatible"),
        ({"env": "staging"}, "env must be one of"),
    ],
)
def test_bad_settings_stop_the_start_with_a_message_that_names_them(overrides, expected):
    with pytest.raises(ConfigError, match=expected):
        load_settings(overrides, environ=DEVELOPMENT)


def test_a_valid_safe_mode_configuration_loads():
    settings = load_settings({"wechat": {"encrypt_mode": "safe", "encoding_aes_key": GOOD_KEY}},
                             environ=DEVELOPMENT)
    assert settings.wechat.encrypt_mode == "safe"


def test_a_service_checks_its_own_table():
    with pytest.raises(ConfigError) as error:
        load_settings({"lights": {"daily_quota": -1, "upload_budget_seconds": 9}},
                      environ=DEVELOPMENT)
    message = str(error.value)
    assert "[lights] daily_quota must be a whole number of at least 0, got -1" in message
    assert "[lights] upload_budget_seconds must be between 0 and 4.5" in message
