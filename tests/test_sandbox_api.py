"""The sandbox endpoints: a page's actions become signed (or encrypted) XML at the real webhook."""

from __future__ import annotations

import io
import threading

import pytest
import requests
from PIL import Image
from sqlalchemy import select
from werkzeug.serving import make_server

from core.migrate import upgrade
from core.models import InboundMessage
from core.services import EXTENSION_KEY
from followers.models import Follower
from tests.conftest import free_port, make_app

from helpers import drain_inbound_log


def send(base: str, openid: str, action: str, **fields) -> requests.Response:
    return requests.post(f"{base}/sandbox/api/send", json={"openid": openid, "action": action,
                                                          **fields}, timeout=15)


def test_the_page_carries_the_menus_and_the_font(client):
    page = client.get("/sandbox/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "信保小微助手" in html and "资信红绿灯" in html and "个性化菜单 · 已绑定企业" in html
    assert "@font-face" in html
    font = client.get("/sandbox/font/wqy-microhei.ttf")
    assert font.status_code == 200 and font.mimetype == "font/ttf"
    assert font.data[:4] == b"\x00\x01\x00\x00"  # one TrueType face, not the .ttc collection


def test_follow_through_a_scene_then_scan_then_talk(app, live_server, db):
    first = send(live_server, "o-sb", "scan", scene="fair_canton")
    assert first.status_code == 200, first.text
    assert first.json()["subscribed"] is True
    assert "欢迎关注" in first.json()["reply"]["content"]
    follower = db.scalar(select(Follower).where(Follower.openid == "o-sb"))
    assert follower.first_scene == "fair_canton"
    again = send(live_server, "o-sb", "scan", scene="bank_icbc")  # already following: SCAN
    assert "扫码信息已记录" in again.json()["reply"]["content"]
    reply = send(live_server, "o-sb", "text", content="网点 贵州").json()["reply"]
    assert reply == {"type": "text", "content": reply["content"]}
    assert "湖南分公司" in reply["content"]
    clicked = send(live_server, "o-sb", "click", key="LOANS").json()["reply"]
    assert "信保贷" in clicked["content"]
    drain_inbound_log(app)
    stored = db.scalars(select(InboundMessage.event).where(InboundMessage.openid == "o-sb")
                        .order_by(InboundMessage.id))
    assert list(stored) == ["subscribe_scan", "scan", None, "click"]


def test_location_view_unsubscribe(live_server):
    located = send(live_server, "o-sb2", "location", latitude=29.87, longitude=121.54,
                   label="浙江省宁波市")
    assert located.status_code == 200 and located.json()["reply"]["type"] == "text"
    viewed = send(live_server, "o-sb2", "view", url="https://sol.sinosure.com.cn")
    assert viewed.json()["reply"] == {"type": "none"}
    gone = send(live_server, "o-sb2", "unsubscribe")
    assert gone.json() == {"reply": {"type": "none"}, "subscribed": False}


@pytest.mark.parametrize(("body", "code"), [
    ({"openid": "o", "action": "dance"}, "invalid_input"),
    ({"openid": "o", "action": "text", "content": ""}, "invalid_input"),
    ({"openid": "o", "action": "text", "content": "字" * 601}, "invalid_input"),
    ({"openid": "o", "action": "location", "latitude": "north", "longitude": 1}, "invalid_input"),
    ({"openid": "", "action": "text", "content": "hi"}, "invalid_openid"),
    ({"openid": "o", "action": "scan", "scene": "x" * 65}, "invalid_input"),
])
def test_bad_input_is_a_json_error(live_server, body, code):
    response = requests.post(f"{live_server}/sandbox/api/send", json=body, timeout=5)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_not_json_is_a_json_error(live_server):
    response = requests.post(f"{live_server}/sandbox/api/send", data="<xml/>", timeout=5)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"


def test_a_photo_goes_through_the_emulators_media(live_server, emulator):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, format="PNG")
    response = requests.post(f"{live_server}/sandbox/api/photo", data={"openid": "o-photo"},
                             files={"photo": ("invoice.png", buffer.getvalue(), "image/png")},
                             timeout=15)
    assert response.status_code == 200, response.text
    media_id = response.json()["media_id"]
    assert response.json()["reply"]["type"] == "text"
    shown = requests.get(f"{live_server}/sandbox/media/{media_id}", timeout=5)
    assert shown.status_code == 200 and Image.open(io.BytesIO(shown.content)).size == (40, 30)
    missing = requests.get(f"{live_server}/sandbox/media/NOPE", timeout=5)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "media_not_found"
    refused = requests.post(f"{live_server}/sandbox/api/photo", data={"openid": "o"}, timeout=5)
    assert refused.status_code == 400


