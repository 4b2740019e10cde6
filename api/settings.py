"""The ``[api]`` table of config.toml, typed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

from identity.settings import IdentitySettings

EXTENSION_KEY = "xinbao.api"
IDENTITY_KEY = "xinbao.identity"


@dataclass(frozen=True)
class ApiSettings:
    rate_limit_per_minute: int
    anonymous_rate_limit_per_minute: int
    idempotency_seconds: int
    max_per_page: int
    max_body_bytes: int
    max_json_depth: int

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> ApiSettings:
        return cls(
            rate_limit_per_minute=int(section.get("rate_limit_per_minute", 120)),
            anonymous_rate_limit_per_minute=int(
                section.get("anonymous_rate_limit_per_minute", 60)
            ),
            idempotency_seconds=int(section.get("idempotency_seconds", 86400)),
            max_per_page=int(section.get("max_per_page", 100)),
            max_body_bytes=int(section.get("max_body_bytes", 65536)),
            max_json_depth=int(section.get("max_json_depth", 32)),
        )


def api_settings() -> ApiSettings:
    return current_app.extensions[EXTENSION_KEY]


def identity_settings() -> IdentitySettings:
    return current_app.extensions[IDENTITY_KEY]
