"""The follower's profile, as a form.

```mermaid
stateDiagram-v2
    [*] --> COMPANY: 完善资料 / menu PROFILE
    COMPANY --> REGION: a company name
    REGION --> MARKETS: 省份 城市
    MARKETS --> [*]: countries (the profile saved, summary shown)
    COMPANY --> COMPANY: wrong answer (hint)
    REGION --> COMPANY: 返回
    MARKETS --> REGION: 返回
    note right of COMPANY: 取消, another service or silence keep the draft; 继续填写 resumes
```

Each accepted answer goes into the draft (``ProfileDraft``, a row of its own); the profile is
written by ``followers.usecases.save_profile`` when the last answer is in — the same use case
``PATCH /api/v1/me`` calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from wechatpy.messages import BaseMessage

from core.conversation import End, Flow, Goto, Stay, Step, Transition, reading_text
from core.replies import Reply
from followers.profile import (
    ProfileInputError,
    market_names,
    parse_company_name,
    parse_markets,
    parse_region,
)
from followers.usecases import ProfileChanges, save_profile
from handlers.context import Ctx


class ProfileState(StrEnum):
    COMPANY = "company"
    REGION = "region"
    MARKETS = "markets"


@dataclass
class ProfileDraft:
    company_name: str = ""
    province: str = ""
    city: str = ""
    export_markets: list[str] = field(default_factory=list)


def _fill(fill: Callable[[ProfileDraft, str], None], then: Callable[[Ctx, ProfileDraft], Transition]
          ) -> Callable[[str, Ctx, ProfileDraft], Transition]:
    """A step's accept: parse the answer into the draft, then move on."""

    def accept(answer: str, ctx: Ctx, draft: ProfileDraft) -> Transition:
        try:
            fill(draft, answer)
        except ProfileInputError as error:

            return Stay(ctx.render("profile_hint.j2", code=error.code, **error.data))
        return then(ctx, draft)

    return accept


def _fill_company(draft: ProfileDraft, answer: str) -> None:
    draft.company_name = parse_company_name(answer)


def _fill_region(draft: ProfileDraft, answer: str) -> None:
    draft.province, draft.city = parse_region(answer)


def _fill_markets(draft: ProfileDraft, answer: str) -> None:
    draft.export_markets = parse_markets(answer)


def _save(ctx: Ctx, draft: ProfileDraft) -> Transition:
    follower = save_profile(ctx.uow, ctx.openid, ProfileChanges(
        company_name=draft.company_name, province=draft.province, city=draft.city,
        export_markets=draft.export_markets))
    return End(ctx.render("profile_done.j2", follower=follower,
                          markets=market_names(follower.export_markets)))


def _prompt(state: ProfileState) -> Callable[[Ctx, ProfileDraft], str]:
    def prompt(ctx: Ctx, draft: ProfileDraft) -> str:
        return ctx.render("profile_prompt.j2", state=state.value, follower=ctx.follower,
                          draft=draft)

    return prompt


def _step(state: ProfileState, label: str, fill: Callable[[ProfileDraft, str], None],
          then: Callable[[Ctx, ProfileDraft], Transition]) -> Step[Ctx, ProfileDraft]:
    return Step(_prompt(state), reading_text(_fill(fill, then)), label=label)


PROFILE_FLOW: Flow[Ctx, ProfileDraft] = Flow(
    name="profile",
    title="企业资料",
    first=ProfileState.COMPANY,
    draft=ProfileDraft,
    steps={
        ProfileState.COMPANY: _step(ProfileState.COMPANY, "企业名称", _fill_company,
                                    lambda ctx, draft: Goto(ProfileState.REGION)),
        ProfileState.REGION: _step(ProfileState.REGION, "所在省市", _fill_region,
                                   lambda ctx, draft: Goto(ProfileState.MARKETS)),
        ProfileState.MARKETS: _step(ProfileState.MARKETS, "主要出口国家", _fill_markets, _save),
    },
)


def start_profile(msg: BaseMessage, ctx: Ctx) -> Reply:
    return ctx.start(PROFILE_FLOW)


HANDLERS = {"followers.profile": start_profile}
FLOWS = [PROFILE_FLOW]
