"""智能问答 through the real webhook: questions answered from the knowledge base (with typos,
traditional characters, English), a numbered clarifying question and its answer, a gap kept
(openid hashed) and listed, services' words and arguments still first, and a full hand-off to a
person: opened with the conversation so far, a staff reply delivered through the API emulator,
the follower's messages routed to the ticket, closed by the follower."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from core.logs import hash_openid
from kb.models import Gap
from support.models import Ticket, TicketMessage

from helpers import make_staff, staff_token


@pytest.mark.parametrize(("typed", "expected"), [
    ("理赔要多久", "30个工作日内"),                 # a sentence
    ("理陪要多久", "30个工作日内"),                 # a typo (同音字)
    ("信用證能投保嗎", "不可撤销信用证"),           # traditional characters
    ("how long does a claim take", "30个工作日内"),  # English
    ("SOL信保通有什么功能", "长期闲置限额预撤销提醒"),  # mixed
    ("红灯是什么意思", "审慎地开展交易"),
    ("账期多长", "1年以内"),                        # not the due-date calculator's "账期 …"
    ("中国信保是什么", "2001年12月18日"),
    ("开正行倒闭了赔不赔", "开证行"),               # a homophone typo no list names
    ("lipei yao duo jiu", "30个工作日内"),          # pinyin typed without a Chinese keyboard
    ("xinbaodai advantages", "纯信用、秒审批"),
])
def test_questions_are_answered_with_their_source(wechat, typed, expected):
    reply = wechat.say("o-kb-answer", typed)
    assert expected in reply, reply
    assert "来源：《中小微企业服务指南》" in reply
    assert "暂时没能理解" not in reply


def test_a_recognised_voice_message_is_answered_too(wechat):
    xml = wechat.sim.xml("o-kb-voice", "voice", MediaId="v1", Format="amr",
                         Recognition="理赔要多久。")
    assert "30个工作日内" in wechat.send(xml)["Content"]


def test_an_answer_about_a_service_ends_with_the_way_in(wechat):
    reply = wechat.say("o-kb-way", "理赔要多久")
    assert reply.splitlines()[-1] == "👉 办理可损通知与理赔：发送「理赔」"
    assert "信保贷" in wechat.say("o-kb-way", "信保贷有什么优势").splitlines()[-1]


def test_services_words_and_arguments_still_come_first(wechat):
    assert "温州" in wechat.say("o-kb-first", "我在温州找哪个网点")
    assert "西藏由中国信保四川分公司负责" in wechat.say("o-kb-first", "西藏的业务归哪个分公司管")
    # a service's word in traditional characters is that word, not a sentence to rank
    started = wechat.say("o-kb-first-trad", "可以投保嗎")
    assert "信保易适用企业测试" in started
    assert started == wechat.say("o-kb-first-simplified", "可以投保吗")
    assert "【可损通知与索赔】" in wechat.say("o-kb-first", "理赔")


def test_a_clarifying_question_and_its_answer(wechat):
    asked = wechat.say("o-kb-clarify", "疫情")
    assert asked.startswith("您想问的是哪一个？回复数字：")
    assert "1. 疫情期间的支持措施" in asked and "2. 疫情期间服务专区" in asked
    assert "0. 都不是" in asked
    answered = wechat.say("o-kb-clarify", "2")
    assert "“疫情期间服务专区”是小微学院的一个栏目" in answered
    # The number was for that question only: "2" again is a new (unanswerable) message.
    assert "答不上来" in wechat.say("o-kb-clarify", "2")


def test_a_question_without_answer_is_kept_as_a_gap_and_offers_the_nearest(wechat, db, cli):
    reply = wechat.say("o-kb-gap", "保费怎么算")
    assert "「保费怎么算」我还答不上来" in reply and "人工客服" in reply
    assert "1. " in reply and "3. " in reply and "服务时间" in reply
    gap = db.scalar(select(Gap).where(Gap.text == "保费怎么算"))
    assert gap is not None and gap.reason == "none"
    assert gap.openid_hash == hash_openid("o-kb-gap") and "o-kb-gap" not in gap.openid_hash
    first_topic = reply.split("1. ", 1)[1].splitlines()[0]
    assert "来源：" in wechat.say("o-kb-gap", "1")  # the nearest topic, by its number
    result = cli("kb", "gaps")
    assert result.exit_code == 0 and "保费怎么算" in result.output, result.output
    assert first_topic


def _ticket(db, openid: str) -> Ticket:
    db.expire_all()
    return db.scalar(select(Ticket).where(Ticket.openid == openid, Ticket.kind == "handoff"))


def _bodies(db, ticket: Ticket) -> list[tuple[str, str]]:
    db.expire_all()
    return [(m.author, m.body) for m in db.scalars(
        select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
        .order_by(TicketMessage.id))]


def test_a_full_hand_off(wechat, db, services, live_server, emulator):
    openid = "o-kb-person"
    wechat.say(openid, "理赔要多久")
    opened = wechat.say(openid, "人工客服")
    assert "已为您转人工客服" in opened and "工作日 9:00–17:30" in opened
    ticket = _ticket(db, openid)
    assert ticket.status == "open" and ticket.subject == "理赔要多久"
    assert _bodies(db, ticket) == [("follower", "理赔要多久"), ("follower", "人工客服")]

    # While it is open, what the follower sends goes to the ticket, services' words too.
    routed = wechat.say(openid, "买家在德国，拖了三个月了")
    assert f"已转给工作人员（咨询编号 {ticket.id}）" in routed
    wechat.say(openid, "理赔")
    assert _bodies(db, ticket)[-2:] == [("follower", "买家在德国，拖了三个月了"),
                                        ("follower", "理赔")]
    assert "正在进行" in wechat.say(openid, "转人工")  # asking again opens no second ticket

    # Staff answer through the API: the follower gets it as a customer-service message.
    operator = staff_token(services, make_staff(services, "kb.operator", ["operator"]))
    answer = requests.post(f"{live_server}/api/v1/tickets/{ticket.id}/replies", timeout=10,
                           headers={"Authorization": f"Bearer {operator}"},
                           json={"body": "您好，请先在信保通提交可损通知，我们协助您索赔。"})
    assert answer.status_code == 201
    wechat.wait_for_jobs()
    sent = [m for m in emulator.sent_to(openid) if m["kind"] == "custom"]
    assert [m["text"]["content"] for m in sent] == [
        "您好，请先在信保通提交可损通知，我们协助您索赔。"]

    closed = wechat.say(openid, "结束人工")
    assert f"人工客服已结束（咨询编号 {ticket.id}）" in closed
    assert _ticket(db, openid).status == "closed" and _ticket(db, openid).closed_by == "follower"
    assert "30个工作日内" in wechat.say(openid, "理赔要多久")  # the bot answers again


def test_a_staff_reply_after_48_hours_is_a_template_message(wechat, db, services, live_server,
                                                            emulator, redis):
    openid = "o-kb-late"
    wechat.say(openid, "转人工")
    ticket = _ticket(db, openid)
    redis.delete(f"xinbao:cs_quota:{openid}")  # the 48 hours have passed
    operator = staff_token(services, make_staff(services, "kb.late", ["operator"]))
    requests.post(f"{live_server}/api/v1/tickets/{ticket.id}/replies", timeout=10,
                  headers={"Authorization": f"Bearer {operator}"}, json={"body": "您好"})
    wechat.wait_for_jobs()
    kinds = [m["kind"] for m in emulator.sent_to(openid)]
    assert "template" in kinds and "custom" not in kinds


def test_a_ticket_staff_closed_releases_the_follower(wechat, db, services, live_server):
    openid = "o-kb-staff-close"
    wechat.say(openid, "人工客服")
    ticket = _ticket(db, openid)
    operator = staff_token(services, make_staff(services, "kb.closer", ["operator"]))
    requests.post(f"{live_server}/api/v1/tickets/{ticket.id}/close", timeout=10,
                  headers={"Authorization": f"Bearer {operator}"})
    assert "30个工作日内" in wechat.say(openid, "理赔要多久")
    assert "没有进行中的人工客服" in wechat.say(openid, "结束人工")


def test_not_these_twice_opens_a_hand_off_and_records_the_gap(wechat, db):
    openid = "o-kb-notthese"
    assert "回复数字" in wechat.say(openid, "信保通")
    assert "换个说法" in wechat.say(openid, "都不是")
    opened = wechat.say(openid, "都不是")
    assert "已为您转人工客服" in opened
    ticket = _ticket(db, openid)
    assert ticket.subject == "信保通"
    gap = db.scalar(select(Gap).where(Gap.openid_hash == hash_openid(openid)))
    assert gap.reason == "rejected" and gap.text == "信保通"


def test_a_photo_during_a_hand_off_goes_to_the_ticket(wechat, db):
    openid = "o-kb-photo"
    wechat.say(openid, "人工客服")
    reply = wechat.send(wechat.sim.image(openid, media_id="MEDIA-INVOICE"))
    assert "已转给工作人员" in reply["Content"]
    ticket = _ticket(db, openid)
    db.expire_all()
    last = db.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                      .order_by(TicketMessage.id.desc())).first()
    assert (last.body, last.media_id) == ("[图片]", "MEDIA-INVOICE")


def test_a_retried_hand_off_opens_one_ticket(wechat, db):
    xml = wechat.sim.text("o-kb-retry", "人工客服", msg_id=55501)
    first = wechat.send(xml)
    again = wechat.send(xml)
    assert "已为您转人工客服" in first["Content"] and (again == {} or again == first)
    db.expire_all()
    assert len(db.scalars(select(Ticket).where(Ticket.openid == "o-kb-retry")).all()) == 1
