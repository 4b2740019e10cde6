"""The menu data is checked against each of WeChat's limits, and each problem names its button."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from menus import definition
from menus.definition import MENU_PATH, MenuInvalid, parse, validate
from xinbao_cli import main


def shipped() -> dict:
    with MENU_PATH.open("rb") as handle:
        return tomllib.load(handle)


def problems_of(data: dict) -> list[str]:
    return [str(problem) for problem in validate(parse(data))]


def click(name: str, key: str = "HELP") -> dict:
    return {"type": "click", "name": name, "key": key}


def with_sub(data: dict, top: int, sub: int, **fields) -> dict:
    changed = copy.deepcopy(data)
    changed["button"][top]["sub_button"][sub] = fields
    return changed


def test_the_shipped_menu_is_valid_and_uses_only_known_keys():
    menus = definition.load()
    assert validate(menus) == []
    assert menus.click_keys() <= definition.KNOWN_KEYS
    assert len(menus.conditional) == 1 and menus.tag_names() == ["已绑定企业"]


def test_at_most_three_top_buttons():
    data = shipped()
    data["button"].append(click("第四个"))
    assert problems_of(data) == ["默认菜单: 一级菜单应有 1–3 个，现有 4 个"]


def test_a_menu_needs_a_button():
    assert problems_of({"button": []}) == ["默认菜单: 一级菜单应有 1–3 个，现有 0 个"]


def test_at_most_five_sub_buttons_naming_the_top_button():
    data = shipped()
    data["button"][1]["sub_button"].append(click("第六个"))
    assert problems_of(data) == ["默认菜单 › 信保服务: 子菜单最多 5 个，现有 6 个"]


@pytest.mark.parametrize(("name", "ok"), [("信保服务", True), ("信保服务中心", False),
                                          ("Services", True), ("Services!", False)])
def test_top_names_four_chinese_or_eight_latin_characters(name, ok):
    data = shipped()
    data["button"][1]["name"] = name
    problems = problems_of(data)
    assert (problems == []) is ok
    if not ok:
        assert problems[0].startswith(f"默认菜单 › {name}: 一级菜单名称「{name}」过长")


@pytest.mark.parametrize(("name", "ok"), [("小微企业信保易保", True),
                                          ("小微企业信保易保单", False)])
def test_sub_names_eight_chinese_characters(name, ok):
    data = with_sub(shipped(), 1, 0, **click(name, "POLICY_INFO"))
    problems = problems_of(data)
    assert (problems == []) is ok
    if not ok:
        assert problems == [f"默认菜单 › 信保服务 › {name}: 子菜单名称「{name}」过长："
                            "最多 8 个汉字（16 个英文字符）"]


def test_names_also_within_wechats_byte_limit():
    data = shipped()
    data["button"][1]["name"] = "①②③④⑤⑥"  # narrow on screen, 18 bytes
    assert problems_of(data) == ["默认菜单 › ①②③④⑤⑥: 一级菜单名称「①②③④⑤⑥」超过 16 字节"]


def test_names_are_required():
    data = with_sub(shipped(), 0, 0, type="click", name=" ", key="HELP")
    assert problems_of(data) == ["默认菜单 › 查买家 ›  : 子菜单缺少名称 name"]


def test_key_at_most_128_bytes_and_known():
    long_key = "K" * 129
    data = with_sub(shipped(), 1, 4, type="click", name="营业机构", key=long_key)
    problems = problems_of(data)
    assert "默认菜单 › 信保服务 › 营业机构: key 超过 128 字节" in problems
    data = with_sub(shipped(), 1, 4, type="click", name="营业机构", key="BRANCHS")
    assert problems_of(data) == [
        "默认菜单 › 信保服务 › 营业机构: key「BRANCHS」不在 menus/keys.py 中（拼写错误？）"]
    data = with_sub(shipped(), 1, 4, type="click", name="营业机构")
    assert problems_of(data) == ["默认菜单 › 信保服务 › 营业机构: 缺少 key"]


def test_url_at_most_1024_bytes_and_http():
    base = "https://sol.sinosure.com.cn/?q="
    sol = {"type": "view", "name": "SOL信保通"}
    data = with_sub(shipped(), 2, 3, **sol, url=base + "x" * (1025 - len(base)))
    assert problems_of(data) == ["默认菜单 › 学院与我 › SOL信保通: url 超过 1024 字节"]
    data = with_sub(shipped(), 2, 3, **sol, url=base + "x" * (1024 - len(base)))
    assert problems_of(data) == []
    data = with_sub(shipped(), 2, 3, type="view", name="SOL信保通", url="javascript:alert(1)")
    assert problems_of(data) == ["默认菜单 › 学院与我 › SOL信保通: url「javascript:alert(1)」不是 "
                                 "http(s) 网址"]
    data = with_sub(shipped(), 2, 3, type="view", name="SOL信保通")
    assert problems_of(data) == ["默认菜单 › 学院与我 › SOL信保通: 缺少 url"]


@pytest.mark.parametrize("kind", ["click", "scancode_push", "scancode_waitmsg", "pic_sysphoto",
                                  "pic_photo_or_album", "pic_weixin", "location_select"])
def test_every_keyed_button_type_is_accepted(kind):
    assert problems_of(with_sub(shipped(), 0, 0, type=kind, name="扫一扫", key="HELP")) == []


def test_miniprogram_needs_url_appid_and_pagepath():
    good = {"type": "miniprogram", "name": "小程序", "url": "https://example.com",
            "appid": "wx0000", "pagepath": "pages/index"}
    assert problems_of(with_sub(shipped(), 0, 0, **good)) == []
    bad = {"type": "miniprogram", "name": "小程序", "url": "https://example.com"}
    assert problems_of(with_sub(shipped(), 0, 0, **bad)) == [
        "默认菜单 › 查买家 › 小程序: miniprogram 按钮缺少 appid",
        "默认菜单 › 查买家 › 小程序: miniprogram 按钮缺少 pagepath",
    ]


def test_unsupported_types_and_unknown_fields_are_named():
    data = with_sub(shipped(), 0, 0, type="media_id", name="素材", media_id="X")
    problem = problems_of(data)
    assert problem[0] == "默认菜单 › 查买家 › 素材: 未知字段 media_id"
    assert problem[1].startswith("默认菜单 › 查买家 › 素材: type「media_id」不支持；可用：click")


def test_only_two_levels():
    data = with_sub(shipped(), 0, 0, name="再下一级", sub_button=[click("三级")])
    assert ("默认菜单 › 查买家 › 再下一级: 微信菜单只有两级，子菜单下不能再有子菜单"
            in problems_of(data))


def test_a_top_button_with_sub_buttons_has_no_action():
    data = shipped()
    data["button"][0]["type"] = "click"
    assert problems_of(data) == ["默认菜单 › 查买家: 有子菜单的一级菜单不能再设 type/key/url"]


def test_conditional_menu_needs_a_match_rule():
    data = shipped()
    data["conditional"]["bound"]["matchrule"] = {}
    assert problems_of(data) == [
        "个性化菜单 bound › matchrule: 个性化菜单至少需要一个匹配条件（如 tag）"]
    data["conditional"]["bound"]["matchrule"] = {"tagg": "x"}
    assert "个性化菜单 bound › matchrule: 未知的匹配条件 tagg" in problems_of(data)


def test_conditional_buttons_are_checked_too():
    data = shipped()
    data["conditional"]["bound"]["button"][1]["name"] = "我的全部保单"
    assert problems_of(data)[0].startswith("个性化菜单 bound › 我的全部保单: 一级菜单名称")


def test_the_matchrule_carries_the_tag_id():
    menus = definition.load()
    body = menus.conditional[0].to_wechat({"已绑定企业": 101})
    assert body["matchrule"] == {"tag_id": "101"}
    assert "matchrule" not in menus.default.to_wechat()


def test_load_raises_with_every_problem(tmp_path: Path):
    bad = tmp_path / "menu.toml"
    bad.write_text('[[button]]\nname = "太长的一级菜单"\ntype = "click"\nkey = "NOPE"\n',
                   encoding="utf-8")
    with pytest.raises(MenuInvalid) as raised:
        definition.load(bad)
    assert [p.message for p in raised.value.problems] == [
        "一级菜单名称「太长的一级菜单」过长：最多 4 个汉字（8 个英文字符）",
        "key「NOPE」不在 menus/keys.py 中（拼写错误？）",
    ]


def test_cli_validate_names_the_button_and_fails(tmp_path: Path):
    bad = tmp_path / "menu.toml"
    bad.write_text('[[button]]\nname = "帮助"\ntype = "view"\nurl = "ftp://x"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["menu", "validate", "--file", str(bad)])
    assert result.exit_code == 1
    assert "默认菜单 › 帮助: url「ftp://x」不是 http(s) 网址" in result.output
    result = CliRunner().invoke(main, ["menu", "validate"])
    assert result.exit_code == 0, result.output
    assert "菜单有效" in result.output
