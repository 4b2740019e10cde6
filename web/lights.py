"""The H5 verdict page linked from the chat reply: ``/lights/v/<signed token>``.

The Flask adapter of the lights domain (which never imports it). The link is
signed (itsdangerous, the app's secret key) and carries only the buyer id: a verdict is not
private, and whoever received the reply may open it without signing in. It expires after
``[lights] page_link_days``.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template
from itsdangerous import BadSignature

from core.config import Settings
from core.services import current
from lights.service import china_today, light_for

bp = Blueprint("lights_pages", __name__, url_prefix="/lights")


@bp.get("/v/<token>")
def verdict_page(token: str) -> str:
    from handlers.lights import _serializer, page_max_age

    services = current()
    try:
        data = _serializer(services).loads(
            token, max_age=int(page_max_age(services).total_seconds()))
    except BadSignature:
        abort(404)
    result = light_for(services.db.session, int(data["b"]), china_today(services.clock()))
    if result is None:
        abort(404)
    return render_template("pages/lights/verdict.html", result=result, buyer=result.buyer,
                           verdict=result.verdict)


def init_app(app: Flask, settings: Settings) -> None:
    app.register_blueprint(bp)
