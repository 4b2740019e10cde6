"""Opaque ids in the API (``core.ids``): ``<opaque:name>`` in a route, ``OpaqueId`` in a schema,
``decode_or_404`` in the view.

A path segment not of the shape the codec writes (26 characters, ``a-z2-7``) does not match the
route: a 404. One of that shape that the codec did not write (forged, guessed, of another kind
or another secret key) is the view's ``NotFound``, worded exactly like a record that is gone,
so a caller learns nothing about which ids exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from werkzeug.routing import BaseConverter

from api.errors import NotFound
from core.ids import LENGTH, PATTERN, IdCodec, UnknownId
from core.services import current

# A codec from the app's secret key, e.g. ``lights.links.buyer_ids``.
CodecFor = Callable[[str], IdCodec]
SCHEMA: dict[str, Any] = {"type": "string", "pattern": f"^{PATTERN}$", "minLength": LENGTH,
                          "maxLength": LENGTH}


class OpaqueIdConverter(BaseConverter):
    """``/<opaque:thing_id>``: the view gets the string and decodes it (``decode_or_404``)."""

    regex = PATTERN


def opaque_id_param_schema(_converter: OpaqueIdConverter) -> dict[str, Any]:
    """The path parameter in the OpenAPI document (``Api.register_converter``)."""
    return dict(SCHEMA)


def _codec(codec_for: CodecFor) -> IdCodec:
    return codec_for(current().settings.secret_key)


def decode_or_404(codec_for: CodecFor, text: str, message: str | None = None) -> int:
    """The database id an opaque id names, or ``NotFound(message)``."""
    try:
        return _codec(codec_for).decode(text)
    except UnknownId:
        raise NotFound(message) from None


class OpaqueId(ma.fields.String):
    """A database id, written in an answer (and read from input) in its opaque form."""

    default_error_messages = {"unknown": "不存在的编号"}

    def __init__(self, codec_for: CodecFor, **kwargs: Any) -> None:
        metadata = {**SCHEMA, "description": "不透明编号（不可推算）", **kwargs.pop("metadata", {})}
        del metadata["type"]
        super().__init__(metadata=metadata, **kwargs)
        self.codec_for = codec_for

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else _codec(self.codec_for).encode(value)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return _codec(self.codec_for).decode(text)
        except UnknownId:
            raise self.make_error("unknown") from None
