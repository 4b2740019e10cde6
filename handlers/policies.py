"""小微企业信保易 in the chat: what it is, whether one may buy it, binding the follower to its
enterprise, 我的保单, 保单续转, 出运申报 and its records, 收汇确认, 提醒设置.

```mermaid
stateDiagram-v2
    state "能投保吗 (eligibility, a form)" as E {
        [*] --> EXPORTS
        EXPORTS --> [*]: ≤ 300万美元 (test b)
        EXPORTS --> INDUSTRY: more, or 不知道
        INDUSTRY --> EMPLOYEES/REVENUE/ASSETS: the figures its row uses
        EMPLOYEES/REVENUE/ASSETS --> [*]: small or micro (test a)
        EMPLOYEES/REVENUE/ASSETS --> PROVINCIAL: medium or large
        PROVINCIAL --> [*]: 是 (test c)
        PROVINCIAL --> ASSOCIATION: 否 / 不清楚
        ASSOCIATION --> [*]: 是 (test d), or not eligible
    }
    state "绑定企业 (a form)" as B {
        [*] --> NAME
        NAME --> USCC --> POLICY
        POLICY --> CODE: the three match: a code to the mobile on file
        POLICY --> POLICY: mismatch (hint; attempts counted)
        CODE --> CODE: wrong code (hint), 重新发送
        CODE --> [*]: bound (tagged 已绑定企业)
    }
    state "保单续转 (a form, bound only)" as R {
        [*] --> R_POLICY: several policies
        [*] --> R_EXPORTS
        R_POLICY --> R_EXPORTS --> R_MARKETS --> R_BUYERS --> R_CONFIRM
        R_CONFIRM --> [*]: 确认 (application number)
    }
    state "出运申报 (a form, bound only)" as S {
        [*] --> S_POLICY: several policies in force
        [*] --> S_BUYER
        S_POLICY --> S_BUYER --> S_INVOICE --> S_AMOUNT --> S_DATE --> S_METHOD
        S_METHOD --> S_DAYS --> S_CONFIRM
        S_CONFIRM --> [*]: 确认 (declared, due date)
    }
```

Each step checks what it can at once (a buyer without a limit, an exceeded limit, a method the
policy does not cover, a credit period over a year) and keeps its place with a hint; the use
cases (``policies.*``) check everything again when the form is confirmed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import partial
from typing import Any

from sqlalchemy import select
from wechatpy.messages import BaseMessage

from core.conversation import End, Flow, Goto, Stay, Step, Transition, as_text, reading_text
from core.replies import Reply
from handlers.branches import follower_branch
from handlers.context import Ctx
from identity.links import sign_link
from policies import binding as binding_cases
from policies import eligibility, reminders, renewals, shipments
from policies.access import binding_of
from policies.binding import BindingError, Member
from policies.eligibility import Answers, Test
from policies.models import Binding, CreditLimit, Enterprise, Policy, Shipment
from policies.numbers import (
    CURRENCY_NAMES,
    InputProblem,
    parse_amount,
    parse_count,
    parse_day,
    parse_days,
    plain,
    to_wan,
)
from policies.records import (
    PAYMENT_METHODS,
    effective_status,
    my_policies,
    outstanding_by_limit,
    policies_of,
)
from policies.uscc import UsccProblem, parse_uscc
from policies.usecases import check_eligibility
from wechat.notices import queue_binding_code, queue_tag_sync

YES = ("是", "有", "对", "是的", "有的", "yes", "y", "1", "符合")
NO = ("否", "没有", "不是", "无", "no", "n", "2", "不符合")
UNKNOWN = ("不清楚", "不知道", "不确定", "跳过", "3", "unknown", "不晓得", "skip")
CONFIRM = ("确认", "确定", "1", "好", "好的", "提交", "yes", "ok", "对", "是", "不变",
           "没变", "沿用")


def _step(prompt: Callable[[Any], Callable[[Ctx, Any], str]], state: StrEnum, label: str,
          accept: Callable[[str, Ctx, Any], Transition],
          answers: Callable[[str], bool] | None = None) -> Step[Ctx, Any]:
    """A step of these forms: the prompt of its state, a reading of the words."""
    return Step(prompt(state), reading_text(accept), label=label, answers=answers)


def _words(answer: str) -> str:
    return answer.strip().rstrip("。.!！").casefold()


def _yes_no(answer: str) -> bool | None | str:
    word = _words(answer)
    if word in YES:
        return True
    if word in NO:
        return False
    if word in UNKNOWN:
        return None
    return "?"


def _member(ctx: Ctx) -> Member:
    return Member(follower_id=ctx.follower.id, openid=ctx.openid, channel="wechat")


def _binding(ctx: Ctx) -> Binding | None:
    return binding_of(ctx.db, ctx.follower.id)


def _h5_link(ctx: Ctx, path: str) -> str:
    seconds = int(ctx.settings.section("identity").get("h5_link_seconds", 600))
    return sign_link(ctx.settings.secret_key, ctx.settings.public_url, ctx.openid, path,
                     now=ctx.now, lifetime=timedelta(seconds=seconds))


def _not_bound(ctx: Ctx, asked: str) -> Reply:
    return ctx.text("policies/not_bound.j2", asked=asked)


def _enterprise(ctx: Ctx, binding: Binding) -> Enterprise:
    enterprise = ctx.db.get(Enterprise, binding.enterprise_id)
    assert enterprise is not None
    return enterprise


# --- 信保易: what it is ---------------------------------------------------------------------------

def show_info(msg: BaseMessage, ctx: Ctx) -> Reply:
    return ctx.text("policies/info.j2", bound=_binding(ctx) is not None, **follower_branch(ctx))


# --- eligibility ---------------------------------------------------------------------------------

class EligibilityState(StrEnum):
    EXPORTS = "exports"
    INDUSTRY = "industry"
    EMPLOYEES = "employees"
    REVENUE = "revenue"
    ASSETS = "assets"
    PROVINCIAL = "provincial"
    ASSOCIATION = "association"


@dataclass
class EligibilityDraft:
    exports_wan_usd: str | None = None
    exports_asked: bool = False
    industry: str = ""
    employees: int | None = None
    revenue_wan: str | None = None
    assets_wan: str | None = None
    provincial: bool | None = None
    association: bool | None = None

    def answers(self) -> Answers:
        return Answers(
            exports_wan_usd=Decimal(self.exports_wan_usd) if self.exports_wan_usd else None,
            industry=self.industry or None, employees=self.employees,
            revenue_wan=Decimal(self.revenue_wan) if self.revenue_wan else None,
            assets_wan=Decimal(self.assets_wan) if self.assets_wan else None,
            provincial_document=self.provincial, association_document=self.association)


METRIC_STATES = {"employees": EligibilityState.EMPLOYEES, "revenue": EligibilityState.REVENUE,
                 "assets": EligibilityState.ASSETS}


def _eligibility_hint(ctx: Ctx, code: str, **data: Any) -> Stay:
    return Stay(ctx.render("policies/eligibility_hint.j2", code=code, **data))


def _finish_eligibility(ctx: Ctx, draft: EligibilityDraft) -> Transition:
    answers = draft.answers()
    assessment = check_eligibility(ctx.uow, answers, ctx.follower.id, "wechat")
    return End(ctx.render("policies/eligibility_result.j2", a=assessment, Test=Test,
                          bound=_binding(ctx) is not None, **follower_branch(ctx)))


def _after_sme(ctx: Ctx, draft: EligibilityDraft) -> Transition:
    """The next figure the industry's row uses, or the outcome of test (a)."""
    industry = eligibility.industry_by_id(draft.industry)
    given = {"employees": draft.employees, "revenue": draft.revenue_wan,
             "assets": draft.assets_wan}
    for metric in industry.metrics:
        if given[metric] is None:
            return Goto(METRIC_STATES[metric])
    result = eligibility.assess(draft.answers())
    if result.eligible:
        return _finish_eligibility(ctx, draft)
    classification = result.classification
    return Goto(EligibilityState.PROVINCIAL, ctx.render(
        "policies/eligibility_hint.j2", code="not_small", c=classification))


