"""QR codes: the platform's limits, creation through the API, posters, statistics per scene."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import zxingcpp
from PIL import Image
from sqlalchemy import select

from qr import codes
from qr.models import QrCode

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def fake_api(calls: list[dict]):
    def create(body: dict) -> dict:
        calls.append(body)
        seconds = body.get("expire_seconds")
        ticket = f"T{len(calls)}"
        return {"ticket": ticket, "url": f"http://weixin.qq.com/q/{ticket}",
                **({"expire_seconds": seconds} if seconds else {})}

    return create


# --- limits (the domain, without any API) ----------------------------------------------------

@pytest.mark.parametrize("scene", ["", "x" * 65, "has space", " lead"])
def test_scene_str_is_1_to_64_characters_without_spaces(scene):
    with pytest.raises(codes.QrLimitError):
        codes.check(codes.QrRequest(scene=scene, days=1), 0)


def test_scene_of_64_characters_is_fine():
    codes.check(codes.QrRequest(scene="x" * 64, days=1), 0)


@pytest.mark.parametrize(("days", "ok"), [(0, False), (1, True), (30, True), (31, False),
                                          (None, False)])
def test_temporary_codes_live_at_most_30_days(days, ok):
    request = codes.QrRequest(scene="fair", days=days)
    if ok:
        codes.check(request, 0)
        assert codes.request_body(request)["expire_seconds"] == days * 86_400 <= 2_592_000
    else:
        with pytest.raises(codes.QrLimitError, match="1–30 天"):
            codes.check(request, 0)


def test_permanent_codes_have_no_days_and_a_quota(db):
    with pytest.raises(codes.QrLimitError, match="只能选一个"):
        codes.check(codes.QrRequest(scene="bank", days=3, permanent=True), 0)
    calls: list[dict] = []
    for scene in ("bank_a", "bank_b"):
        codes.create(db, codes.QrRequest(scene=scene, permanent=True), fake_api(calls), NOW,
                     quota=2)
    assert codes.permanent_count(db) == 2
    with pytest.raises(codes.QrLimitError, match="已用满 2 个"):
        codes.create(db, codes.QrRequest(scene="bank_c", permanent=True), fake_api(calls), NOW,
                     quota=2)
    assert len(calls) == 2, "nothing is asked of WeChat once the quota is spent"
    # A scene that already has its permanent code reuses it, even at the quota.
    code, created = codes.create(db, codes.QrRequest(scene="bank_a", permanent=True),
                                 fake_api(calls), NOW, quota=2)
    assert (code.scene, created, len(calls)) == ("bank_a", False, 2)


def test_the_default_quota_is_wechats():
    assert codes.PERMANENT_QUOTA == 100_000
    with pytest.raises(codes.QrLimitError):
        codes.check(codes.QrRequest(scene="x", permanent=True), 100_000)
    codes.check(codes.QrRequest(scene="x", permanent=True), 99_999)


# --- through the API and the command ---------------------------------------------------------

def decoded(path: Path) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(path))]


def test_create_a_temporary_code_and_its_poster(cli, emulator, db, tmp_path):
    result = cli("qr", "create", "--scene", "fair_canton_2026", "--days", "7",
                 "--caption", "广交会展位 扫码查买家资信", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    sent = emulator.records(kind="qrcode")
    assert [(r["scene"], r["action"]) for r in sent] == [("fair_canton_2026", "QR_STR_SCENE")]
    code = db.scalar(select(QrCode))
    assert (code.scene, code.permanent, code.caption) == ("fair_canton_2026", False,
                                                          "广交会展位 扫码查买家资信")
    assert (code.expires_at - code.created_at).days == 7
    png, pdf = tmp_path / "qr-fair_canton_2026.png", tmp_path / "qr-fair_canton_2026.pdf"
    with Image.open(png) as image:
        assert image.size == (1240, 1748)
    texts = decoded(png)
    assert texts == [code.url] and "scene=fair_canton_2026" in texts[0]
    assert pdf.read_bytes().startswith(b"%PDF")


def test_the_poster_shows_chinese_not_boxes():
    from qr import poster

    def drawn(caption: str) -> bytes:
        text = poster.PosterText("信保小微助手", caption, "s")
        return poster.render("http://weixin.qq.com/q/T", text).tobytes()

    # Two different characters give two different posters; a font without them would draw the
    # same empty box for both.
    assert drawn("信") != drawn("保")


def test_limits_are_checked_before_calling_the_api(cli, emulator, tmp_path):
    result = cli("qr", "create", "--scene", "fair", "--days", "31", "--out", str(tmp_path))
    assert result.exit_code == 1 and "临时二维码有效期应为 1–30 天，现为 31" in result.output
    result = cli("qr", "create", "--scene", "x" * 65, "--out", str(tmp_path))
    assert result.exit_code == 1 and "1–64 个字符" in result.output
    result = cli("qr", "create", "--scene", "x", "--days", "3", "--permanent")
    assert result.exit_code == 1 and "只能选一个" in result.output
    assert emulator.records(kind="qrcode") == []


def test_a_permanent_code_is_created_once(cli, emulator, tmp_path):
    first = cli("qr", "create", "--scene", "branch_ningbo", "--permanent", "--out", str(tmp_path))
    assert first.exit_code == 0 and "永久" in first.output
    second = cli("qr", "create", "--scene", "branch_ningbo", "--permanent", "--out", str(tmp_path))
    assert "沿用" in second.output
    assert len(emulator.records(kind="qrcode")) == 1
    listed = cli("qr", "list")
    assert "永久二维码：已用 1 / 100000" in listed.output


def test_poster_again_and_for_an_unknown_scene(cli, tmp_path):
    cli("qr", "create", "--scene", "bank/icbc", "--out", str(tmp_path))
    again = cli("qr", "poster", "--scene", "bank/icbc", "--caption", "工商银行网点",
                "--out", str(tmp_path / "again"))
    assert again.exit_code == 0
    assert decoded(tmp_path / "again" / "qr-bank_icbc.png")
    missing = cli("qr", "poster", "--scene", "nope")
    assert missing.exit_code == 1 and "没有场景「nope」" in missing.output


def test_api_errors_are_reported(cli, emulator, tmp_path):
    emulator.fail("/cgi-bin/qrcode/create", 45009)
    result = cli("qr", "create", "--scene", "fair", "--out", str(tmp_path))
    assert result.exit_code == 1 and "微信接口返回错误 45009" in result.output


# --- statistics per scene --------------------------------------------------------------------

def follow_through_scenes(wechat) -> None:
    sim = wechat.sim
    wechat.send(sim.subscribe("o-a", "fair"))       # new through fair
    wechat.send(sim.subscribe("o-b", "fair"))       # new through fair ...
    wechat.send(sim.event("o-b", "unsubscribe", ""))  # ... and gone since
    wechat.send(sim.subscribe("o-c", "bank"))       # new through bank ...
    wechat.send(sim.event("o-c", "unsubscribe", ""))
    wechat.send(sim.subscribe("o-c", "fair"))       # ... returning through fair
    wechat.send(sim.subscribe("o-d"))               # no scene
    wechat.send(sim.scan("o-d", "fair"))            # a follower scanning


def test_stats_per_scene_from_the_command(cli, wechat):
    follow_through_scenes(wechat)
    result = cli("qr", "stats", "--json")
    rows = {row["scene"]: row for row in json.loads(result.output)}
    assert rows["fair"] == {"scene": "fair", "new": 2, "returning": 1, "scans": 1,
                            "unfollowed": 1, "followers": 3}
    assert rows["bank"] == {"scene": "bank", "new": 1, "returning": 0, "scans": 0,
                            "unfollowed": 0, "followers": 1}  # o-c follows again (via fair)
    assert rows[None]["new"] == 1
    table = cli("qr", "stats")
    assert "fair" in table.output and "新关注" in table.output
    future = cli("qr", "stats", "--json", "--since", "2999-01-01")
    assert json.loads(future.output) == []


def test_stats_per_scene_from_the_api(wechat, services, live_server):
    from helpers import follower_token, make_staff, staff_token

    follow_through_scenes(wechat)
    token = staff_token(services, make_staff(services, "qr.operator", ["operator"]))
    response = requests.get(f"{live_server}/api/v1/qr/stats",
                            headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert response.status_code == 200, response.text
    rows = {row["scene"]: row for row in response.json()["items"]}
    assert rows["fair"] == {"scene": "fair", "new": 2, "returning": 1, "scans": 1,
                            "unfollowed": 1, "followers": 3}
    later = requests.get(f"{live_server}/api/v1/qr/stats", params={"since": "2999-01-01"},
                         headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert later.json() == {"items": []}
    bad = requests.get(f"{live_server}/api/v1/qr/stats", params={"since": "yesterday"},
                       headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert bad.status_code == 422 and set(bad.json()["error"]) == {"code", "message", "details"}
    follower, _ = follower_token(services, "o-curious")
    refused = requests.get(f"{live_server}/api/v1/qr/stats",
                           headers={"Authorization": f"Bearer {follower}"}, timeout=5)
    assert refused.status_code == 403
