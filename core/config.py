"""Configuration: config.toml, then the environment, then a test mapping; validated once.

The result is a plain nested dict (``Settings.data``) so that each service can keep its own
table in config.toml, plus typed views for the parts the core itself relies on.

Without XINBAO_ENV (or an env in the mapping) the service is in production, which refuses to
start without a database, Redis (or XINBAO_SINGLE_PROCESS), the account's credentials, a
strong SECRET_KEY and, while the mini-program sign-in is on, the mini-program's credentials.
"""

from __future__ import annotations

import copy
import logging
import math
import os
import string
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
    "MINIPROGRAM_ENABLED": ("identity", "miniprogram_enabled"),
    "XINBAO_SINGLE_PROCESS": ("server", "single_process"),
    "SMS_PROVIDER": ("policies", "sms", "provider"),
    "SMS_GATEWAY_URL": ("policies", "sms", "url"),
    "SMS_GATEWAY_TOKEN": ("policies", "sms", "token"),
    # The key 建设银行 signs its 信保贷 status callbacks with ([loans.banks.ccb] secret).
    "LOANS_CCB_SECRET": ("loans", "banks", "ccb", "secret"),
}

# Yes/no settings: environment variable -> (path in the configuration, default).
FLAGS: dict[str, tuple[tuple[str, ...], bool]] = {
    "MINIPROGRAM_ENABLED": (("identity", "miniprogram_enabled"), True),
    "XINBAO_SINGLE_PROCESS": (("server", "single_process"), False),
}
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off", "")

ENVIRONMENTS = ("development", "production")
ENCRYPT_MODES = ("plain", "compatible", "safe")
AES_KEY_LENGTH = 43
WECHAT_API_ORIGIN = "https://api.weixin.qq.com/"
# A production SECRET_KEY signs sessions, tokens and links: long, varied, not the placeholder.
SECRET_KEY_MIN_BYTES = 32
SECRET_KEY_MIN_DISTINCT = 8
SECRET_KEY_MIN_BITS = 128
SECRET_KEY_HINT = 'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
DEVELOPMENT_HINT = ("XINBAO_ENV is not set, so this is production (the default); for a "
                    "development run use `xinbao serve` or set XINBAO_ENV=development")

log = logging.getLogger("xinbao.config")


class ConfigError(ValueError):
    """The configuration cannot run the service; the message says what to fix."""


def flag(value: Any) -> bool | None:
    """A yes/no setting from config.toml (a boolean) or the environment (1/0, true/false,
    yes/no, on/off); None when it is neither."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


def repeating_unit(text: str) -> str:
    """The shortest piece whose repetition makes ``text`` ("abcabcab" -> "abc"), or ``text``
    when it does not repeat at least twice."""
    border = [0] * len(text)  # KMP: longest proper prefix that is also a suffix
    for index in range(1, len(text)):
        length = border[index - 1]
        while length and text[index] != text[length]:
            length = border[length - 1]
        border[index] = length + (text[index] == text[length])
    period = len(text) - (border[-1] if text else 0)
    return text[:period] if period * 2 <= len(text) else text


def estimated_bits(key: str) -> float:
    """A rough strength estimate of a random-looking key: the length of its repeating unit
    times log2 of the character pool it draws from (hexadecimal 16; otherwise digits 10,
    lower 26, upper 26, ASCII punctuation 33, plus each distinct other character). It is
    blind to words and sequences; it refuses short, repetitive and few-character keys while
    accepting what a generator gives (secrets.token_hex(16) is 128 bits)."""
    unit = repeating_unit(key)
    chars = set(unit)
    if chars and not chars <= set(string.digits) and (
            chars <= set(string.digits + "abcdef") or chars <= set(string.digits + "ABCDEF")):
        pool = 16
    else:
        classes = (string.digits, string.ascii_lowercase, string.ascii_uppercase,
                   string.punctuation + " ")
        pool = sum(len(group) for group in classes if chars & set(group))
        pool += len({char for char in chars if not char.isascii()})
    return len(unit) * math.log2(pool) if pool > 1 else 0.0


def secret_key_problem(key: str, placeholder: str = "") -> str | None:
    """Why ``key`` is not fit to sign production sessions and tokens, or None."""
    size = len(key.encode())
    distinct = len(set(key))
    bits = estimated_bits(key)
    if (placeholder and key == placeholder) or key.startswith("dev-only"):
        problem = "SECRET_KEY is the development placeholder"
    elif size < SECRET_KEY_MIN_BYTES:
        problem = f"SECRET_KEY is too short: {size} bytes, at least {SECRET_KEY_MIN_BYTES} needed"
    elif distinct < SECRET_KEY_MIN_DISTINCT:
        problem = (f"SECRET_KEY has only {distinct} distinct characters "
                   f"(at least {SECRET_KEY_MIN_DISTINCT} expected)")
    elif bits < SECRET_KEY_MIN_BITS:
        problem = (f"SECRET_KEY looks guessable: about {bits:.0f} bits of entropy estimated "
                   f"(it repeats itself or draws on few characters), at least "
                   f"{SECRET_KEY_MIN_BITS} needed")
    else:
        return None
    return f"{problem}; {SECRET_KEY_HINT}"


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
    busy_requests: int
    put_aside_after_seconds: float


@dataclass(frozen=True)
class Settings:
    data: dict[str, Any]

    @property
    def env(self) -> str:
        return str(self.data["env"])

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    def raw_flag(self, variable: str) -> Any:
        """A yes/no setting of ``FLAGS`` as configured (a boolean or the environment's text)."""
        (section, name), default = FLAGS[variable]
        return self.data.get(section, {}).get(name, default)

    @property
    def single_process(self) -> bool:
        """XINBAO_SINGLE_PROCESS: production without Redis, on the in-process stand-ins."""
        return bool(flag(self.raw_flag("XINBAO_SINGLE_PROCESS")))

    @property
    def miniprogram_enabled(self) -> bool:
        """MINIPROGRAM_ENABLED / [identity] miniprogram_enabled: the mini-program sign-in."""
        return bool(flag(self.raw_flag("MINIPROGRAM_ENABLED")))

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
            busy_requests=int(section["busy_requests"]),
            put_aside_after_seconds=float(section["put_aside_after_seconds"]),
        )

    def section(self, name: str) -> dict[str, Any]:
        """A service's own table from config.toml (empty when absent)."""
        return dict(self.data.get(name, {}))


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    path: Path = CONFIG_PATH,
) -> Settings:
    """config.toml, then (in development) its [development] table, then the environment, then
    ``overrides``; validated. Without XINBAO_ENV, an env in ``overrides`` or an edited
    config.toml, the service is in production."""
    environ = os.environ if environ is None else environ
    data, development_defaults = _read_file(path)
    env_values = _environment_values(environ)
    chosen = (overrides or {}).get("env") or env_values.get("env")
    if (chosen or data.get("env")) == "development":
        data = deep_merge(data, development_defaults)
    data = deep_merge(data, env_values)
    data = deep_merge(data, overrides or {})
    settings = Settings(data)
    validate(settings, placeholder=str(development_defaults.get("secret_key", "")),
             env_chosen=bool(chosen))
    if settings.env == "production" and settings.single_process and not settings.redis_url:
        log.warning("single process (XINBAO_SINGLE_PROCESS): no Redis; deduplication, locks, "
                    "rate limits and jobs live in this one process. Run exactly one web "
                    "process (gunicorn -w 1) and no xinbao worker.")
    return settings


