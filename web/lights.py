"""The H5 verdict page linked from the chat reply: ``/lights/v/<signed token>``.

The Flask adapter of the lights domain (which never imports it). The link is signed
(identity.tokens.Signer, the app's secret key) and carries only the buyer id: a verdict is
not private, and whoever received the reply may open it without signing in. It expires
after ``[lights] page_link_days``, counted on the service clock.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, abort, render_template

from core.config import Settings
from core.services import Services, current
from identity.errors import IdentityError
from identity.tokens import Signer
from lights.service import china_today, light_for

bp = Blueprint("lights_pages", __name__, url_prefix="/lights")

VERDICT_SALT = "lights-verdict-page"


def _signer(services: Services) -> Signer:
    return Signer(services.settings.secret_key, VERDICT_SALT)


def verdict_url(services: Services, buyer_id: int) -> str:
    """The link the chat reply carries; valid for ``[lights] page_link_days``."""
    days = int(services.settings.section("lights").get("page_link_days", 30))
    token = _signer(services).sign({"b": buyer_id}, services.clock() + timedelta(days=days))
    return f"{services.settings.public_url}/lights/v/{token}"


@bp.get("/v/<token>")
def verdict_page(token: str) -> str:
    services = current()
    try:
        data = _signer(services).read(token, services.clock())
    except IdentityError:  # altered or expired
        abort(404)
    result = light_for(services.db.session, int(data["b"]), china_today(services.clock()))
    if result is None:
        abort(404)
    return render_template("pages/lights/verdict.html", result=result, buyer=result.buyer,
                           verdict=result.verdict)


def init_app(app: Flask, settings: Settings) -> None:
    app.register_blueprint(bp)
