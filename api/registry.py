"""Every module that defines API endpoints. Each exposes ``blp`` (an ``ApiBlueprint``); a
service package adds its module here (one line) and its endpoints join ``/api/v1`` and the
OpenAPI document."""

from __future__ import annotations

API_MODULES: tuple[str, ...] = (
    "api.session",
    "api.followers",
    "api.staff",
    "api.jssdk",
    "api.qr",
    "api.lights",
)
