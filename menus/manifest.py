"""The account's menus: validated against WeChat's limits, published, shown."""

from core.features import Feature

FEATURE = Feature(
    name="menus",
    title="自定义菜单",
    cli=("xinbao_cli.menus",),
)
