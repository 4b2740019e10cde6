"""营业机构 through the real webhook: places named in every way followers type them, the
follower's own place, locations (sent, or picked with a location_select button), abroad."""

from __future__ import annotations

import random
import time

import pytest
from test_branches_lookup import (
    BRANCH_OF_CITY,
    BRANCH_OF_PROVINCE,
    PROVINCE_OF_CODE,
    expected_branch,
    rows,
)

import branches
from followers.models import Follower

ISSUE_CITIES = {  # the places issue 13 found answered with the whole list
    "杭州": "浙江分公司", "温州": "浙江分公司", "长春": "辽宁分公司", "贵阳": "湖南分公司",
    "三亚": "广西分公司", "拉萨": "四川分公司", "西宁": "陕西分公司", "银川": "陕西分公司",
    "兰州": "陕西分公司", "广州": "广东分公司", "福州": "福建分公司", "泉州": "福建分公司",
    "乌鲁木齐": "新疆分公司",
}
WHOLE_LIST = "中国信保在全国有 25 家营业机构"


def covered(place: str, branch: str) -> str:
    return f"{place}由中国信保{branch}负责"


@pytest.mark.parametrize("province", sorted(BRANCH_OF_PROVINCE))
def test_every_province(wechat, province):
    reply = wechat.say("o-br-prov", f"网点 {province}")
    branch = BRANCH_OF_PROVINCE[province]
    if branch:
        assert reply.startswith(covered(province, branch))
    else:
        assert reply.startswith(f"服务指南列出的 25 家营业机构中，没有负责{province}的一家")
        assert "负责地区离" in reply and "https://sol.sinosure.com.cn" in reply
    assert WHOLE_LIST not in reply


@pytest.mark.parametrize(("city", "branch"), ISSUE_CITIES.items())
def test_the_cities_the_issue_names(wechat, city, branch):
    reply = wechat.say("o-br-city", f"网点 {city}")
    assert covered(f"{city}市", branch) in reply and WHOLE_LIST not in reply


def test_a_hundred_places_drawn_from_the_table(wechat):
    """100 prefectures, counties and districts (a fixed draw), asked by full name: the branch
    the seed gives by the rule written in test_branches_lookup, not by the code's own."""
    table = {row["adcode"]: row for row in rows()}
    places = sorted(code for code in table if code[2:] != "0" * 10)
    sample = random.Random(20261201).sample(places, 100)
    for code in sample:
        name = table[code]["name"]
        province = PROVINCE_OF_CODE[code[:2]]
        prefecture = table.get(code[:4] + "0" * 8, {}).get("name", "")
        label = province + (prefecture if code[4:] != "0" * 8 else "") + name
        branch = expected_branch(code)
        reply = wechat.say("o-br-sample", f"网点 {name}")
        if "处，" in reply.splitlines()[0]:  # a name several places share: every one listed
            assert f"{label} → {branch or '服务指南未列'}" in reply, (name, reply)
        elif branch:
            assert reply.startswith(covered(label, branch)), (name, reply)
        else:
            assert f"没有负责{label}的一家" in reply, (name, reply)


@pytest.mark.parametrize(("text", "answer"), [
    ("网点 宁波", covered("浙江宁波市", "宁波分公司")),
    ("网点 慈溪", covered("浙江宁波市慈溪市", "宁波分公司")),
    ("网点 厦门思明区", covered("福建厦门市思明区", "厦门分公司")),
    ("深圳南山有网点吗", covered("广东深圳市南山区", "深圳分公司")),
    ("网点 东莞", covered("广东东莞市", "广东分公司")),
    ("网点 义乌市", covered("浙江金华市义乌市", "浙江分公司")),
    ("我在温州找哪个网点", covered("浙江温州市", "浙江分公司")),
    ("温州归哪个分公司管", covered("浙江温州市", "浙江分公司")),
    ("温州归哪管", covered("浙江温州市", "浙江分公司")),
    ("杭州有营业机构吗", covered("浙江杭州市", "浙江分公司")),
    ("三亚的网点", covered("海南三亚市", "广西分公司")),
    ("杭州去哪里办理", covered("浙江杭州市", "浙江分公司")),
    ("昆明在哪里投保？", covered("云南昆明市", "云南分公司")),
    ("網點 廈門", covered("福建厦门市", "厦门分公司")),
    ("烏魯木齊的營業機構", covered("新疆乌鲁木齐市", "新疆分公司")),
    ("branch in Hangzhou", covered("浙江杭州市", "浙江分公司")),
    ("Sinosure office in Xiamen", covered("福建厦门市", "厦门分公司")),
    ("网点 Guangzhou", covered("广东广州市", "广东分公司")),
    ("网点 浙江省杭州市西湖区", covered("浙江杭州市西湖区", "浙江分公司")),
])
def test_sentences_and_scripts(wechat, text, answer):
    assert wechat.say("o-br-say", text).startswith(answer)


@pytest.mark.parametrize(("text", "guess"), [("网点 杭洲", "杭州"), ("夏门网点", "厦门"),
                                              ("branch in Shenzen", "深圳")])
