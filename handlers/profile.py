"""The follower's profile, as a conversation.

```mermaid
stateDiagram-v2
    [*] --> COMPANY: 完善资料 / menu PROFILE
    COMPANY --> REGION: a company name
    REGION --> MARKETS: 省份 城市
    MARKETS --> [*]: countries (saved, summary shown)
    COMPANY --> COMPANY: wrong answer (hint)
    REGION --> COMPANY: 返回
    MARKETS --> REGION: 返回
    note right of COMPANY: 取消 ends anywhere; 帮助 repeats; silence expires it
```

Every accepted answer is written to the follower row at once, so nothing is lost if the
follower stops halfway.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from wechatpy.messages import BaseMessage

from core.conversation import End, Flow, Goto, Stay, Step, Transition
from core.replies import Reply
from followers.models import Follower
from followers.profile import (
    ProfileInputError,
    market_names,
    parse_company_name,
    parse_markets,
    parse_region,
)
from handlers.context import Ctx
from handlers.routing import Route, on_keywords, on_menu
from menus import keys


class ProfileState(StrEnum):
    COMPANY = "company"
    REGION = "region"
    MARKETS = "markets"


def _saving(save: Callable[[Follower, str], None],
            then: Callable[[Ctx], Transition]) -> Callable[[str, Ctx, dict[str, Any]], Transition]:
    """A step's accept: parse and store the answer on the follower, commit, move on."""

    def accept(answer: str, ctx: Ctx, data: dict[str, Any]) -> Transition:
        try:
            save(ctx.follower, answer)
        except ProfileInputError as error:
            return Stay(ctx.render("profile_hint.j2", code=error.code, **error.data))
        ctx.db.commit()
        return then(ctx)

    return accept


def _save_company(follower: Follower, answer: str) -> None:
    follower.company_name = parse_company_name(answer)


def _save_region(follower: Follower, answer: str) -> None:
    follower.province, follower.city = parse_region(answer)


def _save_markets(follower: Follower, answer: str) -> None:
    follower.export_markets = parse_markets(answer)


def _summary(ctx: Ctx) -> Transition:
    follower = ctx.follower
    return End(ctx.render("profile_done.j2", follower=follower,
                          markets=market_names(follower.export_markets)))


def _prompt(state: ProfileState):
    def prompt(ctx: Ctx, data: dict[str, Any]) -> str:
        return ctx.render("profile_prompt.j2", state=state.value, follower=ctx.follower)

    return prompt


PROFILE_FLOW: Flow[Ctx] = Flow(
    name="profile",
    title="企业资料",
    first=ProfileState.COMPANY,
    steps={
        ProfileState.COMPANY: Step(
            _prompt(ProfileState.COMPANY),
            _saving(_save_company, lambda ctx: Goto(ProfileState.REGION)),
        ),
        ProfileState.REGION: Step(
            _prompt(ProfileState.REGION),
            _saving(_save_region, lambda ctx: Goto(ProfileState.MARKETS)),
        ),
        ProfileState.MARKETS: Step(_prompt(ProfileState.MARKETS), _saving(_save_markets, _summary)),
    },
)


def start_profile(msg: BaseMessage, ctx: Ctx) -> Reply:
    return ctx.start(PROFILE_FLOW)


ROUTES: list[Route] = [
    on_menu(keys.PROFILE, start_profile),
    *on_keywords(["完善资料", "企业资料", "我的资料", "资料"], start_profile),
]
FLOWS = [PROFILE_FLOW]
