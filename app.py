"""The application factory: ``create_app()`` — configuration, then one ``register_*`` per part.

Nothing reads configuration at import time; Redis, the queue, the database and the WeChat
client are created here, once per app. The services are the manifests listed in
``core.features``: their models, intents and chat handlers, API modules, pages and start-up
work are gathered in a loop, so adding a service does not touch this file.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from core.config import Settings, load_settings
from core.db import UNAVAILABLE as DATABASE_UNAVAILABLE
from core.db import Database
from core.features import Feature, features, load
from core.jobs import Jobs
from core.logs import configure_logging
from core.model_registry import import_models
from core.redis_store import UNAVAILABLE as REDIS_UNAVAILABLE
from core.redis_store import connect
from core.services import EXTENSION_KEY, Services, current

log = logging.getLogger("xinbao")


def create_app(config: Mapping[str, Any] | None = None, warm: bool = True) -> Flask:
    """``warm``: do each service's start-up work now (the web processes: no follower waits for
    it); a command that answers nobody, or answers later (``xinbao worker``), leaves it to the
    first use and stays small (jieba's dictionary alone is about 50 MB)."""
    configure_logging()
    services_list = features()
    import_models()
    settings = load_settings(config)
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.webhook.max_body_bytes,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    register_services(app, settings)
    register_webhook(app, settings, services_list)
    register_development_tools(app, settings)
    register_api_and_pages(app, settings)
    if warm:
        register_start_up(app, services_list)
    register_sandbox(app, settings)
    register_health(app)
    register_errors(app)
    return app


def register_services(app: Flask, settings: Settings) -> None:
    from wechat.client import OutboundClient

    redis = connect(settings.redis_url)
    db = Database(settings.database_url)
    services = Services(
        settings=settings,
        db=db,
        redis=redis,
        jobs=Jobs(app, redis, db),
        wechat=OutboundClient(settings.wechat, redis.text),
    )
    app.extensions[EXTENSION_KEY] = services
    app.teardown_appcontext(lambda _exc: db.remove())
    log.info(
        "storage: %s; redis: %s",
        "SQLite file (embedded default)" if db.dialect == "sqlite" else db.dialect,
        "in-process stand-in, jobs run in-process" if redis.embedded else "real Redis + rq",
    )


def register_webhook(app: Flask, settings: Settings,
                     services_list: tuple[Feature, ...]) -> None:
    """The webhook and the chat: every service's intents, handlers and conversations."""
    from handlers import build_dispatcher
    from wechat.inbound import Gate
    from wechat.intake import Intake
    from wechat.webhook import bp

    app.extensions["xinbao.gate"] = Gate(settings.wechat, settings.webhook)
    # The two scripts are registered once per process, not per message.
    app.extensions["xinbao.intake"] = Intake(app.extensions[EXTENSION_KEY].redis.text,
                                             settings.webhook.dedupe_ttl_seconds)
    app.extensions["xinbao.dispatcher"] = build_dispatcher(services_list,
                                                           app.extensions[EXTENSION_KEY])
    app.register_blueprint(bp)
    services = app.extensions[EXTENSION_KEY]
    if not services.redis.embedded:  # the embedded default runs no worker to answer later
        from wechat.overload import install

        install(app, services.redis.text, settings.webhook.busy_requests,
                settings.webhook.put_aside_after_seconds, settings.webhook.max_body_bytes)


def register_development_tools(app: Flask, settings: Settings) -> None:
    """The WeChat API emulator exists only in development (and tests); never in production."""
    if not settings.is_development:
        return
    from wechat.emulator import bp as emulator

    app.register_blueprint(emulator)


def register_api_and_pages(app: Flask, settings: Settings) -> None:
    """The JSON API under /api/v1 (with its OpenAPI document), then the H5 and staff pages;
    each service's modules and blueprints come from its manifest."""
    import api
    import web

    api.init_app(app, settings)
    web.init_app(app, settings)


def register_start_up(app: Flask, services_list: tuple[Feature, ...]) -> None:
    """Work a service does once per process (fonts, caches, checking its content), so that no
    follower waits for it in a reply; inside the app context, so it may read the settings."""
    with app.app_context():
        for feature in services_list:
            for name in feature.start:
                load(name)()


def register_sandbox(app: Flask, settings: Settings) -> None:
    """/sandbox: a WeChat chat in the browser; development only (it needs the emulator)."""
    from sandbox import register_sandbox as register

    register(app, settings)


def register_health(app: Flask) -> None:
    @app.get("/healthz")
    def healthz() -> tuple[Response, int]:
        services = current()
        checks: dict[str, str] = {}
        try:
            with services.db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as error:  # reported, not raised: this endpoint exists to tell
            checks["database"] = f"error: {type(error).__name__}"
        try:
            services.redis.text.ping()
            checks["redis"] = "ok"
            checks["queue"] = f"ok ({services.jobs.queue.count} waiting)"
        except Exception as error:
            checks["redis"] = checks["queue"] = f"error: {type(error).__name__}"
        healthy = all(value.startswith("ok") for value in checks.values())
        body = {"status": "ok" if healthy else "degraded", **checks,
                "database_dialect": services.db.dialect,
                "redis_embedded": services.redis.embedded}
        return jsonify(body), 200 if healthy else 503


def register_errors(app: Flask) -> None:
    def unavailable(error: Exception) -> tuple[Response | str, int, dict[str, str]]:
        """Redis or the database is away: busy, said plainly, never a 500. The webhook does
        not come here (it answers WeChat itself, see handlers.dispatch)."""
        log.warning("service unavailable: %s", type(error).__name__)
        retry = {"Retry-After": "5"}
        if request.path.startswith("/api/"):
            return jsonify({"error": {"code": "service_busy",
                                      "message": "服务繁忙，请稍后再试",
                                      "details": {}}}), 503, retry
        return render_template("pages/busy.html"), 503, retry

    for error_class in (*REDIS_UNAVAILABLE, *DATABASE_UNAVAILABLE):
        app.register_error_handler(error_class, unavailable)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        return jsonify({"error": {"code": error.name.lower().replace(" ", "_"),
                                  "message": error.description, "details": {}}}), error.code or 500

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Response, int]:
        log.exception("unhandled error")
        return jsonify({"error": {"code": "internal_error", "message": "内部错误，请稍后再试",
                                  "details": {}}}), 500