def _accept_exports(answer: str, ctx: Ctx, draft: EligibilityDraft) -> Transition:
    draft.exports_asked = True
    if _words(answer) in UNKNOWN or _words(answer) in ("没有", "无", "还没出口"):
        draft.exports_wan_usd = None
        return Goto(EligibilityState.INDUSTRY)
    try:
        amount = parse_amount(answer)
    except InputProblem as problem:
        return _eligibility_hint(ctx, "exports_" + problem.code)
    if amount.currency not in (None, "USD"):
        return _eligibility_hint(ctx, "exports_not_usd",
                                 currency=CURRENCY_NAMES.get(amount.currency, amount.currency))
    draft.exports_wan_usd = str(to_wan(amount))
    if to_wan(amount) <= eligibility.EXPORTS_LIMIT_WAN_USD:
        return _finish_eligibility(ctx, draft)
    return Goto(EligibilityState.INDUSTRY, ctx.render("policies/eligibility_hint.j2",
                                                       code="exports_over",
                                                       wan=plain(to_wan(amount))))


def _accept_industry(answer: str, ctx: Ctx, draft: EligibilityDraft) -> Transition:
    try:
        industry = eligibility.find_industry(answer)
    except eligibility.UnknownIndustry:
        return _eligibility_hint(ctx, "industry_unknown", text=answer)
    draft.industry = industry.id
    draft.employees = None
    draft.revenue_wan = draft.assets_wan = None
    return _after_sme(ctx, draft)


def _accept_employees(answer: str, ctx: Ctx, draft: EligibilityDraft) -> Transition:
    try:
        draft.employees = parse_count(answer)
    except InputProblem as problem:
        return _eligibility_hint(ctx, "count_" + problem.code)
    return _after_sme(ctx, draft)