def test_a_typo_is_answered_and_said_to_be_read_as(wechat, text, guess):
    reply = wechat.say("o-br-typo", text)
    assert f"按「{guess}」" in reply and "这个地名" in reply


def test_a_shared_name_lists_every_place_with_its_branch(wechat):
    reply = wechat.say("o-br-amb", "网点 西湖区")
    assert reply.startswith("「西湖区」有 2 处，请看您所在的那一处")
    assert "浙江杭州市西湖区 → 浙江分公司" in reply and "江西南昌市西湖区 → 江西分公司" in reply
    chaoyang = wechat.say("o-br-amb", "网点 朝阳")
    assert "北京朝阳区 → 服务指南未列负责的营业机构" in chaoyang
    assert "辽宁朝阳市 → 辽宁分公司" in chaoyang
    assert wechat.say("o-br-amb", "网点 浙江西湖").startswith(
        covered("浙江杭州市西湖区", "浙江分公司"))
    same = wechat.say("o-br-amb", "网点 铁西区")
    assert "都由中国信保辽宁分公司负责" in same


def test_a_named_place_wins_over_the_profile_and_the_profile_answers_otherwise(wechat, db):
    db.add(Follower(openid="o-br-ningbo", subscribed=True, province="浙江", city="宁波"))
    db.commit()
    dalian = wechat.say("o-br-ningbo", "网点 大连")
    assert dalian.startswith(covered("辽宁大连市", "辽宁分公司")) and "宁波" not in dalian
    assert wechat.say("o-br-ningbo", "网点").startswith(
        "您所在的浙江宁波市由中国信保宁波分公司负责")
    assert wechat.say("o-br-ningbo", "去哪里办理").startswith("您所在的浙江宁波市")


def test_a_county_in_the_profile_finds_its_city_branch(wechat, db):
    db.add(Follower(openid="o-br-cixi", subscribed=True, province="浙江", city="慈溪"))
    db.commit()
    assert wechat.say("o-br-cixi", "网点").startswith(
        "您所在的浙江宁波市慈溪市由中国信保宁波分公司负责")


def test_words_that_are_no_place_are_said_so(wechat):
    reply = wechat.say("o-br-mars", "网点 火星")
    assert reply.startswith("没有找到「火星」这个地名")
    assert wechat.say("o-br-mars", "网点在哪里").startswith(WHOLE_LIST)


def test_contacts_show_only_when_the_operator_filled_them(wechat, tmp_path, monkeypatch):
    assert "电话：" not in wechat.say("o-br-contact", "网点 天津")
    data = tmp_path / "branches.toml"
    filled = branches.DATA_PATH.read_text(encoding="utf-8").replace(
        'name = "天津分公司"\nprovinces = ["天津"]\naddress = ""\nphone = ""',
        'name = "天津分公司"\nprovinces = ["天津"]\naddress = ""\nphone = "示例 022-0000"', 1)
    data.write_text(filled, encoding="utf-8")
    monkeypatch.setattr(branches, "DATA_PATH", data)
    branches.all_branches.cache_clear()
    branches._coverage.cache_clear()
    try:
        reply = wechat.say("o-br-contact", "网点 天津")
        assert "天津分公司 电话：示例 022-0000。" in reply and "地址：" not in reply
        assert "电话：" not in wechat.say("o-br-contact", "网点 河北")
    finally:
        monkeypatch.undo()
        branches.all_branches.cache_clear()
        branches._coverage.cache_clear()


# --- locations -------------------------------------------------------------------------------

def location(wechat, openid: str, latitude: float, longitude: float, label: str = "") -> str:
    return wechat.send(wechat.sim.location(openid, latitude, longitude, label)).get("Content", "")


def location_select(wechat, openid: str, latitude: float, longitude: float, label: str,
                    key: str = "BRANCHES_NEARBY") -> str:
    xml = wechat.sim.event(openid, "location_select", key).replace("</xml>", (
        f"<SendLocationInfo><Location_X>{latitude}</Location_X>"
        f"<Location_Y>{longitude}</Location_Y><Scale>15</Scale>"
        f"<Label><![CDATA[{label}]]></Label><Poiname><![CDATA[]]></Poiname>"
        "</SendLocationInfo></xml>"))
    return wechat.send(xml).get("Content", "")


@pytest.mark.parametrize(("latitude", "longitude", "label", "answer"), [
    (29.8683, 121.544, "浙江省宁波市鄞州区", covered("浙江宁波市鄞州区", "宁波分公司")),
    (30.2741, 120.1551, "", "浙江分公司负责"),
    (22.5431, 114.0579, "", "深圳分公司负责"),
    (24.4798, 118.0894, "", "厦门分公司负责"),
    (43.8256, 87.6168, "", "新疆分公司负责"),
    (18.2528, 109.5119, "", "广西分公司负责"),
    (26.6470, 106.6302, "", "湖南分公司负责"),
])
def test_a_location_in_a_covered_province_names_its_branch(wechat, latitude, longitude, label,
                                                             answer):
    reply = location(wechat, "o-br-loc", latitude, longitude, label)
    assert reply.startswith("您发送的位置") and answer in reply
    assert "请点底部菜单" not in reply


