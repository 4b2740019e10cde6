"""A WeChat API emulator: on in development and tests, never registered in production.

It answers the endpoints this project calls, with the real error codes, and records what was
sent so tests and the sandbox can show it. State lives in the app's Redis, so every process
of a deployment (and a test's worker process) sees the same emulator.
"""

from __future__ import annotations

import io
import json
import secrets
import time
from typing import Any

import qrcode
from flask import Blueprint, Response, jsonify, request

from core import devrecords
from core.redis_store import key
from core.services import current

bp = Blueprint("emulator", __name__, url_prefix="/emulator")

TOKEN_SECONDS = 7200
OLD_TOKEN_OVERLAP_SECONDS = 300
MEDIA_SECONDS = 3 * 24 * 3600
MAX_TEMPORARY_QR_SECONDS = 2_592_000
MAX_WAIT_SECONDS = 30.0  # a long poll of /_records answers by then at the latest
WAKE_SECONDS = 0.5  # how often a waiting poll looks at Redis (another process may record)


def _redis():
    return current().redis.text


def _raw_redis():
    return current().redis.raw


def _error(errcode: int, errmsg: str) -> Response:
    return jsonify({"errcode": errcode, "errmsg": errmsg})


def _ok(**fields: Any) -> Response:
    return jsonify({"errcode": 0, "errmsg": "ok", **fields})


def _body() -> dict[str, Any]:
    try:
        return json.loads(request.get_data(as_text=True) or "{}")
    except ValueError:
        return {}


# --- recording -------------------------------------------------------------------------------

record = devrecords.record  # the list the sandbox reads (the development SMS writes it too)


def _records_since(since: int, filters: dict[str, str]) -> list[dict[str, Any]]:
    found = [entry for entry in devrecords.records() if entry.get("index", 0) >= since]
    for field, value in filters.items():
        found = [entry for entry in found if entry.get(field) == value]
    return found


@bp.get("/_records")
def list_records() -> Response:
    """What the account sent: ?kind=custom|template|menu|qrcode|media|tag|sms, ?touser=,
    ?since=index.

    ``?wait=SECONDS`` (at most 30) makes it a long poll: when nothing matches yet, the answer
    waits until something does or the time is up (then ``[]``). The sandbox keeps one such
    request open instead of asking several times a second."""
    since = request.args.get("since", default=0, type=int)
    wait = min(max(request.args.get("wait", default=0.0, type=float), 0.0), MAX_WAIT_SECONDS)
    filters = {field: request.args[field] for field in ("kind", "touser")
               if request.args.get(field)}
    found = _records_since(since, filters)
    deadline = time.monotonic() + wait
    while not found and (left := deadline - time.monotonic()) > 0:
        with devrecords.recorded:
            devrecords.recorded.wait(min(left, WAKE_SECONDS))
        if devrecords.recorded_count() > since:
            found = _records_since(since, filters)
    return jsonify(found)


@bp.get("/_stats/templates")
def template_stats() -> Response:
    """Template messages per recipient (every one since the emulator's Redis was emptied)."""
    counts = _redis().hgetall(key("emulator", "template_count"))
    return jsonify({openid: int(number) for openid, number in counts.items()})


@bp.get("/_stats")
def stats() -> Response:
    return jsonify({"token_fetches": int(_redis().get(key("emulator", "token_fetches")) or 0)})


@bp.post("/_control/fail")
def inject_failure() -> Response:
    """Make the next ``times`` calls to ``path`` answer ``errcode`` (tests, the sandbox)."""
    body = _body()
    _redis().set(
        key("emulator", "fail", body["path"]),
        json.dumps({"errcode": int(body["errcode"]), "times": int(body.get("times", 1))}),
    )
    return _ok()


@bp.post("/_control/expire_tokens")
def expire_tokens() -> Response:
    for token_key in _redis().scan_iter(key("emulator", "token", "*")):
        _redis().delete(token_key)
    return _ok()