def _money_step(attribute: str) -> Callable[[str, Ctx, EligibilityDraft], Transition]:
    def accept(answer: str, ctx: Ctx, draft: EligibilityDraft) -> Transition:
        try:
            amount = parse_amount(answer)
        except InputProblem as problem:
            return _eligibility_hint(ctx, "money_" + problem.code)
        if amount.currency not in (None, "CNY"):
            return _eligibility_hint(ctx, "money_not_cny")
        setattr(draft, attribute, str(to_wan(amount)))
        return _after_sme(ctx, draft)

    return accept


def _document_step(attribute: str, then: Callable[[Ctx, EligibilityDraft], Transition]
                   ) -> Callable[[str, Ctx, EligibilityDraft], Transition]:
    def accept(answer: str, ctx: Ctx, draft: EligibilityDraft) -> Transition:
        said = _yes_no(answer)
        if said == "?":
            return _eligibility_hint(ctx, "yes_no")
        setattr(draft, attribute, said)
        if said is True:
            return _finish_eligibility(ctx, draft)
        return then(ctx, draft)

    return accept


def _eligibility_prompt(state: EligibilityState) -> Callable[[Ctx, EligibilityDraft], str]:
    def prompt(ctx: Ctx, draft: EligibilityDraft) -> str:
        industry = eligibility.industry_by_id(draft.industry) if draft.industry else None
        return ctx.render("policies/eligibility_prompt.j2", state=state.value,
                          industries=eligibility.industries(), industry=industry)

    return prompt


_estep = partial(_step, _eligibility_prompt)

ELIGIBILITY_FLOW: Flow[Ctx, EligibilityDraft] = Flow(
    name="policy_eligibility", title="信保易适用企业测试", first=EligibilityState.EXPORTS,
    draft=EligibilityDraft,
    steps={
        EligibilityState.EXPORTS: _estep(EligibilityState.EXPORTS, "上年海关出口额",
                                         _accept_exports),
        EligibilityState.INDUSTRY: _estep(EligibilityState.INDUSTRY, "所属行业",
                                          _accept_industry),
        EligibilityState.EMPLOYEES: _estep(EligibilityState.EMPLOYEES, "从业人员",
                                           _accept_employees),
        EligibilityState.REVENUE: _estep(EligibilityState.REVENUE, "营业收入",
                                         _money_step("revenue_wan")),
        EligibilityState.ASSETS: _estep(EligibilityState.ASSETS, "资产总额",
                                        _money_step("assets_wan")),
        EligibilityState.PROVINCIAL: _estep(
            EligibilityState.PROVINCIAL, "省级政府文件",
            _document_step("provincial",
                           lambda ctx, draft: Goto(EligibilityState.ASSOCIATION))),
        EligibilityState.ASSOCIATION: _estep(
            EligibilityState.ASSOCIATION, "全国性行业协会文件",
            _document_step("association", _finish_eligibility)),
    },
)


def start_eligibility(msg: BaseMessage, ctx: Ctx) -> Reply:
    """The test; a sentence that gives last year's exports in US dollars ("去年出口额大概200万
    美元能投保吗") has answered its first question already."""
    text = as_text(ctx.input) or ""
    try:
        in_dollars = parse_amount(text).currency == "USD"
    except InputProblem:
        in_dollars = False
    if not in_dollars:
        return ctx.start(ELIGIBILITY_FLOW)
    draft = EligibilityDraft()
    return ctx.conversations.begin_with(ctx, ELIGIBILITY_FLOW, draft,
                                        _accept_exports(text, ctx, draft))


# --- binding -------------------------------------------------------------------------------------

class BindState(StrEnum):
    NAME = "name"
    USCC = "uscc"
    POLICY = "policy"
    CODE = "code"


@dataclass
class BindDraft:
    name: str = ""
    uscc: str = ""
    policy_number: str = ""
    mobile_masked: str = ""


RESEND = ("重新发送", "重发", "再发一次", "重新获取", "没收到", "resend")


def _binding_hint(ctx: Ctx, error: BindingError) -> str:
    return ctx.render("policies/binding_hint.j2", code=error.code, **error.data,
                      **follower_branch(ctx))


def _send_code(ctx: Ctx, draft: BindDraft) -> Transition:
    try:
        sent = binding_cases.request_code(ctx.uow, _member(ctx), draft.name, draft.uscc,
                                          draft.policy_number)
    except BindingError as error:
        if error.code in ("too_many_attempts", "no_mobile"):
            return End(_binding_hint(ctx, error))
        return Stay(_binding_hint(ctx, error))
    queue_binding_code(ctx.uow, sent, ctx.openid)
    draft.mobile_masked = sent.mobile_masked
    return Goto(BindState.CODE, ctx.render("policies/binding_hint.j2", code="code_sent",
                                           mobile=sent.mobile_masked, minutes=sent.minutes))


def _accept_name(answer: str, ctx: Ctx, draft: BindDraft) -> Transition:
    name = " ".join(answer.split())
    if not 2 <= len(name) <= 120:
        return Stay(ctx.render("policies/binding_hint.j2", code="name_length"))
    draft.name = name
    return Goto(BindState.USCC)


def _accept_uscc(answer: str, ctx: Ctx, draft: BindDraft) -> Transition:
    try:
        draft.uscc = parse_uscc(answer)
    except UsccProblem as problem:
        return Stay(ctx.render("policies/uscc_hint.j2", code=problem.code, **problem.data))
    return Goto(BindState.POLICY)


