"""Menu items of services still to come answer with the seed's facts and where to go."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from followers.models import Follower
from menus import keys

NOT_PLACEHOLDERS = ("敬请期待", "即将上线", "coming soon", "开发中")


def click_text(wechat, openid: str, key: str) -> str:
    reply = wechat.click(openid, key)
    assert reply["MsgType"] == "text"
    return reply["Content"]


@pytest.mark.parametrize(("key", "facts"), [
    (keys.POLICY_INFO, ["工信部联企业〔2011〕300号", "300 万美元", "D/A", "1 年以内",
                        "30 个工作日", "https://sol.sinosure.com.cn", "https://www.singlewindow.cn/"]),
    (keys.POLICY_RENEWAL, ["保单续转提醒", "https://sol.sinosure.com.cn"]),
    (keys.CLAIMS, ["可损通知", "30 个工作日", "https://sol.sinosure.com.cn"]),
    (keys.LOANS, ["建设银行", "纯信用", "「金融服务」→「融资贷款」",
                  "https://www.singlewindow.cn/"]),
    (keys.BRANCHES, ["25 家营业机构", "宁波分公司（宁波市）",
                     "陕西分公司（陕西、宁夏、甘肃、青海）"]),
])
def test_each_item_says_what_the_seed_says_and_where_to_go(wechat, key, facts):
    text = click_text(wechat, "o-info", key)
    for fact in facts:
        assert fact in text, fact
    assert not any(word in text.casefold() for word in NOT_PLACEHOLDERS)
    assert len(text.encode()) <= 2000, "one passive reply, not split"


def test_the_branch_list_names_all_25(wechat):
    text = click_text(wechat, "o-info", keys.BRANCHES)
    assert text.count("分公司（") == 25


def test_a_follower_with_a_region_is_told_their_branch(wechat, services, db):
    db.add(Follower(openid="o-ningbo", subscribed=True, province="浙江", city="宁波"))
    db.commit()
    claims = click_text(wechat, "o-ningbo", keys.CLAIMS)
    assert "您所在的浙江宁波市由中国信保宁波分公司负责" in claims
    assert click_text(wechat, "o-ningbo", keys.BRANCHES).startswith(
        "您所在的浙江宁波市由中国信保宁波分公司负责")
    assert "回复「网点 地名」" in click_text(wechat, "o-stranger", keys.CLAIMS)


@pytest.mark.parametrize(("text", "answer"), [
    ("网点 贵州", "贵州由中国信保湖南分公司负责（负责地区：湖南、贵州）"),
    ("宁波分公司", "浙江宁波市由中国信保宁波分公司负责（负责地区：宁波市）"),
    ("浙江杭州的营业机构", "浙江杭州市由中国信保浙江分公司负责（负责地区：浙江（除宁波市））"),
    ("吉林有网点吗", "吉林由中国信保辽宁分公司负责"),
    ("北京网点", "服务指南列出的 25 家营业机构中，没有负责北京的一家"),
    ("火星分公司", "没有找到「火星」这个地名"),
])
def test_which_branch_covers_a_place(wechat, text, answer):
    assert answer in wechat.say("o-where", text)


@pytest.mark.parametrize(("text", "key"), [
    ("理赔", keys.CLAIMS), ("索赔", keys.CLAIMS), ("出险", keys.CLAIMS),
    ("我要理赔", keys.CLAIMS), ("贷款", keys.LOANS), ("融资", keys.LOANS),
    ("信保贷", keys.LOANS), ("续保", keys.POLICY_RENEWAL), ("怎么续转？", keys.POLICY_RENEWAL),
    ("网点", keys.BRANCHES),
    ("分公司", keys.BRANCHES), ("联系", keys.BRANCHES), ("菜单", keys.HELP), ("帮助", keys.HELP),
    ("资信", keys.LIGHT_LOOKUP), ("红绿灯", keys.LIGHT_LOOKUP), ("查询", keys.LIGHT_LOOKUP),
])
def test_synonyms_answer_like_the_menu_button(wechat, text, key):
    # Two followers, so that a conversation one of them starts cannot colour the other answer.
    assert wechat.say("o-typed", text) == click_text(wechat, "o-tapped", key)


def test_unknown_text_gets_a_short_guide_to_the_menu(wechat):
    text = wechat.say("o-lost", "今天天气怎么样")
    assert "点底部菜单" in text and "帮助" in text


def test_the_welcome_points_at_every_top_menu_and_the_scene_is_stored(wechat, db):
    from menus import definition

    reply = wechat.send(wechat.sim.subscribe("o-new", "fair_canton_2026"))
    assert "欢迎关注" in reply["Content"]
    for button in definition.load().default.buttons:
        assert button.name in reply["Content"]
    follower = db.scalar(select(Follower).where(Follower.openid == "o-new"))
    assert (follower.first_scene, follower.last_scene) == ("fair_canton_2026", "fair_canton_2026")
    wechat.send(wechat.sim.event("o-new", "unsubscribe", ""))
    again = wechat.send(wechat.sim.subscribe("o-new"))
    assert again["Content"].startswith("欢迎回来")
