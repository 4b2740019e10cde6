"""保单融资 / 信保贷: explained from the source document, who may apply, an indicative amount,
and a tracked referral to a partner bank (its status reported back by a signed callback)."""

from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from core.features import Feature, NavEntry
from core.intents import Intent

LOANS_READ = "loans.read"  # staff: referrals and their status reports

INFO = Intent(
    "loans.info", title="信保贷与保单融资", menu_keys=("LOANS",),
    words=("信保贷", "保单融资", "贷款", "融资", "信保贷款", "保单贷款", "出口融资", "信保融资",
           "保单融资是什么", "信保贷是什么", "什么是信保贷", "什么是保单融资", "融资贷款",
           "信保貸", "保單融資", "貸款", "policy financing", "loan", "loans"),
    patterns=(r".{0,6}(?:信保贷|保单融资).{0,3}(?:介绍|是什么|怎么样|详情|简介|怎么办|怎么贷"
              r"|如何申请|怎么申请|在哪申请|去哪申请).{0,4}",
              r".{0,4}(?:介绍|讲讲|说说|了解)(?:一下|下)?(?:信保贷|保单融资).{0,4}",
              r".{0,6}(?:想|要|需要)(?:申请)?(?:一笔|点)?(?:贷款|融资).{0,4}"),
    examples={"信保贷怎么申请": None, "我想要贷款": None, "保单融资是什么": None,
              "保单融资是什么？": None, "介绍一下信保贷": None, "我们公司想贷款": None},
)
ELIGIBILITY = Intent(
    "loans.eligibility", title="能否申请信保贷",
    words=("能申请信保贷吗", "能贷款吗", "能不能贷款", "可以贷款吗", "融资条件", "贷款条件",
           "信保贷条件", "申请条件", "能融资吗", "我能贷款吗", "我能申请信保贷吗"),
    examples={"我们能申请信保贷吗？": None},
    patterns=(r".{0,8}(?:能|可以|可否|能否)(?:不能)?(?:申请|办理)?(?:信保贷|贷款|融资)(?:吗|么|嘛)?"
              r".{0,6}",),
    priority=2,
)
ESTIMATE = Intent(
    "loans.estimate", title="融资额度测算",
    words=("融资额度", "贷款额度", "能贷多少", "可融资额度", "额度测算", "融资测算", "测算额度",
           "信保贷额度", "能融资多少", "可以贷多少", "融資額度"),
    examples={"我能贷多少？": None, "测算一下融资额度": None},
    patterns=(r".{0,8}(?:能|可以)(?:贷|融资|融)多少.{0,6}",
              r".{0,6}(?:测算|估算|算算|算一下|估一下)(?:一下|下)?(?:我的|我们的)?"
              r"(?:融资|贷款|信保贷)?额度.{0,4}"),
    priority=2,
)
APPLY = Intent(
    "loans.apply", title="申请融资（转介合作银行）",
    words=("申请融资", "申请信保贷", "申请贷款", "我要融资", "我要贷款", "融资申请", "贷款申请",
           "转介银行", "推荐银行", "对接银行", "办理信保贷", "申請融資", "apply loan"),
    examples={"我要申请信保贷": None, "帮我对接银行": None},
)
MINE = Intent(
    "loans.mine", title="我的融资",
    words=("我的融资", "融资进度", "融资记录", "我的贷款", "贷款进度", "信保贷进度", "转介进度",
           "融资状态", "我的融資", "my loans"),
    examples={"查一下我的融资": None},
    patterns=(r"(?:查|查询|看|看看)(?:一下|下)?(?:我的|我们的)(?:融资|贷款|信保贷)"
              r"(?:进度|记录|状态|情况)?",
              r"(?:查|查询|看|看看)(?:一下|下)?(?:融资|贷款|信保贷)(?:进度|记录|状态|情况)"),
)


def check_settings(section: Mapping[str, Any]) -> Iterator[str]:
    """config.toml's [loans] table; each problem names its key."""
    try:
        ratio = Decimal(str(section.get("financing_ratio", "0.8")))
    except InvalidOperation:
        ratio = Decimal(-1)
    if not (Decimal(0) < ratio <= Decimal(1)):
        yield (f"financing_ratio must be a number above 0 and at most 1 (the share of insured "
               f"receivables an estimate shows), got {section.get('financing_ratio')!r}")
    tolerance = section.get("callback_tolerance_seconds", 300)
    if not isinstance(tolerance, int) or isinstance(tolerance, bool) or not 30 <= tolerance <= 3600:
        yield f"callback_tolerance_seconds must be whole seconds, 30 to 3600, got {tolerance!r}"
    banks = section.get("banks", {})
    if not isinstance(banks, dict) or not banks:
        yield "banks: name at least one partner bank ([loans.banks.<code>] with name = \"…\")"
        return
    for code, table in banks.items():
        if not isinstance(table, dict) or not str(table.get("name", "")).strip():
            yield f"banks.{code}.name is missing: the bank's name as followers see it"


FEATURE = Feature(
    name="loans",
    title="信保贷与保单融资",
    intents=(INFO, ELIGIBILITY, ESTIMATE, APPLY, MINE),
    chat=("handlers.loans",),
    models=("loans.models",),
    api=("api.loans",),
    pages=("web.loans:bp", "web.loans:staff"),
    staff_nav=(NavEntry("融资转介", "loans_staff.referrals", LOANS_READ),),
    stats=("loans.stats:referral_funnel",),
    access={LOANS_READ: ("operator", "claims_reviewer")},
    settings="loans",
    validate_settings=check_settings,
    migrations="loans",
)