def _accept_policy(answer: str, ctx: Ctx, draft: BindDraft) -> Transition:
    try:
        draft.policy_number = binding_cases.clean_policy_number(answer)
    except BindingError as error:
        return Stay(_binding_hint(ctx, error))
    return _send_code(ctx, draft)


def _accept_code(answer: str, ctx: Ctx, draft: BindDraft) -> Transition:
    if _words(answer) in RESEND:
        return _send_code(ctx, draft)
    try:
        binding = binding_cases.confirm_code(ctx.uow, _member(ctx), answer)
    except BindingError as error:
        return Stay(_binding_hint(ctx, error))
    queue_tag_sync(ctx.uow, ctx.openid)
    return End(ctx.render("policies/bound.j2", enterprise=_enterprise(ctx, binding)))


def _bind_prompt(state: BindState) -> Callable[[Ctx, BindDraft], str]:
    def prompt(ctx: Ctx, draft: BindDraft) -> str:
        return ctx.render("policies/bind_prompt.j2", state=state.value, draft=draft)

    return prompt


BIND_FLOW: Flow[Ctx, BindDraft] = Flow(
    name="policy_binding", title="绑定企业", first=BindState.NAME, draft=BindDraft,
    steps={
        BindState.NAME: Step(_bind_prompt(BindState.NAME), reading_text(_accept_name),
                             label="企业名称"),
        BindState.USCC: Step(_bind_prompt(BindState.USCC), reading_text(_accept_uscc),
                             label="统一社会信用代码"),
        BindState.POLICY: Step(_bind_prompt(BindState.POLICY), reading_text(_accept_policy),
                               label="保单号"),
        BindState.CODE: Step(_bind_prompt(BindState.CODE), reading_text(_accept_code),
                             label="短信验证码"),
    },
)


def start_binding(msg: BaseMessage, ctx: Ctx) -> Reply:
    binding = _binding(ctx)
    if binding is not None:
        return ctx.text("policies/bound.j2", enterprise=_enterprise(ctx, binding), again=True)
    return ctx.start(BIND_FLOW)


class UnbindState(StrEnum):
    CONFIRM = "confirm"


@dataclass
class UnbindDraft:
    enterprise: str = ""


def _accept_unbind(answer: str, ctx: Ctx, draft: UnbindDraft) -> Transition:
    if _words(answer) not in CONFIRM:
        return End(ctx.render("policies/unbound.j2", kept=True, enterprise=draft.enterprise))
    try:
        binding_cases.unbind(ctx.uow, _member(ctx))
    except BindingError:
        return End(ctx.render("policies/unbound.j2", kept=False, enterprise=""))
    queue_tag_sync(ctx.uow, ctx.openid)
    return End(ctx.render("policies/unbound.j2", kept=False, enterprise=draft.enterprise))


UNBIND_FLOW: Flow[Ctx, UnbindDraft] = Flow(
    name="policy_unbinding", title="解除企业绑定", first=UnbindState.CONFIRM, draft=UnbindDraft,
    form=False, timeout=timedelta(minutes=5),
    steps={UnbindState.CONFIRM: Step(
        lambda ctx, draft: ctx.render("policies/unbind_prompt.j2", enterprise=draft.enterprise),
        reading_text(_accept_unbind), label="确认解绑")},
)


def start_unbinding(msg: BaseMessage, ctx: Ctx) -> Reply:
    binding = _binding(ctx)
    if binding is None:
        return _not_bound(ctx, "unbind")
    return ctx.start(UNBIND_FLOW, UnbindDraft(enterprise=_enterprise(ctx, binding).name))


# --- 我的保单 ------------------------------------------------------------------------------------

def show_policies(msg: BaseMessage, ctx: Ctx) -> Reply:
    binding = _binding(ctx)
    if binding is None:
        return _not_bound(ctx, "policies")
    views = my_policies(ctx.db, binding.enterprise_id, ctx.now.date())
    return ctx.text("policies/mine.j2", policies=views, enterprise=_enterprise(ctx, binding),
                    methods=PAYMENT_METHODS, plain=plain)


# --- renewal ---------------------------------------------------------------------------------

class RenewalState(StrEnum):
    POLICY = "policy"
    EXPORTS = "exports"
    MARKETS = "markets"
    BUYERS = "buyers"
    CONFIRM = "confirm"


@dataclass
class RenewalDraft:
    policy_id: int | None = None
    policies: list[dict[str, Any]] = field(default_factory=list)
    exports_usd: str | None = None
    markets: list[str] = field(default_factory=list)
    buyers: list[str] = field(default_factory=list)
    default_exports_usd: str | None = None
    default_markets: list[str] = field(default_factory=list)
    default_buyers: list[str] = field(default_factory=list)


def _renewal_hint(ctx: Ctx, code: str, **data: Any) -> Stay:
    return Stay(ctx.render("policies/renewal_hint.j2", code=code, **data))