@bp.post("/_control/delay")
def set_delay() -> Response:
    """Slow down one path by ``seconds`` (to exercise the slow-upload paths)."""
    body = _body()
    _redis().set(key("emulator", "delay", body["path"]), float(body.get("seconds", 0)))
    return _ok()


def _injected(path: str) -> Response | None:
    delay = _redis().get(key("emulator", "delay", path))
    if delay:
        time.sleep(float(delay))
    raw = _redis().get(key("emulator", "fail", path))
    if not raw:
        return None
    failure = json.loads(raw)
    if failure["times"] <= 1:
        _redis().delete(key("emulator", "fail", path))
    else:
        failure["times"] -= 1
        _redis().set(key("emulator", "fail", path), json.dumps(failure))
    return _error(failure["errcode"], "injected by the emulator")


# Paths WeChat serves without an access_token (the sns/ family signs with appid + secret).
UNAUTHENTICATED = ("/cgi-bin/token", "/cgi-bin/stable_token", "/cgi-bin/showqrcode",
                   "/connect/oauth2/authorize")


@bp.before_request
def _check_token_and_injections() -> Response | None:
    path = request.path.removeprefix(bp.url_prefix or "")
    if path.startswith("/_"):
        return None
    if path in UNAUTHENTICATED or path.startswith("/sns/"):
        return _injected(path)
    token = request.args.get("access_token", "")
    if not token:
        return _error(41001, "access_token missing")
    if not _redis().exists(key("emulator", "token", token)):
        return _error(40001, "invalid credential, access_token is invalid or not latest")
    return _injected(path)


# --- access token ----------------------------------------------------------------------------

def _check_app(appid: str, secret: str) -> Response | None:
    wechat = current().settings.wechat
    if appid != wechat.app_id:
        return _error(40013, "invalid appid")
    if secret != wechat.app_secret:
        return _error(40125, "invalid appsecret")
    return None


def _issue_token() -> str:
    redis = _redis()
    redis.incr(key("emulator", "token_fetches"))
    current_key = key("emulator", "current_token")
    old = redis.get(current_key)
    if old:  # like WeChat: the previous token stays valid for five more minutes
        redis.expire(key("emulator", "token", old), OLD_TOKEN_OVERLAP_SECONDS)
    token = "EMU" + secrets.token_hex(24)
    redis.set(key("emulator", "token", token), "1", ex=TOKEN_SECONDS)
    redis.set(current_key, token, ex=TOKEN_SECONDS)
    return token


@bp.get("/cgi-bin/token")
def token() -> Response:
    refused = _check_app(request.args.get("appid", ""), request.args.get("secret", ""))
    if refused:
        return refused
    return jsonify({"access_token": _issue_token(), "expires_in": TOKEN_SECONDS})


@bp.post("/cgi-bin/stable_token")
def stable_token() -> Response:
    body = _body()
    refused = _check_app(body.get("appid", ""), body.get("secret", ""))
    if refused:
        return refused
    redis = _redis()
    existing = redis.get(key("emulator", "current_token"))
    if existing and redis.exists(key("emulator", "token", existing)) and not body.get(
        "force_refresh"
    ):
        # stable_token does not rotate: a second caller gets the same token back.
        redis.incr(key("emulator", "token_fetches"))
        ttl = redis.ttl(key("emulator", "token", existing))
        return jsonify({"access_token": existing, "expires_in": max(ttl, 0)})
    return jsonify({"access_token": _issue_token(), "expires_in": TOKEN_SECONDS})


# --- messages --------------------------------------------------------------------------------

@bp.post("/cgi-bin/message/custom/send")
def custom_send() -> Response:
    body = _body()
    if not body.get("touser") or body.get("msgtype") not in body:
        return _error(44002, "empty post data or missing msgtype content")
    record("custom", body)
    return _ok()


