"""Pagination: ``?page=&per_page=`` in, ``{"items": [...], "page": {...}}`` out.

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_of(ThingSchema))
    def things(args):
        rows, total = domain.listing(session, **window(args))
        return paginated(rows, total, args)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import marshmallow as ma

from api.settings import api_settings

MAX_PAGE = 100_000


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=MAX_PAGE),
                             metadata={"description": "页码，从 1 开始"})
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100),
                                 metadata={"description": "每页条数（1–100）"})


class PageMetaSchema(ma.Schema):
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    pages = ma.fields.Integer(required=True)


_PAGE_SCHEMAS: dict[type[ma.Schema], type[ma.Schema]] = {}


def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The envelope schema for a page of ``item_schema`` (one class per item schema)."""
    if item_schema not in _PAGE_SCHEMAS:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
        _PAGE_SCHEMAS[item_schema] = type(name, (ma.Schema,), {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "page": ma.fields.Nested(PageMetaSchema, required=True),
        })
    return _PAGE_SCHEMAS[item_schema]


def window(args: dict[str, Any]) -> dict[str, int]:
    """``offset`` and ``limit`` for a domain listing function."""
    per_page = min(int(args.get("per_page", 20)), api_settings().max_per_page)
    return {"offset": (int(args.get("page", 1)) - 1) * per_page, "limit": per_page}


def paginated(items: list[Any], total: int, args: dict[str, Any]) -> dict[str, Any]:
    per_page = window(args)["limit"]
    return {
        "items": items,
        "page": {"page": int(args.get("page", 1)), "per_page": per_page, "total": total,
                 "pages": math.ceil(total / per_page) if total else 0},
    }


def paginated_list(rows: list[Any], args: dict[str, Any],
                   shape: Callable[[Any], Any]) -> dict[str, Any]:
    """The page ``args`` asks for of rows already in memory (a follower's own few), shaped."""
    limits = window(args)
    page = rows[limits["offset"]:limits["offset"] + limits["limit"]]
    return paginated([shape(row) for row in page], len(rows), args)


def fetch_page(session: Any, query: Any, order_by: tuple[Any, ...], args: dict[str, Any]
               ) -> tuple[list[Any], int]:
    """The rows of ``query`` on the page ``args`` asks for, and how many there are in all."""
    from sqlalchemy import func, select

    limits = window(args)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(*order_by).offset(limits["offset"])
                           .limit(limits["limit"]))
    return list(rows), int(total)