def _fill_defaults(ctx: Ctx, draft: RenewalDraft, policy: Policy) -> None:
    found = renewals.defaults_for(ctx.db, policy, ctx.follower.export_markets)
    draft.policy_id = policy.id
    draft.default_exports_usd = (str(found.expected_exports_usd)
                                 if found.expected_exports_usd is not None else None)
    draft.default_markets, draft.default_buyers = found.main_markets, found.main_buyers


def _pick_number(answer: str, count: int) -> int | None:
    number = answer.strip().rstrip("。.号")
    return int(number) - 1 if number.isdigit() and 1 <= int(number) <= count else None


def _accept_renewal_policy(answer: str, ctx: Ctx, draft: RenewalDraft) -> Transition:
    index = _pick_number(answer, len(draft.policies))
    if index is None:
        return _renewal_hint(ctx, "bad_number", count=len(draft.policies))
    policy = ctx.db.get(Policy, int(draft.policies[index]["id"]))
    binding = _binding(ctx)
    if policy is None or binding is None or policy.enterprise_id != binding.enterprise_id:
        return End(ctx.render("policies/renewal_hint.j2", code="gone"))
    _fill_defaults(ctx, draft, policy)
    return Goto(RenewalState.EXPORTS)


def _keeps(answer: str, default: Any) -> bool:
    return bool(default) and _words(answer) in CONFIRM


def _keep_or_read(name: str, read: Callable[[str], Any], then: RenewalState,
                  hint_prefix: str = "") -> Callable[[str, Ctx, RenewalDraft], Transition]:
    """A renewal answer: 「1」 keeps what was offered (``default_<name>``), else it is read."""

    def accept(answer: str, ctx: Ctx, draft: RenewalDraft) -> Transition:
        offered = getattr(draft, f"default_{name}")
        if _keeps(answer, offered):
            setattr(draft, name, offered if isinstance(offered, str) else list(offered))
            return Goto(then)
        try:
            setattr(draft, name, read(answer))
        except InputProblem as problem:
            return _renewal_hint(ctx, hint_prefix + problem.code, **problem.data)
        return Goto(then)

    return accept


_accept_renewal_exports = _keep_or_read(
    "exports_usd", lambda answer: str(renewals.parse_exports(answer)), RenewalState.MARKETS,
    hint_prefix="exports_")
_accept_renewal_markets = _keep_or_read("markets", renewals.parse_markets,
                                        RenewalState.BUYERS)
_accept_renewal_buyers = _keep_or_read("buyers", renewals.parse_buyers, RenewalState.CONFIRM)


def _accept_renewal_confirm(answer: str, ctx: Ctx, draft: RenewalDraft) -> Transition:
    if _words(answer) in ("修改", "重填", "改"):
        return Goto(RenewalState.EXPORTS)
    if _words(answer) not in CONFIRM:
        return _renewal_hint(ctx, "confirm")
    binding = _binding(ctx)
    policy = ctx.db.get(Policy, draft.policy_id or 0)
    if binding is None or policy is None or policy.enterprise_id != binding.enterprise_id:
        return End(ctx.render("policies/renewal_hint.j2", code="gone"))
    application = renewals.submit(ctx.uow, _member(ctx), binding, policy, renewals.RenewalInput(
        Decimal(draft.exports_usd or "0"), draft.markets, draft.buyers))
    return End(ctx.render("policies/renewal_done.j2", application=application, policy=policy,
                          status=renewals.STATUS_NAMES[renewals.RenewalStatus(
                              application.status)],
                          link=_h5_link(ctx, "/h5/renewal")))


def _renewal_prompt(state: RenewalState) -> Callable[[Ctx, RenewalDraft], str]:
    def prompt(ctx: Ctx, draft: RenewalDraft) -> str:
        return ctx.render("policies/renewal_prompt.j2", state=state.value, draft=draft,
                          exports=Decimal(draft.exports_usd) if draft.exports_usd else None,
                          default_exports=(Decimal(draft.default_exports_usd)
                                           if draft.default_exports_usd else None),
                          market_names=renewals.market_names, plain=plain)

    return prompt


_rstep = partial(_step, _renewal_prompt)

RENEWAL_FLOW: Flow[Ctx, RenewalDraft] = Flow(
    name="policy_renewal", title="保单续转", first=RenewalState.EXPORTS, draft=RenewalDraft,
    steps={
        RenewalState.POLICY: _rstep(RenewalState.POLICY, "保单序号", _accept_renewal_policy),
        RenewalState.EXPORTS: _rstep(RenewalState.EXPORTS, "预计年出口额",
                                     _accept_renewal_exports),
        RenewalState.MARKETS: _rstep(RenewalState.MARKETS, "主要出口市场",
                                     _accept_renewal_markets),
        RenewalState.BUYERS: _rstep(RenewalState.BUYERS, "主要买方", _accept_renewal_buyers),
        RenewalState.CONFIRM: _rstep(RenewalState.CONFIRM, "确认", _accept_renewal_confirm),
    },
)


