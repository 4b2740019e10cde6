"""资信红绿灯: the buyer registry, its lookups and the light of each buyer."""

from collections.abc import Iterator, Mapping
from typing import Any

from core.features import Feature
from core.intents import Intent

BUYERS_READ = "buyers.read"
BUYERS_MANAGE = "buyers.manage"

LOOK_UP = Intent(
    "lights.look_up", title="查询买家资信（资信红绿灯）", slot="buyer", menu_keys=("LIGHT_LOOKUP",),
    words=("查询", "红绿灯", "资信", "资信红绿灯", "查买家", "查买方", "买家查询", "查询买家",
           "查询买方", "红绿灯查询"),
    commands=("查询", "红绿灯", "查买家", "查买方", "查询买家", "查询买方"),
    examples={"查询 ACME GmbH": "ACME GmbH", "红绿灯：山田電気": "山田電気",
              "查询ACME 德国": "ACME 德国", "查询一下": None, "红绿灯服务": None,
              "查买家 Weitzel Neureuther": "Weitzel Neureuther", "资信红绿灯怎么用": None},
)
MY_LOOKUPS = Intent(
    "lights.my_lookups", title="我的查询", menu_keys=("MY_LOOKUPS",),
    words=("我的查询", "查询记录", "查询历史", "历史查询"),
    examples={"我的查询记录": None},
)



def check_settings(section: Mapping[str, Any]) -> Iterator[str]:
    """config.toml's [lights] table; each problem names the key."""
    whole_numbers = {"daily_quota": 0, "candidates": 1, "page_link_days": 1}
    for name, least in whole_numbers.items():
        value = section.get(name, least)
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            yield f"{name} must be a whole number of at least {least}, got {value!r}"
    budget = section.get("upload_budget_seconds", 1.0)
    if not isinstance(budget, int | float) or not 0 < budget < 4.5:
        yield f"upload_budget_seconds must be between 0 and 4.5 (the reply budget), got {budget!r}"


FEATURE = Feature(
    name="lights",
    title="资信红绿灯",
    intents=(LOOK_UP, MY_LOOKUPS),
    chat=("handlers.lights",),
    models=("lights.models",),
    api=("api.lights",),
    pages=("web.lights:bp",),
    access={BUYERS_READ: ("operator", "claims_reviewer"), BUYERS_MANAGE: ("operator",)},
    settings="lights",
    validate_settings=check_settings,
    cli=("xinbao_cli.buyers",),
    migrations="lights",
    # Fonts load once per process (~60 ms): at start, not in the first follower's reply.
    start=("lights.picture:warm_up",),
    stats=("lights.stats:lookups",),
)
