"""Each XML document the webhook receives is parsed once, and gives the fields and the wechatpy
message that xmltodict and wechatpy's ``parse_message`` gave (each of them parsing it again)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import xmltodict
from wechatpy import parse_message
from wechatpy.events import ScanCodeWaitMsgEvent, SubscribeScanEvent

from tests.conftest import WeChat, make_app
from wechat import security
from wechat.inbound import Gate
from wechat.security import RequestRejected
from wechat.simulator import WeChatSimulator

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

# As WeChat sends them (one element a line), from its message and menu event documentation.
TEXT = """<xml>
<ToUserName><![CDATA[gh_xinbao_dev]]></ToUserName>
<FromUserName><![CDATA[o-parse-text]]></FromUserName>
<CreateTime>1348831860</CreateTime>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[  查询 ACME GmbH  ]]></Content>
<MsgId>1234567890123456</MsgId>
</xml>"""

SUBSCRIBE_WITH_SCENE = """<xml>
<ToUserName><![CDATA[gh_xinbao_dev]]></ToUserName>
<FromUserName><![CDATA[o-parse-follow]]></FromUserName>
<CreateTime>123456789</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[subscribe]]></Event>
<EventKey><![CDATA[qrscene_expo2024]]></EventKey>
<Ticket><![CDATA[TICKET]]></Ticket>
</xml>"""

SCANCODE_WAITMSG = """<xml>
<ToUserName><![CDATA[gh_xinbao_dev]]></ToUserName>
<FromUserName><![CDATA[o-parse-scan]]></FromUserName>
<CreateTime>1408090606</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[scancode_waitmsg]]></Event>
<EventKey><![CDATA[6]]></EventKey>
<ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType>
<ScanResult><![CDATA[2]]></ScanResult>
</ScanCodeInfo>
</xml>"""

LOCATION_SELECT = """<xml>
<ToUserName><![CDATA[gh_xinbao_dev]]></ToUserName>
<FromUserName><![CDATA[o-parse-where]]></FromUserName>
<CreateTime>1408091189</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[location_select]]></Event>
<EventKey><![CDATA[6]]></EventKey>
<SendLocationInfo><Location_X><![CDATA[23]]></Location_X>
<Location_Y><![CDATA[113]]></Location_Y>
<Scale><![CDATA[15]]></Scale>
<Label><![CDATA[ 广州市海珠区客村艺苑路 106号]]></Label>
<Poiname><![CDATA[]]></Poiname>
</SendLocationInfo>
</xml>"""

PICTURES = """<xml>
<ToUserName><![CDATA[gh_xinbao_dev]]></ToUserName>
<FromUserName><![CDATA[o-parse-pics]]></FromUserName>
<CreateTime>1408090816</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[pic_photo_or_album]]></Event>
<EventKey><![CDATA[6]]></EventKey>
<SendPicsInfo><Count>2</Count>
<PicList><item><PicMd5Sum><![CDATA[5a75aaca956d97be686719218f275c6b]]></PicMd5Sum></item>
<item><PicMd5Sum><![CDATA[aaae42617cf2a14342d96005af53624c]]></PicMd5Sum></item>
</PicList>
</SendPicsInfo>
</xml>"""

# What no WeChat message looks like, but xmltodict has a shape for: attributes, text beside
# children, repeated and empty elements, entities, comments.
ODD_SHAPES = """<xml a="1"><FromUserName>o-parse-odd</FromUserName><MsgType>text</MsgType>
<Content>  spaced &amp; trimmed  </Content><Empty/><Blank>   </Blank>
<Item>1</Item><Item>2</Item><Item><Sub>3</Sub></Item>
<Mixed k="v">before<Child>c</Child>after<!-- a note --> end</Mixed><Attr only="yes"/>
</xml>"""

SAMPLES = {
    "text": TEXT,
    "subscribe with a scene": SUBSCRIBE_WITH_SCENE,
    "scancode_waitmsg": SCANCODE_WAITMSG,
    "location_select": LOCATION_SELECT,
    "pic_photo_or_album": PICTURES,
    "odd shapes": ODD_SHAPES,
}


@contextmanager
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """The documents parsed meanwhile, in order; xmltodict (and so wechatpy's parse_message,
    which calls it) must not parse anything."""
    parsed: list[bytes] = []
    real_fromstring = security.fromstring

    def counting(text: bytes, **options: bool):
        parsed.append(text)
        return real_fromstring(text, **options)

    def refused(*_args: object, **_kwargs: object):
        raise AssertionError("xmltodict parsed a document again")

    with monkeypatch.context() as patch:
        patch.setattr(security, "fromstring", counting)
        patch.setattr(xmltodict, "parse", refused)
        yield parsed


def open_plain(services, xml: str):
    signed = WeChatSimulator(services.settings.wechat).sign(xml, mode="plain")
    return Gate(services.settings.wechat, services.settings.webhook).open(signed.params,
                                                                         signed.body)


def test_a_plain_message_is_parsed_once_through_the_webhook(wechat, monkeypatch):
    xml = wechat.sim.text("o-parse-plain", "帮助")
    signed = wechat.sim.sign(xml)
    with parses(monkeypatch) as parsed:
        response = wechat.client.post("/wechat", query_string=signed.params, data=signed.body)
    assert response.status_code == 200
    assert parsed == [xml.encode()]
    assert "完善资料" in wechat.sim.open_reply(response.get_data())["Content"]


@pytest.mark.parametrize("mode", ["safe", "compatible"])
def test_an_encrypted_message_parses_the_envelope_once_and_the_message_once(
        base_config, worker, monkeypatch, mode):
    sealed = WeChat(make_app(base_config, wechat={"encrypt_mode": mode,
                                                  "encoding_aes_key": AES_KEY}), worker)
    xml = sealed.sim.text("o-parse-safe", "帮助")
    signed = sealed.sim.sign(xml, mode=mode)
    with parses(monkeypatch) as parsed:
        response = sealed.client.post("/wechat", query_string=signed.params, data=signed.body)
    assert response.status_code == 200
    assert parsed == [signed.body, xml.encode()]
    assert "完善资料" in sealed.sim.open_reply(response.get_data())["Content"]


@pytest.mark.parametrize("xml", SAMPLES.values(), ids=SAMPLES.keys())
def test_fields_and_message_are_what_xmltodict_and_wechatpy_gave(services, xml):
    inbound = open_plain(services, xml)
    assert inbound.fields == xmltodict.parse(xml)["xml"]
    expected = parse_message(xml)
    assert type(inbound.msg) is type(expected)
    assert inbound.msg._data == expected._data


def test_a_scan_to_follow_is_a_subscribe_scan_event_and_its_fields_stay_as_sent(services):
    inbound = open_plain(services, SUBSCRIBE_WITH_SCENE)
    assert isinstance(inbound.msg, SubscribeScanEvent)
    assert (inbound.msg.event, inbound.msg.scene_id) == ("subscribe_scan", "expo2024")
    assert (inbound.fields["Event"], inbound.fields["EventKey"]) == ("subscribe",
                                                                     "qrscene_expo2024")


def test_nested_elements_are_dicts_the_message_reads(services):
    inbound = open_plain(services, SCANCODE_WAITMSG)
    assert inbound.fields["ScanCodeInfo"] == {"ScanType": "qrcode", "ScanResult": "2"}
    assert isinstance(inbound.msg, ScanCodeWaitMsgEvent)
    assert (inbound.msg.scan_type, inbound.msg.scan_result) == ("qrcode", "2")


def test_a_hostile_message_inside_the_encryption_is_refused(base_config):
    app = make_app(base_config, wechat={"encrypt_mode": "safe", "encoding_aes_key": AES_KEY})
    settings = app.extensions["xinbao"].settings
    sim = WeChatSimulator(settings.wechat)
    hostile = ('<!DOCTYPE x [<!ENTITY e "e">]><xml><FromUserName>o-evil</FromUserName>'
               "<MsgType>text</MsgType><Content>&e;</Content></xml>")
    signed = sim.sign(hostile)
    with pytest.raises(RequestRejected) as refused:
        Gate(settings.wechat, settings.webhook).open(signed.params, signed.body)
    assert (refused.value.status, refused.value.reason) == (400, "forbidden XML construct")