def start_renewal(msg: BaseMessage, ctx: Ctx) -> Reply:
    binding = _binding(ctx)
    if binding is None:
        return ctx.text("policies/renewal_info.j2", **follower_branch(ctx))
    every = policies_of(ctx.db, binding.enterprise_id)
    if not every:
        return ctx.text("policies/renewal_hint.j2", code="no_policy")
    if len(every) == 1:
        draft = RenewalDraft()
        _fill_defaults(ctx, draft, every[0])
        return ctx.start(RENEWAL_FLOW, draft)
    draft = RenewalDraft(policies=[{"id": p.id, "number": p.number, "ends_on": str(p.ends_on)}
                                   for p in every[:9]])
    return ctx.start(RENEWAL_FLOW, draft, at=RenewalState.POLICY)


def show_renewals(msg: BaseMessage, ctx: Ctx) -> Reply:
    binding = _binding(ctx)
    if binding is None:
        return _not_bound(ctx, "renewals")
    rows = renewals.of_enterprise(ctx.db, binding.enterprise_id)[:10]
    return ctx.text("policies/renewals.j2", rows=rows, names=renewals.STATUS_NAMES,
                    Status=renewals.RenewalStatus)


# --- 出运申报 --------------------------------------------------------------------------------

class ShipmentState(StrEnum):
    POLICY = "policy"
    BUYER = "buyer"
    INVOICE = "invoice"
    AMOUNT = "amount"
    SHIP_DATE = "ship_date"
    METHOD = "method"
    DAYS = "days"
    CONFIRM = "confirm"


@dataclass
class ShipmentDraft:
    policy_id: int | None = None
    policies: list[dict[str, Any]] = field(default_factory=list)
    limits: list[dict[str, Any]] = field(default_factory=list)
    limit_id: int | None = None
    buyer: str = ""
    invoice: str = ""
    amount: str | None = None
    currency: str = ""
    ship_date: str | None = None
    method: str = ""
    credit_days: int | None = None


def _shipment_hint(ctx: Ctx, code: str, **data: Any) -> Stay:
    return Stay(ctx.render("policies/shipment_hint.j2", code=code, **data))


def _problems_text(ctx: Ctx, problems: list[tuple[str, dict[str, object]]]) -> str:
    return "\n".join(ctx.render("policies/shipment_hint.j2", code=code, **data)
                     for code, data in problems)


def _policy_and_limit(ctx: Ctx, draft: ShipmentDraft) -> tuple[Policy, CreditLimit | None]:
    policy = ctx.db.get(Policy, draft.policy_id or 0)
    assert policy is not None
    limit = ctx.db.get(CreditLimit, draft.limit_id or 0) if draft.limit_id else None
    return policy, limit


def _load_limits(ctx: Ctx, draft: ShipmentDraft, policy: Policy) -> None:
    draft.policy_id = policy.id
    limits = shipments.limits_for(ctx.db, policy)
    held = outstanding_by_limit(ctx.db, [limit.id for limit in limits])
    draft.limits = [{"id": limit.id, "name": limit.buyer_name, "currency": limit.currency,
                     "available": plain(max(limit.amount - held.get(limit.id, Decimal(0)),
                                            Decimal(0)))} for limit in limits[:20]]


def _accept_ship_policy(answer: str, ctx: Ctx, draft: ShipmentDraft) -> Transition:
    index = _pick_number(answer, len(draft.policies))
    if index is None:
        return _shipment_hint(ctx, "bad_number", count=len(draft.policies))
    policy = ctx.db.get(Policy, int(draft.policies[index]["id"]))
    binding = _binding(ctx)
    if policy is None or binding is None or policy.enterprise_id != binding.enterprise_id:
        return End(ctx.render("policies/shipment_hint.j2", code="gone"))
    _load_limits(ctx, draft, policy)
    return Goto(ShipmentState.BUYER)


def _accept_buyer(answer: str, ctx: Ctx, draft: ShipmentDraft) -> Transition:
    policy, _ = _policy_and_limit(ctx, draft)
    index = _pick_number(answer, len(draft.limits))
    limit = (ctx.db.get(CreditLimit, int(draft.limits[index]["id"])) if index is not None
             else shipments.find_limit(ctx.db, policy, answer))
    if limit is None or limit.policy_id != policy.id:
        return _shipment_hint(ctx, "no_limit", buyer=answer, policy=policy.number)
    draft.limit_id, draft.buyer, draft.currency = limit.id, limit.buyer_name, limit.currency
    return Goto(ShipmentState.INVOICE)


def _accept_invoice(answer: str, ctx: Ctx, draft: ShipmentDraft) -> Transition:
    try:
        number = shipments.clean_invoice(answer)
    except shipments.ShipmentRefused as refused:
        return Stay(_problems_text(ctx, refused.problems))
    exists = ctx.db.scalar(select(Shipment.id).where(
        Shipment.policy_id == draft.policy_id,
        Shipment.invoice_key == shipments.invoice_key(number)))
    if exists:
        return _shipment_hint(ctx, "invoice_declared", invoice=number)
    draft.invoice = number
    return Goto(ShipmentState.AMOUNT)


