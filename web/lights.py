"""The H5 verdict page linked from the chat reply: ``/lights/v/<signed token>``.

The Flask adapter of the lights domain (which never imports it); the link is made and read by
``lights.links``.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from core.services import current
from core.tokens import TokenError
from core.workdays import beijing_day
from lights.links import verdict_buyer_id
from lights.service import light_for

bp = Blueprint("lights_pages", __name__, url_prefix="/lights")


@bp.get("/v/<token>")
def verdict_page(token: str) -> str:
    services = current()
    try:
        buyer_id = verdict_buyer_id(services.settings.secret_key, token, services.clock())
    except TokenError:  # altered or expired
        abort(404)
    result = light_for(services.db.session, buyer_id, beijing_day(services.clock()))
    if result is None:
        abort(404)
    return render_template("pages/lights/verdict.html", result=result, buyer=result.buyer,
                           verdict=result.verdict)