@bp.post("/cgi-bin/message/template/send")
def template_send() -> Response:
    body = _body()
    if not body.get("touser") or not body.get("template_id"):
        return _error(40037, "invalid template_id")
    record("template", body)
    # Every recipient counted, beyond the record list's limit: a fan-out to thousands is
    # checked for duplicates and misses (benchmarks/alerts_bench.py).
    _redis().hincrby(key("emulator", "template_count"), body["touser"], 1)
    return _ok(msgid=int(time.time() * 1000))


# --- media -----------------------------------------------------------------------------------

@bp.post("/cgi-bin/media/upload")
def media_upload() -> Response:
    media_type = request.args.get("type", "")
    upload = request.files.get("media")
    if media_type not in ("image", "voice", "video", "thumb") or upload is None:
        return _error(40004, "invalid media type")
    content = upload.read()
    media_id = "MEDIA" + secrets.token_hex(16)
    _raw_redis().set(key("emulator", "media", media_id).encode(), content, ex=MEDIA_SECONDS)
    record("media", {"media_id": media_id, "type": media_type, "bytes": len(content),
                     "filename": upload.filename})
    return jsonify({"type": media_type, "media_id": media_id, "created_at": int(time.time())})


@bp.get("/cgi-bin/media/get")
def media_get() -> Response:
    content = _raw_redis().get(key("emulator", "media", request.args.get("media_id", "")).encode())
    if content is None:
        return _error(40007, "invalid media_id")
    return Response(content, mimetype="image/png")


# --- menus -----------------------------------------------------------------------------------

@bp.post("/cgi-bin/menu/create")
def menu_create() -> Response:
    body = _body()
    if not body.get("button"):
        return _error(40016, "invalid button size")
    _redis().set(key("emulator", "menu"), json.dumps(body, ensure_ascii=False))
    _redis().delete(key("emulator", "conditional_menus"))
    record("menu", {"action": "create", "menu": body})
    return _ok()


@bp.post("/cgi-bin/menu/addconditional")
def menu_add_conditional() -> Response:
    body = _body()
    if not body.get("button") or not body.get("matchrule"):
        return _error(65303, "there is no selfmenu, please create selfmenu first")
    if not _redis().exists(key("emulator", "menu")):
        return _error(65303, "there is no selfmenu, please create selfmenu first")
    menu_id = str(int(time.time() * 1000))
    _redis().hset(key("emulator", "conditional_menus"), menu_id,
                  json.dumps(dict(body, menuid=menu_id), ensure_ascii=False))
    record("menu", {"action": "addconditional", "menu": body})
    return jsonify({"menuid": menu_id})


@bp.get("/cgi-bin/menu/get")
def menu_get() -> Response:
    raw = _redis().get(key("emulator", "menu"))
    if not raw:
        return _error(46003, "menu no exist")
    conditional = [json.loads(v) for v in _redis().hvals(key("emulator", "conditional_menus"))]
    result: dict[str, Any] = {"menu": json.loads(raw)}
    if conditional:
        result["conditionalmenu"] = conditional
    return jsonify(result)


@bp.get("/cgi-bin/menu/delete")
def menu_delete() -> Response:
    _redis().delete(key("emulator", "menu"), key("emulator", "conditional_menus"))
    record("menu", {"action": "delete"})
    return _ok()


# --- follower tags (the conditional menu matches a tag) ---------------------------------------

FIRST_TAG_ID = 100  # WeChat keeps 0-99 for its own tags


@bp.get("/cgi-bin/tags/get")
def tags_get() -> Response:
    tags = _redis().hgetall(key("emulator", "tags"))
    return jsonify({"tags": [{"id": int(tag_id), "name": name, "count": 0}
                             for tag_id, name in sorted(tags.items(), key=lambda t: int(t[0]))]})


@bp.post("/cgi-bin/tags/create")
def tags_create() -> Response:
    name = str(_body().get("tag", {}).get("name", ""))
    if not 1 <= len(name) <= 30:
        return _error(45158, "tag name too long")
    if name in _redis().hvals(key("emulator", "tags")):
        return _error(45157, "invalid tag name (duplicate)")
    tag_id = FIRST_TAG_ID + int(_redis().incr(key("emulator", "tag_seq"))) - 1
    _redis().hset(key("emulator", "tags"), str(tag_id), name)
    record("tag", {"action": "create", "id": tag_id, "name": name})
    return jsonify({"tag": {"id": tag_id, "name": name}})