def _accept_amount(answer: str, ctx: Ctx, draft: ShipmentDraft) -> Transition:
    policy, limit = _policy_and_limit(ctx, draft)
    assert limit is not None
    try:
        amount = parse_amount(answer)
    except InputProblem as problem:
        return _shipment_hint(ctx, "amount_" + problem.code)
    currency = amount.currency or limit.currency
    if currency != limit.currency:
        return _shipment_hint(ctx, "currency_differs", currency=limit.currency,
                              currency_name=CURRENCY_NAMES.get(limit.currency, limit.currency))
    held = outstanding_by_limit(ctx.db, [limit.id]).get(limit.id, Decimal(0))
    if held + amount.value > limit.amount:
        return _shipment_hint(ctx, "limit_exceeded", limit=plain(limit.amount),
                              held=plain(held), currency=limit.currency,
                              available=plain(max(limit.amount - held, Decimal(0))))
    draft.amount, draft.currency = str(amount.value), currency
    return Goto(ShipmentState.SHIP_DATE)


def _accept_ship_date(answer: str, ctx: Ctx, draft: ShipmentDraft) -> Transition:
    policy, _ = _policy_and_limit(ctx, draft)
    today = ctx.now.date()
    try:
        day = parse_day(answer, today)
    except InputProblem as problem:
        return _shipment_hint(ctx, "date_" + problem.code)
    if day > today:
        return _shipment_hint(ctx, "future_ship_date")
    if not policy.starts_on <= day <= policy.ends_on:
        return _shipment_hint(ctx, "outside_period", starts_on=policy.starts_on,
                              ends_on=policy.ends_on)
    draft.ship_date = day.isoformat()
    return Goto(ShipmentState.METHOD)


def _accept_method(answer: str, ctx: Ctx, draft: ShipmentDraft) -> Transition:
    policy, limit = _policy_and_limit(ctx, draft)
    method = shipments.parse_method(answer)
    covered = list((limit.payment_methods if limit else None) or policy.payment_methods)
    if method is None:
        return _shipment_hint(ctx, "method_unknown", methods=PAYMENT_METHODS)
    if method not in covered:
        return _shipment_hint(ctx, "method_not_covered", method=PAYMENT_METHODS[method],
                              covered="、".join(PAYMENT_METHODS[m] for m in covered))
    draft.method = method
    return Goto(ShipmentState.DAYS)


def _accept_days(answer: str, ctx: Ctx, draft: ShipmentDraft) -> Transition:
    try:
        days = parse_days(answer)
    except InputProblem:
        return _shipment_hint(ctx, "days_not_days")
    data = _input(draft, credit_days=days)
    policy, limit = _policy_and_limit(ctx, draft)
    problems = [p for p in shipments.check(ctx.db, policy, limit, data, ctx.now.date())
                if p[0] in ("credit_over_a_year", "credit_over_terms")]
    if problems:
        return Stay(_problems_text(ctx, problems))
    draft.credit_days = days
    return Goto(ShipmentState.CONFIRM)


def _input(draft: ShipmentDraft, credit_days: int | None = None) -> shipments.ShipmentInput:
    return shipments.ShipmentInput(
        credit_limit_id=draft.limit_id or 0, invoice_number=draft.invoice,
        amount=Decimal(draft.amount or "0"), currency=draft.currency,
        ship_date=date.fromisoformat(draft.ship_date or "1970-01-01"),
        payment_method=draft.method,
        credit_days=credit_days if credit_days is not None else (draft.credit_days or 0))


def _accept_ship_confirm(answer: str, ctx: Ctx, draft: ShipmentDraft) -> Transition:
    if _words(answer) in ("修改", "重填", "改"):
        return Goto(ShipmentState.BUYER)
    if _words(answer) not in CONFIRM:
        return _shipment_hint(ctx, "confirm")
    binding = _binding(ctx)
    policy = ctx.db.get(Policy, draft.policy_id or 0)
    if binding is None or policy is None:
        return End(ctx.render("policies/shipment_hint.j2", code="gone"))
    try:
        shipment = shipments.declare(ctx.uow, _member(ctx), binding, policy, _input(draft),
                                     "wechat")
    except shipments.ShipmentRefused as refused:
        return End(_problems_text(ctx, refused.problems))
    return End(ctx.render("policies/shipment_done.j2", s=shipment, plain=plain,
                          method=PAYMENT_METHODS[shipment.payment_method],
                          link=_h5_link(ctx, "/h5/shipments")))


def _shipment_prompt(state: ShipmentState) -> Callable[[Ctx, ShipmentDraft], str]:
    def prompt(ctx: Ctx, draft: ShipmentDraft) -> str:
        due = None
        if draft.ship_date and draft.credit_days is not None:
            due = shipments.due_date(date.fromisoformat(draft.ship_date), draft.credit_days)
        return ctx.render("policies/shipment_prompt.j2", state=state.value, draft=draft,
                          methods=PAYMENT_METHODS, due=due,
                          amount=plain(Decimal(draft.amount)) if draft.amount else "")

    return prompt


_sstep = partial(_step, _shipment_prompt)

