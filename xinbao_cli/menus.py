"""xinbao menu validate | show | publish | delete — the account's menus, through the API."""

from __future__ import annotations

import json
from pathlib import Path

import click
from wechatpy.exceptions import WeChatClientException

from menus import definition, publishing
from xinbao_cli.common import app_context


def register(group: click.Group) -> None:
    group.add_command(menu)


@click.group(help="The account's menus (menus/menu.toml).")
def menu() -> None:
    pass


file_option = click.option("--file", "path", type=click.Path(exists=True, dir_okay=False,
                                                             path_type=Path),
                           default=definition.MENU_PATH, show_default=True,
                           help="The menu data file.")


def _load(path: Path) -> definition.MenuSet:
    try:
        return definition.load(path)
    except definition.MenuInvalid as invalid:
        raise click.ClickException(str(invalid)) from None


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@menu.command(help="Check the menu against WeChat's limits; nothing is sent.")
@file_option
def validate(path: Path) -> None:
    menus = _load(path)
    click.echo(f"菜单有效: {len(menus.menus)} 个菜单, {len(menus.click_keys())} 个按键")


@menu.command(help="Print the menu: the local file, or with --published what WeChat holds.")
@file_option
@click.option("--published", is_flag=True, help="Ask WeChat for the menu it holds now.")
def show(path: Path, published: bool) -> None:
    if not published:
        menus = _load(path)
        _echo_json({"menu": menus.default.to_wechat(),
                    "conditionalmenu": [{"title": m.title, "matchrule": dict(m.matchrule),
                                         **m.to_wechat({t: 0 for t in menus.tag_names()})}
                                        for m in menus.conditional]})
        return
    with app_context() as app:
        current = _call(lambda: publishing.published(_api(app)))
    if current is None:
        click.echo("公众号当前没有自定义菜单")
    else:
        _echo_json(current)


@menu.command(help="Validate, then publish the default and conditional menus.")
@file_option
@click.option("--dry-run", is_flag=True, help="Validate and print the JSON; send nothing.")
def publish(path: Path, dry_run: bool) -> None:
    menus = _load(path)
    if dry_run:
        _echo_json(menus.default.to_wechat())
        return
    with app_context() as app:
        result = _call(lambda: publishing.publish(_api(app), menus))
    click.echo(f"已发布默认菜单（{result.default_buttons} 个一级菜单）")
    for title, menu_id in result.conditional_menu_ids.items():
        click.echo(f"已发布{title}（menuid {menu_id}）")
    for tag, tag_id in result.tag_ids.items():
        click.echo(f"标签「{tag}」的 id 为 {tag_id}")


@menu.command(help="Delete the default menu and every conditional menu.")
@click.confirmation_option(prompt="删除公众号的全部菜单？")
def delete() -> None:
    with app_context() as app:
        _call(lambda: publishing.delete(_api(app)))
    click.echo("已删除全部菜单")


def _api(app):
    from core.services import EXTENSION_KEY

    return app.extensions[EXTENSION_KEY].wechat.api


def _call(action):
    try:
        return action()
    except WeChatClientException as error:
        raise click.ClickException(f"微信接口返回错误 {error.errcode}: {error.errmsg}") from None
