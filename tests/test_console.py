"""The operator console over HTTP with a signed-in staff session: the inbox (list, detail,
reply that reaches the follower, close), a list's search / filter / sort / pages and its Excel
export, a large export as a background job, the statistics against figures counted here from
the database, buyer uploads with their progress and rejects, and who may open what."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from console.models import ConsoleJob
from core.uow import Actor, UnitOfWork
from followers.models import FollowEvent
from followers.subscriptions import get_or_create_follower
from identity.models import AuditEntry
from lights.models import Buyer
from support.models import Ticket
from support.usecases import Kind, open_ticket
from tests.test_identity_staff import csrf_of, sign_in
from web.console import lists

from helpers import make_staff, staff_token

BEIJING = ZoneInfo("Asia/Shanghai")


def open_one(services, openid: str, subject: str, kind: Kind = Kind.HANDOFF) -> int:
    uow = UnitOfWork(session=services.db.session, now=services.clock(),
                     actor=Actor(label=f"wechat:{openid}"), settings=services.settings,
                     redis=services.redis.text)
    ticket = open_ticket(uow, openid, kind, subject)
    services.db.session.commit()
    return ticket.id


def test_the_inbox_lists_shows_answers_and_closes_a_ticket(services, live_server, wechat,
                                                           emulator, db):
    wechat.say("o-inbox", "我的查询")  # the follower wrote: the 48-hour window is open
    ticket_id = open_one(services, "o-inbox", "信保易的费率怎么算")
    open_one(services, "o-inbox-2", "国别报告在哪里", Kind.EXPERT)
    make_staff(services, "inbox.op", ["operator"])
    browser, home = sign_in(live_server, "inbox.op")
    assert "咨询收件箱" in home.text  # the console link from support's manifest

    listing = browser.get(f"{live_server}/staff/inbox/", params={"kind": "handoff"}, timeout=5)
    assert listing.status_code == 200
    assert "信保易的费率怎么算" in listing.text and "国别报告在哪里" not in listing.text
    searched = browser.get(f"{live_server}/staff/inbox/", params={"q": "国别"}, timeout=5).text
    assert "国别报告在哪里" in searched and "信保易的费率怎么算" not in searched

    detail = browser.get(f"{live_server}/staff/inbox/{ticket_id}", timeout=5)
    assert "信保易的费率怎么算" in detail.text and "以客服消息送达" in detail.text
    token = csrf_of(detail.text)
    empty = browser.post(f"{live_server}/staff/inbox/{ticket_id}/reply", timeout=5,
                         data={"csrf_token": token, "body": "   "})
    assert empty.status_code == 400 and "回复内容不能为空" in empty.text
    answered = browser.post(f"{live_server}/staff/inbox/{ticket_id}/reply", timeout=5,
                            data={"csrf_token": token, "body": "费率按买方国家和账期确定。"})
    assert answered.status_code == 200 and "回复已保存" in answered.text
    assert "费率按买方国家和账期确定。" in answered.text and "已回复" in answered.text
    again = browser.post(f"{live_server}/staff/inbox/{ticket_id}/reply", timeout=5,
                         data={"csrf_token": token, "body": "费率按买方国家和账期确定。"})
    assert again.status_code == 200  # a resubmitted form: stored and sent once
    wechat.wait_for_jobs()
    sent = [m["text"]["content"] for m in emulator.sent_to("o-inbox") if m["msgtype"] == "text"]
    assert sent.count("费率按买方国家和账期确定。") == 1
    assert again.text.count("费率按买方国家和账期确定。") == 1

    closed = browser.post(f"{live_server}/staff/inbox/{ticket_id}/close", timeout=5,
                          data={"csrf_token": token})
    assert closed.status_code == 200 and "已结束" in closed.text and "发送回复" not in closed.text
    db.expire_all()
    assert db.get(Ticket, ticket_id).status == "closed"
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.actor == "staff:inbox.op"))
    assert {"support.reply", "support.close"} <= set(actions)


def test_a_follower_outside_the_window_is_told_by_template(services, live_server):
    ticket_id = open_one(services, "o-inbox-quiet", "很久以前的问题")
    make_staff(services, "inbox.quiet", ["operator"])
    browser, _ = sign_in(live_server, "inbox.quiet")
    detail = browser.get(f"{live_server}/staff/inbox/{ticket_id}", timeout=5).text
    assert "以模板消息通知粉丝" in detail


def test_a_list_searches_filters_sorts_pages_and_exports_the_same_rows(services, live_server,
                                                                       db):
    ids = [open_one(services, f"o-many-{n}", f"问题 {n:02d}",
                    Kind.EXPERT if n % 3 == 0 else Kind.HANDOFF) for n in range(60)]
    make_staff(services, "list.op", ["operator"])
    browser, _ = sign_in(live_server, "list.op")
    url = f"{live_server}/staff/inbox/"

    first = browser.get(url, params={"kind": "handoff", "sort": "-id"}, timeout=5).text
    assert "共 40 条" in first and "第 1 / 1 页" in first
    shown = [int(n) for n in re.findall(r'/staff/inbox/(\d+)"', first)]
    assert shown == sorted((i for n, i in enumerate(ids) if n % 3), reverse=True)
    everything = browser.get(url, params={"sort": "id"}, timeout=5).text
    assert "共 60 条" in everything and "第 1 / 2 页" in everything and "下一页" in everything
    second = browser.get(url, params={"sort": "id", "page": 2}, timeout=5).text
    assert [int(n) for n in re.findall(r'/staff/inbox/(\d+)"', second)] == ids[50:]
    # Nonsense in the arguments is ignored, never a 500.
    odd = browser.get(url, params={"sort": "password", "page": "x", "kind": "boss",
                                   "from": "yesterday"}, timeout=5)
    assert odd.status_code == 200 and "共 60 条" in odd.text

    export = browser.get(f"{url}export.xlsx", params={"kind": "handoff", "sort": "-id"},
                         timeout=10)
    assert export.status_code == 200
    assert export.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(export.content))
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header == ["编号", "类型", "状态", "主题", "粉丝 OpenID", "提出时间", "最近消息"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == shown  # the same rows, in the page's order
    assert all(isinstance(row[0], int) and isinstance(row[5], datetime) for row in rows)
    assert {row[1] for row in rows} == {"转人工"} and {row[2] for row in rows} == {"待回复"}
    ticket = db.get(Ticket, shown[0])
    created = ticket.created_at.replace(tzinfo=ticket.created_at.tzinfo or UTC)
    beijing = created.astimezone(BEIJING).replace(tzinfo=None)  # Excel has no time zones
    assert abs((rows[0][5] - beijing).total_seconds()) < 0.01
    assert sheet.cell(2, 6).number_format == "yyyy-mm-dd hh:mm"
    described = dict(book["筛选条件"].iter_rows(min_row=2, values_only=True))
    assert described["类型"] == "转人工" and described["行数"] == "40"
    assert described["排序"] == "编号（降序）"
    exported = db.scalar(select(AuditEntry).where(AuditEntry.action == "console.export"))
    assert exported.actor == "staff:list.op" and exported.target_id == "inbox"


def test_a_large_export_runs_in_the_background_with_a_download_link(services, live_server,
                                                                     wechat, monkeypatch):
    for n in range(12):
        open_one(services, f"o-big-{n}", f"大量导出 {n}")
    monkeypatch.setattr(lists, "SYNC_EXPORT_ROWS", 5)
    make_staff(services, "big.op", ["operator"])
    browser, _ = sign_in(live_server, "big.op")
    started = browser.get(f"{live_server}/staff/inbox/export.xlsx", params={"q": "大量"},
                          timeout=10)
    assert re.search(r"/staff/jobs/\d+$", started.url), started.url
    wechat.wait_for_jobs()
    page = browser.get(started.url, timeout=5).text
    assert "已完成" in page and "下载 inbox.xlsx" in page
    download = browser.get(f"{started.url}/download", timeout=10)
    sheet = load_workbook(io.BytesIO(download.content)).worksheets[0]
    assert sheet.max_row == 13 and sheet.freeze_panes == "A2"
    # Another member does not reach it.
    make_staff(services, "big.other", ["operator"])
    other, _ = sign_in(live_server, "big.other")
    assert other.get(f"{started.url}/download", timeout=5).status_code == 404


def _follow(db, openid: str, scene: str | None, kind: str, at: datetime) -> None:
    follower = get_or_create_follower(db, openid, None, at)
    db.flush()
    db.add(FollowEvent(follower_id=follower.id, kind=kind, scene=scene, created_at=at))


def test_statistics_show_the_figures_counted_from_the_database(services, live_server, wechat,
                                                              db):
    now = services.clock()
    for n in range(5):
        _follow(db, f"o-stat-{n}", "expo", "subscribe", now - timedelta(days=2, hours=n))
    for n in range(3):
        _follow(db, f"o-stat-web-{n}", "web", "subscribe", now - timedelta(days=1))
    _follow(db, "o-stat-0", "expo", "unsubscribe", now - timedelta(hours=1))
    _follow(db, "o-stat-old", "expo", "subscribe", now - timedelta(days=90))  # outside
    db.commit()
    wechat.send(wechat.sim.subscribe("o-stat-live", scene="expo"))  # through the webhook

    # Counted here, independently: Beijing days of the events in the range, per scene.
    today = now.astimezone(BEIJING).date()
    start = today - timedelta(days=6)
    expected: Counter = Counter()
    for kind, scene, at in db.execute(select(FollowEvent.kind, FollowEvent.scene,
                                             FollowEvent.created_at)):
        day = at.replace(tzinfo=at.tzinfo or UTC).astimezone(BEIJING).date()
        if start <= day <= today and scene == "expo" and kind in ("subscribe", "unsubscribe"):
            expected[(day.isoformat(), kind)] += 1
    assert sum(expected.values()) == 7  # 5 + the webhook's one + one unsubscribe

    operator = staff_token(services, make_staff(services, "stats.op", ["operator"]))
    auth = {"Authorization": f"Bearer {operator}"}
    answer = requests.get(f"{live_server}/api/v1/stats/followers.daily", headers=auth,
                          params={"from": start.isoformat(), "scene": "expo"}, timeout=10)
    assert answer.status_code == 200, answer.text
    rows = answer.json()["rows"]
    assert len(rows) == 7
    for row in rows:
        assert row["subscribe"] == expected[(row["day"], "subscribe")]
        assert row["unsubscribe"] == expected[(row["day"], "unsubscribe")]
        assert row["net"] == row["subscribe"] - row["unsubscribe"]
    everything = requests.get(f"{live_server}/api/v1/stats", headers=auth, timeout=10).json()
    keys = {item["key"] for item in everything["items"]}
    assert {"followers.daily", "followers.scenes", "messages.daily", "lookups.daily",
            "lookups.countries", "queues.tickets", "queues.renewals", "renewals.due",
            "claims.status", "claims.deadlines", "loans.funnel", "kb.gap_rate"} <= keys
    scenes = next(i for i in everything["items"] if i["key"] == "followers.scenes")["rows"]
    web = next(row for row in scenes if row["scene"] == "web")
    assert (web["subscribe"], web["unsubscribe"]) == (3, 0)
    bad = requests.get(f"{live_server}/api/v1/stats", headers=auth,
                       params={"from": "2026-12-01", "to": "2026-01-01"}, timeout=10)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_range"
    assert requests.get(f"{live_server}/api/v1/stats/nothing", headers=auth,
                        timeout=10).status_code == 404

    # The page draws the same figures (charts and tables) and exports them.
    browser, _ = sign_in(live_server, "stats.op")
    page = browser.get(f"{live_server}/staff/stats",
                       params={"from": start.isoformat(), "scene": "expo"}, timeout=10)
    assert page.status_code == 200 and page.text.count("<svg viewBox") >= 3
    section = page.text.split('data-figure="followers.daily"')[1].split("</section>")[0]
    cells = re.findall(r"<tr><td>(\d{4}-\d{2}-\d{2})</td><td class=\"num\">(\d+)</td>"
                       r"<td class=\"num\">(\d+)</td>", section)
    assert {(day, int(sub), int(unsub)) for day, sub, unsub in cells} == {
        (row["day"], row["subscribe"], row["unsubscribe"]) for row in rows}
    refused = browser.get(f"{live_server}/staff/stats", params={"from": "soon"}, timeout=10)
    assert refused.status_code == 400 and "日期格式" in refused.text
    book = load_workbook(io.BytesIO(browser.get(
        f"{live_server}/staff/stats/export.xlsx",
        params={"from": start.isoformat(), "scene": "expo"}, timeout=10).content))
    daily = next(sheet for sheet in book.worksheets if sheet.title.startswith("每日关注"))
    assert daily.freeze_panes == "A2"
    assert [cell.value for cell in daily[1]] == ["日期", "关注", "取关", "净增"]
    first = next(daily.iter_rows(min_row=2, values_only=True))
    assert isinstance(first[0], datetime) and first[0].date() == start
    assert isinstance(first[1], int)
    described = dict(book["筛选条件"].iter_rows(min_row=2, values_only=True))
    assert described["二维码场景"] == "expo"


def _upload(browser, live_server: str, name: str, content: bytes):
    form = browser.get(f"{live_server}/staff/uploads", timeout=5)
    return browser.post(f"{live_server}/staff/uploads", timeout=10,
                        data={"csrf_token": csrf_of(form.text), "source": "console-test"},
                        files={"file": (name, content)})


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([["source_id", "name", "country"], *rows])
    return out.getvalue().encode()


def test_a_buyer_upload_runs_as_a_job_with_progress_and_rejects(services, live_server, wechat,
                                                                db):
    make_staff(services, "upload.op", ["operator"])
    browser, _ = sign_in(live_server, "upload.op")
    rows = [[f"U{n}", f"Upload Buyer {n} GmbH", "DE"] for n in range(1, 9)]
    rows[2] = ["U3", "", "DE"]  # no name
    rows[5] = ["U6", "Upload Buyer 6 Ltd", "Atlantis"]  # no such country
    started = _upload(browser, live_server, "buyers.csv", _csv(rows))
    assert re.search(r"/staff/jobs/\d+$", started.url), started.text
    wechat.wait_for_jobs()
    page = browser.get(started.url, timeout=5).text
    assert 'data-status="done"' in page
    assert re.search(r'id="accepted">6<', page) and re.search(r'id="rejected">2<', page)
    assert "<progress" in page and "100%" in page
    rejects = browser.get(f"{started.url}/download", timeout=5)
    reasons = list(csv.reader(io.StringIO(rejects.content.decode("utf-8-sig"))))
    assert reasons[0] == ["行号", "原因"] and [r[0] for r in reasons[1:]] == ["4", "7"]
    assert db.scalar(select(func.count()).select_from(Buyer)
                     .where(Buyer.source == "console-test")) == 6

    book = Workbook()
    sheet = book.active
    sheet.append(["source_id", "name", "country", "founded"])
    sheet.append(["X1", "Workbook Trading SARL", "FR", 1999])
    sheet.append(["X2", "Workbook Export Srl", "IT", None])
    out = io.BytesIO()
    book.save(out)
    from_excel = _upload(browser, live_server, "buyers.xlsx", out.getvalue())
    wechat.wait_for_jobs()
    page = browser.get(from_excel.url, timeout=5).text
    assert re.search(r'id="accepted">2<', page) and "没有被拒绝的行" in page
    assert db.scalar(select(Buyer.founded).where(Buyer.source_id == "X1")) == 1999

    refused = _upload(browser, live_server, "buyers.pdf", b"%PDF")
    assert refused.status_code == 400 and "只接受" in refused.text
    audit = db.scalars(select(AuditEntry.action).where(AuditEntry.actor == "staff:upload.op"))
    assert list(audit).count("console.buyers") == 2


def test_an_upload_over_the_limit_is_refused_with_a_page(services, live_server, monkeypatch):
    from web.console import views

    monkeypatch.setattr(views, "MAX_UPLOAD_BYTES", 100 * 1024)
    make_staff(services, "upload.big", ["operator"])
    browser, _ = sign_in(live_server, "upload.big")
    rows = [[f"L{n}", f"Large Upload Buyer {n} GmbH", "DE"] for n in range(4000)]
    refused = _upload(browser, live_server, "large.csv", _csv(rows))
    assert refused.status_code == 413 and "请用命令行" in refused.text


@pytest.mark.parametrize(("role", "path"), [
    ("academy_editor", "/staff/stats"),
    ("academy_editor", "/staff/stats/export.xlsx"),
    ("claims_reviewer", "/staff/uploads"),
    ("operator", "/staff/audit"),
    ("operator", "/staff/audit/export.xlsx"),
    ("academy_editor", "/staff/renewals/"),
    ("academy_editor", "/staff/renewals/export.xlsx"),
])
def test_a_role_without_the_permission_is_refused_page_and_export(services, live_server,
                                                                  role, path):
    make_staff(services, f"no.{role}", [role])
    browser, _ = sign_in(live_server, f"no.{role}")
    refused = browser.get(f"{live_server}{path}", timeout=5)
    assert refused.status_code == 403 and "没有权限" in refused.text
    token = staff_token(services, make_staff(services, f"api.{role}", [role]))
    api = requests.get(f"{live_server}/api/v1/stats", timeout=5,
                       headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == (200 if role == "operator" else 403)


def test_figures_are_filtered_by_their_services_permission(services, db):
    """Each figure carries its service's permission (the one access table): a caller who
    holds stats.read alone sees the console's own figures, not the queues of support."""
    from core.stats import collect, make_query

    query = make_query(services.clock(), None, None)
    every = {figure.key for figure in collect(db, query)}
    only_stats = {figure.key for figure in collect(db, query, lambda p: p == "stats.read")}
    assert {"queues.tickets", "lookups.daily", "renewals.due"} <= every
    assert "messages.daily" in only_stats and "followers.daily" in only_stats
    assert not only_stats & {"queues.tickets", "lookups.daily", "renewals.due"}


