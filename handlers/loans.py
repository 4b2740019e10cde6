"""信保贷 in the chat: what it is (and where the follower stands), 能申请吗, 融资额度, the referral
to a partner bank (a short exchange: the bank, then the consent) and 我的融资.

```mermaid
stateDiagram-v2
    [*] --> BANK: 申请融资 (eligible; else what is missing)
    BANK --> BANK: not a listed number (hint)
    BANK --> CONSENT: a bank picked
    CONSENT --> CONSENT: neither 同意 nor 不同意 (hint)
    CONSENT --> [*]: 同意 (tracking code, Single Window path)
    CONSENT --> [*]: 不同意 (nothing shared, nothing stored)
```

The binding, the policies and the receivables are read through 信保易's use case
(``policies.usecases.enterprise_facts``) and handed to ``loans.usecases`` as plain facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from wechatpy.messages import BaseMessage

from core.conversation import End, Flow, Goto, Stay, Step, Transition, reading_text
from core.replies import Article, News, Reply
from handlers.context import Ctx, Handler
from loans import usecases as loans
from loans.usecases import Applicant, ReferralRefused
from policies.numbers import CURRENCY_NAMES
from policies.usecases import EnterpriseFacts, enterprise_facts

AGREE = ("同意", "我同意", "同意转介", "同意提交", "确认", "确定", "好", "好的", "可以", "是",
         "yes", "ok", "agree")
DISAGREE = ("不同意", "不", "否", "不要", "不用", "不用了", "拒绝", "不同意转介", "no",
            "disagree")


def money(value: Decimal) -> str:
    return f"{Decimal(value):,.2f}"


def percent(ratio: Decimal) -> str:
    return f"{(Decimal(ratio) * 100).normalize():f}%"


def currency_name(code: str) -> str:
    return f"{CURRENCY_NAMES[code]}（{code}）" if code in CURRENCY_NAMES else code


WORDS: dict[str, Any] = {"money": money, "percent": percent, "currency_name": currency_name,
                         "status_name": loans.status_name}


def standing(ctx: Ctx) -> EnterpriseFacts:
    return enterprise_facts(ctx.db, ctx.follower.id, ctx.now.date())


def eligibility_url(ctx: Ctx) -> str:
    """The eligibility test's page, unsigned: the same words for everyone (a follower who opens
    it signs in through WeChat and lands there)."""
    return ctx.settings.public_url + "/h5/eligibility"


def _say(ctx: Ctx, template: str, **data: Any) -> str:
    return ctx.render(template, eligibility_url=eligibility_url(ctx), **WORDS, **data)


def card(ctx: Ctx) -> News:
    return News(Article(title="保单融资 · 信保贷：条件、参考额度与银行转介",
                        description=ctx.render("loans/card.j2"),
                        url=ctx.page_url("/h5/loans")))


def info(msg: BaseMessage, ctx: Ctx) -> Reply:
    """信保贷, 保单融资是什么, the menu: the source's words and where the follower stands; the
    card to the H5 page follows as a customer-service message."""
    found = loans.eligibility(standing(ctx))
    ctx.send_later(card(ctx))
    return ctx.text("loans/info.j2", found=found, eligibility_url=eligibility_url(ctx))


def eligibility(msg: BaseMessage, ctx: Ctx) -> Reply:
    return ctx.text("loans/eligibility.j2", found=loans.eligibility(standing(ctx)),
                    eligibility_url=eligibility_url(ctx))


def estimate(msg: BaseMessage, ctx: Ctx) -> Reply:
    facts = standing(ctx)
    found = loans.eligibility(facts)
    if not found.eligible:
        return ctx.text("loans/refused.j2", code="not_eligible", found=found,
                        eligibility_url=eligibility_url(ctx))
    return ctx.text("loans/estimate.j2", estimate=loans.estimate(ctx.uow, facts), **WORDS)


def mine(msg: BaseMessage, ctx: Ctx) -> Reply:
    facts = standing(ctx)
    if not facts.bound or facts.enterprise_id is None:
        return ctx.text("loans/refused.j2", code="not_eligible",
                        found=loans.eligibility(facts),
                        eligibility_url=eligibility_url(ctx))
    return ctx.text("loans/mine.j2", rows=loans.referrals_of(ctx.db, facts.enterprise_id),
                    **WORDS)


# --- the referral ---------------------------------------------------------------------------------

class ReferState(StrEnum):
    BANK = "bank"
    CONSENT = "consent"


@dataclass
class ReferDraft:
    bank_code: str = ""


def _banks(ctx: Ctx) -> list[loans.Bank]:
    return loans.banks(ctx.settings.section("loans"))


def _prompt_bank(ctx: Ctx, draft: ReferDraft) -> str:
    return ctx.render("loans/bank_prompt.j2", banks=_banks(ctx))


def _pick_bank(answer: str, ctx: Ctx, draft: ReferDraft) -> Transition:
    choices = _banks(ctx)
    word = answer.strip().rstrip("。.")
    picked = next((bank for number, bank in enumerate(choices, 1)
                   if word in (str(number), bank.code, bank.name, bank.name.removeprefix("中国"),
                               bank.product)), None)
    if picked is None:
        return Stay(ctx.render("loans/bank_hint.j2", count=len(choices)))
    draft.bank_code = picked.code
    return Goto(ReferState.CONSENT)


def _prompt_consent(ctx: Ctx, draft: ReferDraft) -> str:
    return ctx.render("loans/consent_prompt.j2",
                      bank=loans.bank(ctx.settings.section("loans"), draft.bank_code),
                      shared=loans.SHARED_DATA)


def _consent(answer: str, ctx: Ctx, draft: ReferDraft) -> Transition:
    word = answer.strip().rstrip("。.!！").casefold()
    if word in DISAGREE:
        return End(ctx.render("loans/declined.j2"))
    if word not in AGREE:
        return Stay(ctx.render("loans/consent_hint.j2"))
    facts = standing(ctx)
    applicant = Applicant(follower_id=ctx.follower.id, openid=ctx.openid, channel="wechat")
    try:
        referred = loans.refer(ctx.uow, applicant, facts, draft.bank_code, consent=True)
    except ReferralRefused as refused:
        return End(_say(ctx, "loans/refused.j2", code=refused.code,
                        found=loans.eligibility(facts)))
    return End(ctx.render("loans/referred.j2", r=referred.referral, created=referred.created,
                          **WORDS))


REFER_FLOW: Flow[Ctx, ReferDraft] = Flow(
    name="loan_referral", title="融资转介", first=ReferState.BANK, draft=ReferDraft,
    form=False,
    steps={
        ReferState.BANK: Step(_prompt_bank, reading_text(_pick_bank), label="银行序号"),
        ReferState.CONSENT: Step(_prompt_consent, reading_text(_consent), label="是否同意"),
    },
)


def apply(msg: BaseMessage, ctx: Ctx) -> Reply:
    """申请融资: only an eligible follower is asked for a bank; the others hear what is missing."""
    found = loans.eligibility(standing(ctx))
    if not found.eligible:
        return ctx.text("loans/refused.j2", code="not_eligible", found=found,
                        eligibility_url=eligibility_url(ctx))
    return ctx.start(REFER_FLOW)


HANDLERS: dict[str, Handler] = {
    "loans.info": info,
    "loans.eligibility": eligibility,
    "loans.estimate": estimate,
    "loans.apply": apply,
    "loans.mine": mine,
}
FLOWS = [REFER_FLOW]