SHIPMENT_FLOW: Flow[Ctx, ShipmentDraft] = Flow(
    name="policy_shipment", title="出运申报", first=ShipmentState.BUYER, draft=ShipmentDraft,
    steps={
        ShipmentState.POLICY: _sstep(ShipmentState.POLICY, "保单序号", _accept_ship_policy),
        ShipmentState.BUYER: _sstep(ShipmentState.BUYER, "买方", _accept_buyer),
        ShipmentState.INVOICE: _sstep(ShipmentState.INVOICE, "发票号", _accept_invoice),
        ShipmentState.AMOUNT: _sstep(ShipmentState.AMOUNT, "金额", _accept_amount),
        ShipmentState.SHIP_DATE: _sstep(ShipmentState.SHIP_DATE, "出运日期",
                                        _accept_ship_date),
        ShipmentState.METHOD: _sstep(ShipmentState.METHOD, "支付方式", _accept_method,
                                     lambda words: shipments.parse_method(words) is not None),
        ShipmentState.DAYS: _sstep(ShipmentState.DAYS, "信用期限", _accept_days),
        ShipmentState.CONFIRM: _sstep(ShipmentState.CONFIRM, "确认", _accept_ship_confirm),
    },
)


def start_shipment(msg: BaseMessage, ctx: Ctx) -> Reply:
    binding = _binding(ctx)
    if binding is None:
        return _not_bound(ctx, "shipment")
    today = ctx.now.date()
    in_force = [p for p in policies_of(ctx.db, binding.enterprise_id)
                if effective_status(p, today) == "in_force"]
    if not in_force:
        return ctx.text("policies/shipment_hint.j2", code="no_policy_in_force")
    if len(in_force) == 1:
        draft = ShipmentDraft()
        _load_limits(ctx, draft, in_force[0])
        if not draft.limits:
            return ctx.text("policies/shipment_hint.j2", code="no_limits",
                            policy=in_force[0].number)
        return ctx.start(SHIPMENT_FLOW, draft)
    draft = ShipmentDraft(policies=[{"id": p.id, "number": p.number} for p in in_force[:9]])
    return ctx.start(SHIPMENT_FLOW, draft, at=ShipmentState.POLICY)


def show_shipments(msg: BaseMessage, ctx: Ctx) -> Reply:
    binding = _binding(ctx)
    if binding is None:
        return _not_bound(ctx, "shipments")
    rows = shipments.of_enterprise(ctx.db, binding.enterprise_id, limit=10)
    return ctx.text("policies/shipments.j2", rows=rows, plain=plain,
                    statuses=shipments.STATUS_NAMES, link=_h5_link(ctx, "/h5/shipments"))


def confirm_collected(msg: BaseMessage, ctx: Ctx) -> Reply:
    binding = _binding(ctx)
    if binding is None:
        return _not_bound(ctx, "shipments")
    if not ctx.argument:
        return ctx.text("policies/shipment_hint.j2", code="collected_how")
    try:
        shipment = shipments.mark_collected(ctx.uow, binding, ctx.argument, ctx.now.date())
    except shipments.ShipmentRefused as refused:
        return ctx.text("policies/shipment_hint.j2", code=refused.problems[0][0],
                        **refused.problems[0][1])
    return ctx.text("policies/shipment_hint.j2", code="collected", s=shipment,
                    amount=plain(shipment.amount))


# --- 提醒设置 --------------------------------------------------------------------------------

def _reminder_settings(ctx: Ctx, changed: str = "", kinds: list[reminders.Kind] | None = None
                       ) -> Reply:
    silent = reminders.muted_kinds(ctx.uow, ctx.follower.id)
    return ctx.text("policies/reminder_settings.j2", kinds=list(reminders.Kind), muted=silent,
                    names=reminders.KIND_NAMES, changed=changed, changed_kinds=kinds or [],
                    bound=_binding(ctx) is not None)


def show_reminder_settings(msg: BaseMessage, ctx: Ctx) -> Reply:
    return _reminder_settings(ctx)


def _set_reminders(mute: bool) -> Callable[[BaseMessage, Ctx], Reply]:
    def handle(msg: BaseMessage, ctx: Ctx) -> Reply:
        kinds = reminders.kinds_named(ctx.argument)
        if not kinds:
            return _reminder_settings(ctx)
        reminders.set_muted(ctx.uow, ctx.follower.id, kinds, mute)
        return _reminder_settings(ctx, "muted" if mute else "unmuted", kinds)

    return handle


HANDLERS = {
    "policies.info": show_info,
    "policies.eligibility": start_eligibility,
    "policies.bind": start_binding,
    "policies.unbind": start_unbinding,
    "policies.mine": show_policies,
    "policies.renewal": start_renewal,
    "policies.renewals": show_renewals,
    "policies.shipment": start_shipment,
    "policies.shipments": show_shipments,
    "policies.collected": confirm_collected,
    "policies.reminders": show_reminder_settings,
    "policies.mute": _set_reminders(True),
    "policies.unmute": _set_reminders(False),
}
FLOWS = [ELIGIBILITY_FLOW, BIND_FLOW, UNBIND_FLOW, RENEWAL_FLOW, SHIPMENT_FLOW]