def test_the_job_page_refreshes_itself_while_running(services, live_server, db):
    account = make_staff(services, "job.watch", ["operator"])
    job = ConsoleJob(kind="export", status="running", staff_id=account.id, title="导出：测试",
                     params={}, filename="x.xlsx", total=10, done=4,
                     created_at=datetime.now(UTC))
    db.add(job)
    db.commit()
    browser, _ = sign_in(live_server, "job.watch")
    page = browser.get(f"{live_server}/staff/jobs/{job.id}", timeout=5).text
    assert 'http-equiv="refresh"' in page and "40%" in page and "进行中" in page
    listed = browser.get(f"{live_server}/staff/jobs", timeout=5).text
    assert "导出：测试" in listed


def test_the_date_helpers_cover_a_range_of_beijing_days():
    from core.stats import BadRange, make_query

    now = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # 01:00 on 2 December in Beijing
    query = make_query(now, None, None)
    assert query.end == date(2026, 12, 2) and len(query.days()) == 30
    assert query.start_utc == datetime(2026, 11, 2, 16, 0, tzinfo=UTC)
    with pytest.raises(BadRange):
        make_query(now, date(2025, 1, 1), date(2026, 12, 1))


NAV_LINK = re.compile(r"<nav class=\"console-nav\"[^>]*>(.*?)</nav>", re.S)


def nav_links(html: str) -> list[str]:
    found = NAV_LINK.search(html)
    assert found is not None, "the console's navigation is missing"
    return re.findall(r'href="([^"]+)"', found.group(1))


@pytest.mark.parametrize("role", ["operator", "claims_reviewer", "academy_editor", "admin"])
def test_each_role_walks_every_page_its_navigation_shows_and_no_other(services, live_server,
                                                                      role):
    make_staff(services, "walk.reference", ["admin"])
    admin, _ = sign_in(live_server, "walk.reference")
    every_page = set(nav_links(admin.get(f"{live_server}/staff/", timeout=5).text))
    make_staff(services, f"walk.{role}", [role])
    browser, home = sign_in(live_server, f"walk.{role}")
    shown = nav_links(home.text)
    assert set(shown) <= every_page
    for path in shown:
        page = browser.get(f"{live_server}{path}", timeout=10)
        assert page.status_code == 200, (role, path, page.status_code)
        assert nav_links(page.text) == shown, (role, path)  # the same frame on every page
    for path in every_page - set(shown):
        assert browser.get(f"{live_server}{path}", timeout=10).status_code == 403, (role, path)
