"""The baseline: the least a Flask + wechatpy webhook can do — verify, parse, echo.

Served by gunicorn beside Xinbao in ``benchmarks/webhook_bench.py``, so the two are measured
with the same load on the same machine.
"""

from __future__ import annotations

import os

from flask import Flask, Response, request
from wechatpy import parse_message
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import create_reply
from wechatpy.utils import check_signature

TOKEN = os.environ.get("WECHAT_TOKEN", "xinbao-dev-token")


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/wechat")
    def echo() -> Response:
        try:
            check_signature(TOKEN, request.args.get("signature", ""),
                            request.args.get("timestamp", ""), request.args.get("nonce", ""))
        except InvalidSignatureException:
            return Response("forbidden", status=403)
        msg = parse_message(request.get_data())
        text = getattr(msg, "content", None) or getattr(msg, "key", None) or "ok"
        return Response(create_reply(text, msg).render(), mimetype="application/xml")

    return app
