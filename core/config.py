"""Configuration: config.toml, then the environment, then a test mapping; validated once.

The result is a plain nested dict (``Settings.data``) so that each service can keep its own
table in config.toml, plus typed views for the parts the core itself relies on.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_PATH = Path(__file__).resolve().parent.parent / "config.toml"

# Environment variable -> path in the nested configuration.
ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "WECHAT_TOKEN": ("wechat", "token"),
    "WECHAT_APP_ID": ("wechat", "app_id"),
    "WECHAT_APP_SECRET": ("wechat", "app_secret"),
    "WECHAT_ENCODING_AES_KEY": ("wechat", "encoding_aes_key"),
    "WECHAT_PREVIOUS_ENCODING_AES_KEY": ("wechat", "previous_encoding_aes_key"),
    "WECHAT_ENCRYPT_MODE": ("wechat", "encrypt_mode"),
    "WECHAT_API_BASE_URL": ("wechat", "api_base_url"),
    "DATABASE_URL": ("database", "url"),
    "REDIS_URL": ("redis", "url"),
    "SECRET_KEY": ("secret_key",),
    "XINBAO_ENV": ("env",),
    "XINBAO_PUBLIC_URL": ("server", "public_url"),
    "MINIPROGRAM_APP_ID": ("identity", "miniprogram_app_id"),
    "MINIPROGRAM_APP_SECRET": ("identity", "miniprogram_app_secret"),
}

ENVIRONMENTS = ("development", "production")
ENCRYPT_MODES = ("plain", "compatible", "safe")
AES_KEY_LENGTH = 43
WECHAT_API_ORIGIN = "https://api.weixin.qq.com/"


class ConfigError(ValueError):
    """The configuration cannot run the service; the message says what to fix."""


def deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _set_path(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = data
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


@dataclass(frozen=True)
class WeChatSettings:
    token: str
    app_id: str
    app_secret: str
    encoding_aes_key: str
    previous_encoding_aes_key: str
    encrypt_mode: str
    api_base_url: str
    fallback_template_id: str
    http_timeout_seconds: float
    account_name: str


@dataclass(frozen=True)
class WebhookSettings:
    max_body_bytes: int
    max_clock_skew_seconds: int
    reply_budget_seconds: float
    retry_wait_seconds: float
    dedupe_ttl_seconds: int


@dataclass(frozen=True)
class Settings:
    data: dict[str, Any]

    @property
    def env(self) -> str:
        return str(self.data["env"])

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    @property
    def secret_key(self) -> str:
        return str(self.data["secret_key"])

    @property
    def database_url(self) -> str:
        return str(self.data["database"]["url"])

    @property
    def redis_url(self) -> str:
        return str(self.data["redis"]["url"])

    @property
    def public_url(self) -> str:
        return str(self.data["server"]["public_url"]).rstrip("/")

    @property
    def wechat(self) -> WeChatSettings:
        section = self.data["wechat"]
        base_url = section["api_base_url"] or (
            f"{self.public_url}/emulator/" if self.is_development else WECHAT_API_ORIGIN
        )
        return WeChatSettings(
            token=section["token"],
            app_id=section["app_id"],
            app_secret=section["app_secret"],
            encoding_aes_key=section["encoding_aes_key"],
            previous_encoding_aes_key=section["previous_encoding_aes_key"],
            encrypt_mode=section["encrypt_mode"],
            api_base_url=base_url if base_url.endswith("/") else base_url + "/",
            fallback_template_id=section["fallback_template_id"],
            http_timeout_seconds=float(section["http_timeout_seconds"]),
            account_name=section["account_name"],
        )

    @property
    def webhook(self) -> WebhookSettings:
        section = self.data["webhook"]
        return WebhookSettings(
            max_body_bytes=int(section["max_body_bytes"]),
            max_clock_skew_seconds=int(section["max_clock_skew_seconds"]),
            reply_budget_seconds=float(section["reply_budget_seconds"]),
            retry_wait_seconds=float(section["retry_wait_seconds"]),
            dedupe_ttl_seconds=int(section["dedupe_ttl_seconds"]),
        )

    def section(self, name: str) -> dict[str, Any]:
        """A service's own table from config.toml (empty when absent)."""
        return dict(self.data.get(name, {}))


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    path: Path = CONFIG_PATH,
) -> Settings:
    environ = os.environ if environ is None else environ
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    development_defaults = data.pop("development", {})

    env_values: dict[str, Any] = {}
    for variable, key_path in ENV_OVERRIDES.items():
        if environ.get(variable):
            _set_path(env_values, key_path, environ[variable])
    env_name = (overrides or {}).get("env") or env_values.get("env") or data.get("env")
    if env_name == "development":
        data = deep_merge(data, development_defaults)
    data = deep_merge(data, env_values)
    data = deep_merge(data, overrides or {})
    settings = Settings(data)
    validate(settings)
    return settings


def validate(settings: Settings) -> None:
    from core.features import settings_problems  # the services' own tables

    problems = [*_problems(settings), *settings_problems(settings.data)]
    if problems:
        raise ConfigError("配置有误 / invalid configuration:\n- " + "\n- ".join(problems))


def _problems(settings: Settings):
    if settings.env not in ENVIRONMENTS:
        yield f"env must be one of {ENVIRONMENTS}, got {settings.env!r} (XINBAO_ENV)"
    wechat = settings.data["wechat"]
    if not wechat.get("token"):
        yield "wechat.token is missing (set WECHAT_TOKEN)"
    if wechat.get("encrypt_mode") not in ENCRYPT_MODES:
        yield (
            f"wechat.encrypt_mode must be one of {ENCRYPT_MODES}, "
            f"got {wechat.get('encrypt_mode')!r} (WECHAT_ENCRYPT_MODE)"
        )
    for key in ("encoding_aes_key", "previous_encoding_aes_key"):
        value = wechat.get(key, "")
        if value and len(value) != AES_KEY_LENGTH:
            yield f"wechat.{key} must be {AES_KEY_LENGTH} characters, got {len(value)}"
    if wechat.get("encrypt_mode") in ("compatible", "safe") and not wechat.get("encoding_aes_key"):
        yield "wechat.encoding_aes_key is required in compatible and safe mode"
    if not settings.secret_key:
        yield "secret_key is missing (set SECRET_KEY)"
    if settings.env == "production":
        if not wechat.get("app_secret"):
            yield "wechat.app_secret is missing (set WECHAT_APP_SECRET)"
        if settings.secret_key.startswith("dev-only"):
            yield "secret_key is the development placeholder; set SECRET_KEY"