@pytest.mark.parametrize(("latitude", "longitude", "place", "first"), [
    (39.9042, 116.4074, "北京", "1. 河北分公司"),
    (40.8426, 111.7492, "内蒙古呼和浩特市", "1. 山西分公司"),
    (49.5978, 117.4271, "内蒙古呼伦贝尔市满洲里市", "1. 黑龙江分公司"),
])
def test_a_location_without_a_listed_branch_gets_the_nearest_and_the_online_ways(
        wechat, latitude, longitude, place, first):
    reply = location(wechat, "o-br-north", latitude, longitude)
    assert f"在{place}" in reply and "没有负责" in reply
    assert first in reply and "2. " in reply and "3. " in reply
    assert "https://sol.sinosure.com.cn" in reply and "https://www.singlewindow.cn/" in reply
    assert "本公众号" in reply and "egypt@sinosure.com.cn" in reply
    names = {b.name for b in branches.all_branches()}
    listed = [line.split(". ", 1)[1].split("（", 1)[0] for line in reply.splitlines()
              if line[:3] in ("1. ", "2. ", "3. ")]
    assert listed and set(listed) <= names  # never a branch the seed does not name


def test_a_location_abroad_says_so(wechat, db):
    paris = location(wechat, "o-br-abroad", 48.8566, 2.3522, "Paris")
    assert "在中国境外（法国）" in paris and "https://sol.sinosure.com.cn" in paris
    cairo = location(wechat, "o-br-abroad", 30.0444, 31.2357, "开罗")
    assert "在中国境外（埃及）" in cairo
    assert "在埃及可联系服务指南给出的中国信保埃及工作组：egypt@sinosure.com.cn" in cairo
    db.add(Follower(openid="o-br-traveller", subscribed=True, province="福建", city="厦门"))
    db.commit()
    assert "您资料中的所在地福建厦门市由中国信保厦门分公司负责" in location(
        wechat, "o-br-traveller", 35.6762, 139.6503)


def test_a_location_without_a_position_is_said_so(wechat):
    assert location(wechat, "o-br-zero", 0, 0).startswith("没能从这条位置消息读出经纬度")


def test_a_location_select_button_is_answered_once_with_its_location_message(wechat):
    """WeChat sends the picker's event and the location message for one pick: one answer."""
    reply = location_select(wechat, "o-br-pick", 22.5431, 114.0579, "广东省深圳市福田区")
    assert "深圳分公司负责" in reply
    assert location(wechat, "o-br-pick", 22.5431, 114.0579, "广东省深圳市福田区") == ""
    # A location sent again later is a new question.
    assert "深圳分公司负责" in location(wechat, "o-br-pick", 22.5431, 114.0579)
    # Message first, then the event: the event stays quiet.
    assert "广东分公司负责" in location(wechat, "o-br-pick2", 23.1291, 113.2644)
    assert location_select(wechat, "o-br-pick2", 23.1291, 113.2644, "") == ""


def test_two_location_messages_are_both_answered(wechat):
    first = location(wechat, "o-br-twice", 29.8683, 121.544)
    time.sleep(0.01)
    assert first and first == location(wechat, "o-br-twice", 29.8683, 121.544)


def test_the_periodic_location_report_stays_silent(wechat):
    response = wechat.post(wechat.sim.xml("o-br-report", "event", Event="LOCATION",
                                          Latitude=29.87, Longitude=121.54, Precision=30))
    assert response.status_code == 200 and response.get_data() == b""


def test_the_city_branches_by_location_and_by_name_agree(wechat):
    for prefix, branch in BRANCH_OF_CITY.items():
        row = next(r for r in rows() if r["adcode"] == prefix + "0" * 8)
        by_name = wechat.say("o-br-agree", f"网点 {row['name']}")
        by_place = location(wechat, "o-br-agree", float(row["latitude"]),
                            float(row["longitude"]))
        assert f"{branch}负责" in by_name and f"{branch}负责" in by_place


def test_the_operator_command(cli):
    found = cli("branches", "find", "网点", "慈溪")
    assert found.exit_code == 0 and "浙江宁波市慈溪市 (330282) → 宁波分公司" in found.output
    beijing = cli("branches", "near", "39.9042", "116.4074")
    assert "no branch listed in the source document" in beijing.output
    assert "nearest: 河北分公司" in beijing.output
    assert "abroad: 埃及 (EG)" in cli("branches", "near", "30.0444", "31.2357").output
    missing = cli("branches", "find", "火星")
    assert missing.exit_code == 1 and "no place named in '火星'" in missing.output
    assert cli("branches", "near", "95", "10").exit_code == 2


def test_another_service_asked_where_is_pointed_to_it(wechat):
    reply = wechat.say("o-br-other", "信保贷去哪里办理")
    assert reply.startswith("「信保贷与保单融资」怎么办理，请回复「信保贷」查看")
    assert "没有找到" not in reply