def configured(environ: Mapping[str, str] | None = None,
               path: Path = CONFIG_PATH) -> dict[str, Any]:
    """config.toml and the environment, as chosen by whoever runs the command: neither the
    [development] defaults nor a test mapping, and not validated."""
    environ = os.environ if environ is None else environ
    data, _development_defaults = _read_file(path)
    return deep_merge(data, _environment_values(environ))


def _read_file(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """config.toml without its [development] table, and that table."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return data, data.pop("development", {})


def _environment_values(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for variable, key_path in ENV_OVERRIDES.items():
        if environ.get(variable):
            _set_path(values, key_path, environ[variable])
    return values


def validate(settings: Settings, placeholder: str = "", env_chosen: bool = True) -> None:
    from core.features import settings_problems  # the services' own tables

    problems = [*_problems(settings, placeholder), *settings_problems(settings.data)]
    if problems:
        if settings.env == "production" and not env_chosen:
            problems.append(DEVELOPMENT_HINT)
        raise ConfigError("配置有误 / invalid configuration:\n- " + "\n- ".join(problems))


def _problems(settings: Settings, placeholder: str = ""):
    if settings.env not in ENVIRONMENTS:
        yield f"env must be one of {ENVIRONMENTS}, got {settings.env!r} (XINBAO_ENV)"
    wechat = settings.data["wechat"]
    if not wechat.get("token"):
        yield "WECHAT_TOKEN is missing (wechat.token): every webhook call is verified with it"
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
    for variable in FLAGS:
        if flag(settings.raw_flag(variable)) is None:
            yield (f"{variable} must be 1 or 0 (true / false), "
                   f"got {settings.raw_flag(variable)!r}")
    if not settings.secret_key:
        yield ("SECRET_KEY is missing (secret_key): it signs sessions, API tokens and links; "
               f"{SECRET_KEY_HINT}")
    if settings.env == "production":
        yield from _production_problems(settings, placeholder)


def _production_problems(settings: Settings, placeholder: str):
    """What production needs beyond a valid file: real storage, shared state, the account's
    credentials and a strong key. Each names its environment variable."""
    wechat = settings.data["wechat"]
    if not settings.database_url:
        yield ("DATABASE_URL is missing: production keeps its data in a database you run "
               "(postgresql://...), not in the embedded SQLite file under instance/")
    if not settings.redis_url and not settings.single_process:
        yield ("REDIS_URL is missing: production needs Redis, shared by every process for "
               "deduplication, locks, rate limits and jobs (or set XINBAO_SINGLE_PROCESS=1 to "
               "run one process on the in-process stand-ins)")
    if not wechat.get("app_id"):
        yield ("WECHAT_APP_ID is missing: the official account's AppID (API calls, the "
               "appid of OAuth sign-in links)")
    if not wechat.get("app_secret"):
        yield "WECHAT_APP_SECRET is missing: the official account's AppSecret (API calls)"
    if settings.secret_key:
        problem = secret_key_problem(settings.secret_key, placeholder)
        if problem:
            yield problem
    if settings.miniprogram_enabled:
        identity = settings.data.get("identity", {})
        for key, variable in (("miniprogram_app_id", "MINIPROGRAM_APP_ID"),
                              ("miniprogram_app_secret", "MINIPROGRAM_APP_SECRET")):
            if not identity.get(key):
                yield (f"{variable} is missing: the mini-program sign-in (POST /api/v1/session) "
                       "is on; set the mini-program's own AppID and secret, or "
                       "MINIPROGRAM_ENABLED=0 if this account has no mini-program")
