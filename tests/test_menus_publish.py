"""Publishing through the API (the emulator), and the dispatch table and the menu agreeing."""

from __future__ import annotations

import json

from menus import definition


def test_every_click_key_has_a_route_and_every_routed_key_is_in_a_menu(app):
    routed = set(app.extensions["xinbao.dispatcher"].router.menus)
    in_menus = definition.load().click_keys()
    assert in_menus - routed == set(), "menu buttons nobody answers"
    assert routed - in_menus == set(), "routes for keys no menu sends"


def test_publish_sends_the_default_and_the_tagged_conditional_menu(cli, emulator):
    result = cli("menu", "publish")
    assert result.exit_code == 0, result.output
    assert "已发布默认菜单（3 个一级菜单）" in result.output
    menus = [r for r in emulator.records(kind="menu")]
    assert [r["action"] for r in menus] == ["create", "addconditional"]
    assert menus[0]["menu"] == definition.load().default.to_wechat()
    tag = next(r for r in emulator.records(kind="tag"))
    assert tag["name"] == "已绑定企业"
    assert menus[1]["menu"]["matchrule"] == {"tag_id": str(tag["id"])}
    assert menus[1]["menu"]["button"][1]["name"] == "我的保单"

    again = cli("menu", "publish")
    assert again.exit_code == 0
    assert len(emulator.records(kind="tag")) == 1, "the tag is found, not created twice"


def test_show_published_and_delete(cli):
    assert "没有自定义菜单" in cli("menu", "show", "--published").output
    cli("menu", "publish")
    shown = json.loads(cli("menu", "show", "--published").output)
    assert shown["menu"]["button"][0]["name"] == "查买家"
    assert shown["conditionalmenu"][0]["matchrule"]["tag_id"]
    deleted = cli("menu", "delete", "--yes")
    assert deleted.exit_code == 0 and "已删除全部菜单" in deleted.output
    assert "没有自定义菜单" in cli("menu", "show", "--published").output


def test_show_local_needs_no_api(cli):
    shown = json.loads(cli("menu", "show").output)
    assert [b["name"] for b in shown["menu"]["button"]] == ["查买家", "信保服务", "学院与我"]


def test_dry_run_sends_nothing(cli, emulator):
    result = cli("menu", "publish", "--dry-run")
    assert json.loads(result.output)["button"][1]["sub_button"][4]["key"] == "BRANCHES"
    assert emulator.records(kind="menu") == []


def test_an_api_error_is_reported_not_raised(cli, emulator):
    emulator.fail("/cgi-bin/menu/create", 40018)
    result = cli("menu", "publish")
    assert result.exit_code == 1
    assert "微信接口返回错误 40018" in result.output


def test_an_invalid_menu_is_never_published(cli, emulator, tmp_path):
    bad = tmp_path / "menu.toml"
    bad.write_text('[[button]]\nname = "帮助"\ntype = "click"\nkey = "X"\n', encoding="utf-8")
    result = cli("menu", "publish", "--file", str(bad))
    assert result.exit_code == 1
    assert "默认菜单 › 帮助: key「X」不在 menus/keys.py 中" in result.output
    assert emulator.records(kind="menu") == []
