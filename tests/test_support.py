"""Tickets for a person: opened by a use case, answered by staff through the API (the answer
reaches the follower through the emulator), read by the follower who owns it and nobody else."""

from __future__ import annotations

import requests

from core.uow import Actor, UnitOfWork
from support.usecases import Kind, open_ticket

from helpers import follower_token, make_staff, staff_token


def open_one(services, openid: str, *messages: str) -> int:
    uow = UnitOfWork(session=services.db.session, now=services.clock(),
                     actor=Actor(label=f"wechat:{openid}"), settings=services.settings,
                     redis=services.redis.text)
    ticket = open_ticket(uow, openid, Kind.HANDOFF, messages[0], list(messages))
    services.db.session.commit()
    return ticket.id


def call(live_server, method: str, path: str, token: str, **kwargs):
    return requests.request(method, live_server + path, timeout=10,
                            headers={"Authorization": f"Bearer {token}"}, **kwargs)


def test_staff_answer_reaches_the_follower_and_the_queue_shows_it(services, live_server,
                                                                   wechat, emulator):
    wechat.say("o-ticket", "我的查询")  # the follower wrote: a customer-service message may follow
    ticket_id = open_one(services, "o-ticket", "想问一下信保易的费率", "出口额大概 200 万美元")
    operator = staff_token(services, make_staff(services, "t.operator", ["operator"]))

    queue = call(live_server, "GET", "/api/v1/tickets?status=open", operator).json()
    assert [item["id"] for item in queue["items"]] == [ticket_id]
    answered = call(live_server, "POST", f"/api/v1/tickets/{ticket_id}/replies", operator,
                    json={"body": "您好，费率按买方国家和账期确定，稍后经理联系您。"})
    assert answered.status_code == 201
    assert [m["author"] for m in answered.json()["messages"]] == ["follower", "follower", "staff"]
    wechat.wait_for_jobs()
    sent = [m["text"]["content"] for m in emulator.sent_to("o-ticket") if m["msgtype"] == "text"]
    assert sent == ["您好，费率按买方国家和账期确定，稍后经理联系您。"]

    closed = call(live_server, "POST", f"/api/v1/tickets/{ticket_id}/close", operator)
    assert closed.json()["status"] == "closed"
    again = call(live_server, "POST", f"/api/v1/tickets/{ticket_id}/replies", operator,
                 json={"body": "补充一句"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "ticket_closed"


def test_a_follower_reads_only_its_own_tickets(services, live_server):
    mine = open_one(services, "o-ticket-owner", "我的问题")
    theirs = open_one(services, "o-ticket-other", "别人的问题")
    token, _ = follower_token(services, "o-ticket-owner")
    listing = call(live_server, "GET", "/api/v1/tickets", token).json()
    assert [item["id"] for item in listing["items"]] == [mine]
    assert call(live_server, "GET", f"/api/v1/tickets/{theirs}", token).status_code == 404
    assert call(live_server, "POST", f"/api/v1/tickets/{mine}/replies", token,
                json={"body": "x"}).status_code == 403