def test_safe_mode_posts_encrypted_xml(base_config):
    """A safe-mode webhook refuses plaintext, so an answer proves the sandbox encrypted."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    safe = make_app(base_config, server={"public_url": url}, wechat={"encrypt_mode": "safe"})
    upgrade(safe.extensions[EXTENSION_KEY].db.engine)
    server = make_server("127.0.0.1", port, safe, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        reply = send(url, "o-safe", "text", content="贷款").json()["reply"]
        assert "信保贷" in reply["content"]
    finally:
        server.shutdown()
        safe.extensions[EXTENSION_KEY].db.engine.dispose()


def test_no_sandbox_in_production(base_config):
    production = make_app(base_config, env="production",
                          secret_key="q7Vd2xLp9Kc4RtZw8Hn3Ys6Bf1Mg5Ja0Ue-Xo_Ti",
                          wechat={"token": "t", "app_id": "wx1", "app_secret": "secret"},
                          server={"single_process": True},
                          identity={"miniprogram_app_id": "wxmini", "miniprogram_app_secret": "m"},
                          policies={"sms": {"provider": "http", "url": "https://sms.internal/send",
                                            "token": "t"}})
    client = production.test_client()
    assert client.get("/sandbox/").status_code == 404
    assert client.post("/sandbox/api/send", json={}).status_code == 404
    production.extensions[EXTENSION_KEY].db.engine.dispose()


def test_no_sandbox_when_turned_off(base_config):
    off = make_app(base_config, sandbox={"enabled": False})
    assert off.test_client().get("/sandbox/").status_code == 404
    off.extensions[EXTENSION_KEY].db.engine.dispose()


def test_records_wait_for_the_next_one_when_asked_to(live_server, services, monkeypatch):
    """A long poll (?wait=) answers with what arrives while it waits; numbers stay the same
    when the oldest records are dropped, so a reader's ``since`` keeps its place."""
    from core import devrecords

    monkeypatch.setattr(devrecords, "RECORD_LIMIT", 3)
    for number in range(4):
        services.wechat.send_text("o-wait", f"第 {number} 条")
    url = f"{live_server}/emulator/_records"
    kept = requests.get(url, params={"touser": "o-wait"}, timeout=5).json()
    assert [r["text"]["content"] for r in kept] == ["第 1 条", "第 2 条", "第 3 条"]
    since = kept[-1]["index"] + 1
    assert requests.get(url, params={"touser": "o-wait", "since": since, "wait": 0.2},
                        timeout=5).json() == []

    answered: list[list[dict]] = []
    waiting = threading.Thread(target=lambda: answered.append(requests.get(
        url, params={"touser": "o-wait", "since": since, "wait": 20}, timeout=30).json()))
    waiting.start()
    services.wechat.send_text("o-other", "别人的消息")  # wakes the poll, which waits on
    services.wechat.send_text("o-wait", "第 4 条")
    waiting.join(timeout=30)
    assert [[r["text"]["content"] for r in records] for records in answered] == [["第 4 条"]]
    assert answered[0][0]["index"] == since + 1  # 别人的消息 took a number too
