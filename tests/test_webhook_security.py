"""What the webhook refuses, and how fast: forged, stale, oversize, hostile, wrong mode."""

from __future__ import annotations

import time

import pytest

from tests.conftest import make_app
from wechat.security import sign
from wechat.simulator import WeChatSimulator

OLD_KEY = "B" * 43
NEW_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def post(app, signed):
    return app.test_client().post("/wechat", query_string=signed.params, data=signed.body)


def test_url_verification_echoes_only_for_a_good_signature(client, services):
    token = services.settings.wechat.token
    params = {"timestamp": "1700000000", "nonce": "n1", "echostr": "hello-echo"}
    good = client.get("/wechat", query_string={**params, "signature": sign(token, "1700000000",
                                                                           "n1")})
    assert good.status_code == 200 and good.get_data(as_text=True) == "hello-echo"
    forged = client.get("/wechat", query_string={**params, "signature": "0" * 40})
    assert forged.status_code == 403 and "hello-echo" not in forged.get_data(as_text=True)


def test_forged_signature_is_refused_and_nothing_is_stored(wechat, db):
    from core.models import InboundMessage

    response = wechat.post(wechat.sim.text("o-forger", "hi"), token="not-the-token")
    assert response.status_code == 403
    assert db.query(InboundMessage).count() == 0


def test_stale_timestamp_is_refused(wechat):
    stale = int(time.time()) - 3600
    response = wechat.post(wechat.sim.text("o-stale", "hi"), timestamp=stale)
    assert response.status_code == 403


def test_oversize_body_is_refused_before_parsing(wechat, services):
    limit = services.settings.webhook.max_body_bytes
    response = wechat.post(wechat.sim.text("o-big", "长" * limit))
    assert response.status_code == 413


HOSTILE = {
    "billion laughs": (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        "<xml><ToUserName>a</ToUserName><FromUserName>o-evil</FromUserName>"
        "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol2;</Content>"
        "<MsgId>1</MsgId></xml>"
    ),
    "external entity": (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>'
        "<xml><FromUserName>o-evil</FromUserName><MsgType>text</MsgType>"
        "<Content>&ext;</Content></xml>"
    ),
    "doctype only": '<!DOCTYPE xml><xml><MsgType>text</MsgType></xml>',
    "malformed": "<xml><MsgType>text</MsgType>",
    "not xml": "hello there",
    "empty": "",
    "no message type": "<xml><FromUserName>o-x</FromUserName></xml>",
    "no sender": "<xml><MsgType>text</MsgType><Content>x</Content></xml>",
    "nested garbage": "<xml><MsgType><a>b</a></MsgType><FromUserName>o</FromUserName></xml>",
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_or_malformed_xml_is_refused_at_once(wechat, body):
    started = time.perf_counter()
    response = wechat.post(body)
    assert response.status_code == 400
    assert time.perf_counter() - started < 1.0  # refused, not expanded


def test_safe_mode_refuses_plaintext_and_answers_encrypted(base_config):
    app = make_app(base_config, wechat={"encrypt_mode": "safe", "encoding_aes_key": NEW_KEY})
    sim = WeChatSimulator(app.extensions["xinbao"].settings.wechat)
    plain = post(app, sim.sign(sim.text("o-safe", "帮助"), mode="plain"))
    assert plain.status_code == 400
    encrypted = post(app, sim.sign(sim.text("o-safe", "帮助")))
    assert encrypted.status_code == 200
    assert b"<Encrypt>" in encrypted.get_data()
    assert "完善资料" in sim.open_reply(encrypted.get_data())["Content"]


def test_safe_mode_refuses_a_bad_msg_signature(base_config):
    app = make_app(base_config, wechat={"encrypt_mode": "safe", "encoding_aes_key": NEW_KEY})
    sim = WeChatSimulator(app.extensions["xinbao"].settings.wechat)
    signed = sim.sign(sim.text("o-safe", "帮助"))
    signed.params["msg_signature"] = "f" * 40
    assert post(app, signed).status_code == 403


def test_compatible_mode_takes_both_and_answers_in_kind(base_config):
    app = make_app(base_config,
                   wechat={"encrypt_mode": "compatible", "encoding_aes_key": NEW_KEY})
    sim = WeChatSimulator(app.extensions["xinbao"].settings.wechat)
    plain = post(app, sim.sign(sim.text("o-compat", "帮助"), mode="plain"))
    assert plain.status_code == 200 and b"<Encrypt>" not in plain.get_data()
    assert "完善资料" in sim.open_reply(plain.get_data())["Content"]
    sealed = post(app, sim.sign(sim.text("o-compat", "帮助"), mode="compatible"))
    assert sealed.status_code == 200 and b"<Encrypt>" in sealed.get_data()
    assert "完善资料" in sim.open_reply(sealed.get_data())["Content"]


def test_plain_mode_refuses_encrypted_messages(base_config):
    app = make_app(base_config, wechat={"encoding_aes_key": NEW_KEY})
    sim = WeChatSimulator(app.extensions["xinbao"].settings.wechat)
    assert post(app, sim.sign(sim.text("o-plain", "帮助"), mode="safe")).status_code == 400


def test_previous_key_is_accepted_during_a_rotation_and_unknown_keys_are_not(base_config):
    rotated = make_app(base_config, wechat={"encrypt_mode": "safe", "encoding_aes_key": NEW_KEY,
                                            "previous_encoding_aes_key": OLD_KEY})
    settings = rotated.extensions["xinbao"].settings.wechat
    old_sender = WeChatSimulator(
        type(settings)(**{**settings.__dict__, "encoding_aes_key": OLD_KEY}))
    response = post(rotated, old_sender.sign(old_sender.text("o-rotate", "帮助")))
    assert response.status_code == 200
    # The reply is sealed with the new key: the account has already switched.
    new_receiver = WeChatSimulator(settings)
    assert "完善资料" in new_receiver.open_reply(response.get_data())["Content"]

    not_rotated = make_app(base_config, wechat={"encrypt_mode": "safe",
                                                "encoding_aes_key": NEW_KEY})
    refused = post(not_rotated, old_sender.sign(old_sender.text("o-rotate", "帮助")))
    assert refused.status_code == 400
