"""Fields the API's schemas share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import marshmallow as ma


class UtcDateTime(ma.fields.DateTime):
    """An ISO 8601 time with its zone. SQLite hands stored times back without one; every
    time we store is UTC, so say so instead of sending a bare local-looking time."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any,
                   **kwargs: Any) -> str | float | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)