@bp.post("/cgi-bin/tags/members/batchtagging")
def tags_tag_users() -> Response:
    return _tag_members(untag=False)


@bp.post("/cgi-bin/tags/members/batchuntagging")
def tags_untag_users() -> Response:
    return _tag_members(untag=True)


def _tag_members(untag: bool) -> Response:
    body = _body()
    tag_id = str(body.get("tagid", ""))
    openids = body.get("openid_list") or []
    if not _redis().hexists(key("emulator", "tags"), tag_id):
        return _error(45059, "tag id not exist")
    if not isinstance(openids, list) or not 1 <= len(openids) <= 50:
        return _error(40032, "invalid openid list size")
    for openid in openids:
        if untag:
            _redis().srem(key("emulator", "user_tags", str(openid)), tag_id)
        else:
            _redis().sadd(key("emulator", "user_tags", str(openid)), tag_id)
        record("tag", {"action": "untag" if untag else "tag", "id": int(tag_id),
                       "touser": str(openid)})
    return _ok()


@bp.post("/cgi-bin/tags/getidlist")
def tags_of_user() -> Response:
    openid = str(_body().get("openid", ""))
    if not openid:
        return _error(40003, "invalid openid")
    return jsonify({"tagid_list": _user_tags(openid)})


def _user_tags(openid: str) -> list[int]:
    return sorted(int(tag) for tag in _redis().smembers(key("emulator", "user_tags", openid)))


# --- QR codes and users ----------------------------------------------------------------------

@bp.post("/cgi-bin/qrcode/create")
def qrcode_create() -> Response:
    body = _body()
    action = body.get("action_name", "")
    scene = body.get("action_info", {}).get("scene", {})
    scene_value = scene.get("scene_str") or scene.get("scene_id")
    if action not in ("QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE"):
        return _error(40053, "invalid action_name")
    if scene_value in (None, ""):
        return _error(40054, "invalid scene")
    if "STR" in action and not 1 <= len(str(scene_value)) <= 64:
        return _error(40054, "invalid scene_str length")
    expire = int(body.get("expire_seconds", 60))
    if "LIMIT" not in action and not 60 <= expire <= MAX_TEMPORARY_QR_SECONDS:
        return _error(40056, "invalid expire_seconds")
    ticket = "TICKET" + secrets.token_hex(16)
    url = f"http://weixin.qq.com/q/{ticket}?scene={scene_value}"
    _redis().set(key("emulator", "qrcode", ticket), url)
    record("qrcode", {"ticket": ticket, "scene": str(scene_value), "action": action})
    result: dict[str, Any] = {"ticket": ticket, "url": url}
    if "LIMIT" not in action:
        result["expire_seconds"] = expire
    return jsonify(result)


@bp.get("/cgi-bin/showqrcode")
def show_qrcode() -> Response:
    url = _redis().get(key("emulator", "qrcode", request.args.get("ticket", "")))
    if not url:
        return _error(40001, "invalid ticket")
    buffer = io.BytesIO()
    qrcode.make(url).save(buffer, format="PNG")
    return Response(buffer.getvalue(), mimetype="image/png")


@bp.get("/cgi-bin/user/info")
def user_info() -> Response:
    openid = request.args.get("openid", "")
    if not openid:
        return _error(40003, "invalid openid")
    return jsonify({"subscribe": 1, "openid": openid, "language": "zh_CN",
                    "subscribe_time": int(time.time()), "remark": "",
                    "tagid_list": _user_tags(openid)})


# Sign-in endpoints (sns/*, OAuth2, JS-SDK ticket) live beside this module, on the same blueprint.
from wechat import emulator_sns  # noqa: E402, F401
