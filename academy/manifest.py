"""小微学院: lessons, cases, the country library, the toolbox, expert questions, risk alerts."""

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from core.countries import country_names
from core.features import Feature, NavEntry
from core.intents import Intent

ACADEMY_EDIT = "academy.edit"

HOME = Intent(
    "academy.home", title="小微学院", slot="lesson", menu_keys=("ACADEMY",),
    words=("学院", "课程", "小微学院", "学习", "学堂", "上课", "学院课程", "课程列表", "有什么课",
           "有哪些课", "小微学院有什么课", "小微学院有哪些课", "academy", "信保学院",
           "學院", "課程", "小微學院", "學習", "小微學院有什麼課"),
    commands=("学习", "课程", "學習", "課程"),
    patterns=(r"(?:小微)?学院(?:里|都)?(?:有|开)?(?:什么|哪些)(?:课|课程)(?:呢|吗)?",),
    examples={"小微学院有什么课": None, "小微学院有什么课？": None, "我想学习": None,
              "学院里有哪些课程": None, "学习 信用期限": "信用期限", "课程 拒赔": "拒赔"},
)
BASICS = Intent(
    "academy.basics", title="必修课",
    words=("必修课", "必修", "必修课程", "外贸基础", "外贸基础知识", "基础课", "基础知识",
           "外贸入门", "入门课", "必修課", "外貿基礎"),
    patterns=(r"(?:我要|我想|想)?(?:上|看|学)?必修课?程?(?:有哪些|有什么|都有什么|列表|目录)?"
              r"(?:呢|吗)?",),
    examples={"必修课有哪些": None, "我要上必修课": None, "看看必修课": None},
)
RESUME = Intent(
    "academy.resume", title="继续学习",
    words=("继续学习", "接着学", "接着学习", "下一课", "继续上课", "继续听课", "繼續學習",
           "下一課"),
    examples={"我要继续学习": None},
)
PROGRESS = Intent(
    "academy.progress", title="我的学习",
    words=("我的学习", "学习进度", "学习记录", "我的成绩", "测验成绩", "我的课程", "学习情况",
           "我的學習", "學習進度", "我的成績"),
    examples={"看看我的学习进度": None},
)
MASTER = Intent(
    "academy.master", title="大师课（问专家）", slot="question",
    words=("大师课", "问专家", "专家咨询", "咨询专家", "请教专家", "向专家提问", "专家答疑",
           "专家", "提问", "大師課", "問專家", "專家"),
    commands=("问专家", "大师课", "请教专家", "专家咨询", "咨询专家", "向专家提问", "問專家",
              "大師課"),
    examples={"问专家 买方拖了三个月不付款，现在该怎么做": "买方拖了三个月不付款,现在该怎么做",
              "我想问专家": None, "大师课怎么用": None},
)
CASES = Intent(
    "academy.cases", title="信保说案", menu_keys=("ACADEMY_CASES",),
    words=("信保说案", "说案", "案例", "理赔案例", "出险案例", "看案例", "案例分析", "风险案例",
           "典型案例", "信保說案", "理賠案例"),
    patterns=(r"(?:有没有|有什么|有哪些|看看|想看|给我看看)(?:理赔|出险|真实|典型|风险)?案例"
              r"(?:吗|呢|分析)?",),
    examples={"有没有理赔案例": None, "看看信保说案": None},
)


def _chinese_country_names() -> str:
    """Every Chinese name of a country we know, longest first, as a regex alternation."""
    names = (name for name in country_names() if "\u4e00" <= name[0] <= "\u9fff")
    return "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))


# "俄罗斯现在风险大吗", "出口到巴西安全吗", "伊朗局势怎么样": a country we know by name,
# then how risky or stable it is. Only real country names: "信保易的风险" is about the policy.
_COUNTRY_RISK = (
    r"(?:出口到|出口|发货到|发到|卖到|做)?(?P<country>" + _chinese_country_names() + r")"
    r"(?:现在|目前|最近|近期|今年|这边|那边|的)*(?:市场|政治|经济|收汇|付款)?的?"
    r"(?:风险|局势|形势|情况|安全|稳定)"
    r"(?:怎么样|怎麼樣|如何|大吗|大不大|高吗|高不高|严重吗|吗|嗎|呢|怎样)?"
)

COUNTRIES = Intent(
    "academy.countries", title="国别图书馆", slot="country", menu_keys=("ACADEMY_COUNTRIES",),
    words=("国别图书馆", "国别风险", "国家风险", "国别报告", "国别", "国家风险报告",
           "国家风险分析报告", "国别库", "country risk", "country", "國別", "國別圖書館",
           "國家風險", "國別風險"),
    commands=("国别", "国别风险", "国家风险", "国别图书馆", "country", "国别查询", "查国家",
              "國別", "國家風險", "國別風險"),
    patterns=(r"(?P<country>[^\s，,。？?]{1,20}?)的?(?:国别|国家|國別|國家)(?:风险|風險)"
              r"(?:评级|等级|报告|評級)?"
              r"(?:怎么样|怎麼樣|如何|高吗|高嗎|大吗|大嗎|是多少)?",
              r"(?P<country>[A-Za-z][A-Za-z .'-]{1,40}?)\s+country risk",
              _COUNTRY_RISK),
    examples={"国别 德国": "德国", "country germany": "germany", "国别：越南": "越南",
              "德国的国家风险怎么样": "德国", "国家风险 Brazil": "Brazil",
              "germany country risk": "germany", "國別 德國": "德國",
              "德國的國家風險怎麼樣": "德國", "俄罗斯现在风险大吗": "俄罗斯",
              "出口到巴西安全吗": "巴西", "越南的风险怎么样": "越南", "伊朗局势怎么样": "伊朗",
              "美国市场风险大不大": "美国"},
)
TOOLBOX = Intent(
    "academy.toolbox", title="小微工具箱",
    words=("小微工具箱", "工具箱", "外贸工具", "工具", "小工具", "计算器", "toolbox"),
    examples={"工具箱怎么用": None, "小微工具箱": None},
)
WORKDAYS = Intent(
    "academy.workdays", title="工作日计算", slot="query",
    words=("算工作日", "工作日", "工作日计算", "计算工作日", "工作日计算器", "工作日計算",
           "計算工作日"),
    commands=("算工作日", "工作日", "计算工作日", "工作日计算", "計算工作日"),
    patterns=(r"(?P<query>.{0,30}?[\d一二两三四五六七八九十百]+\s*个?工作日.{0,20})",),
    examples={"算工作日 2026-09-25 30": "2026-09-25 30",
              "9月25日后30个工作日是哪天": "9月25日后30个工作日是哪天",
              "工作日 今天 10": "今天 10"},
)
DUE_DATE = Intent(
    "academy.due_date", title="到期日计算", slot="query",
    words=("到期日", "算到期日", "计算到期日", "到期日计算", "收汇日", "应收汇日", "付款到期日",
           "账期计算", "账期到期日", "計算到期日"),
    commands=("到期日", "算到期日", "计算到期日", "账期", "付款到期日", "賬期", "計算到期日"),
    patterns=(r"(?P<query>.{0,30}?(?:出运|发货|装运|出货|提单).{0,20}?\d+\s*天.{0,20})",),
    examples={"到期日 2026-03-01 90": "2026-03-01 90",
              "3月1日出运，账期90天，哪天到期": "3月1日出运,账期90天,哪天到期",
              "账期 2026/5/20 60天": "2026/5/20 60天"},
)
PAYMENT = Intent(
    "academy.payment_methods", title="支付方式", slot="method",
    words=("支付方式", "付款方式", "结算方式", "收款方式", "D/P", "DP", "D/A", "DA", "OA", "L/C",
           "LC", "信用证", "付款交单", "承兑交单", "赊销", "赊账", "托收", "結算方式", "信用證",
           "付款交單", "承兌交單", "賒銷", "賒賬"),
    commands=("支付方式", "付款方式", "结算方式", "結算方式"),
    examples={"支付方式 DA": "DA", "什么是信用证": "信用证", "D/P是什么意思": "D/P",
              "dp是什么意思": "dp"},
    patterns=(r"(?:什么是|什麼是)?(?P<method>D/P|D/A|DP|DA|OA|L/C|LC|信用证|付款交单|承兑交单"
              r"|赊销|赊账|信用證|付款交單|承兌交單|賒銷)"
              r"(?:是什么|是什么意思|什么意思|有什么风险|风险大吗)?",),
)
INCOTERMS = Intent(
    "academy.incoterms", title="贸易术语（Incoterms 2020）", slot="term",
    words=("贸易术语", "国际贸易术语", "incoterms", "incoterms 2020", "价格术语", "EXW", "FCA",
           "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF", "貿易術語"),
    commands=("贸易术语", "incoterms", "术语", "術語", "貿易術語"),
    patterns=(r"(?:什么是)?(?P<term>EXW|FCA|CPT|CIP|DAP|DPU|DDP|FAS|FOB|CFR|CIF)"
              r"(?:是什么|是什么意思|什么意思|风险在哪转移|谁负责运费)?",),
    examples={"术语 FOB": "FOB", "FOB是什么意思": "FOB", "贸易术语": None},
)
ALERTS = Intent(
    "academy.alerts", title="风险预警",
    words=("风险预警", "预警", "预警订阅", "我的预警", "我的订阅", "预警信息", "国别预警",
           "订阅了哪些", "風險預警", "預警", "我的訂閱"),
    examples={"我的订阅": None, "风险预警怎么用": None},
)
SUBSCRIBE = Intent(
    "academy.subscribe", title="订阅预警", slot="countries",
    words=("订阅预警", "订阅", "訂閱預警", "訂閱"),
    commands=("订阅预警", "订阅", "关注国家", "订阅国家", "訂閱預警", "訂閱"),
    examples={"订阅预警 德国": "德国", "订阅预警 德国 美国": "德国 美国",
              "订阅德国的风险预警": "德国的风险预警", "订阅 Vietnam": "Vietnam",
              "訂閱預警 德國": "德國"},
)
UNSUBSCRIBE = Intent(
    "academy.unsubscribe", title="退订预警", slot="countries",
    words=("退订", "退订预警", "取消订阅", "取消预警", "取消预警订阅", "退訂", "退訂預警",
           "取消訂閱"),
    commands=("退订预警", "退订", "取消订阅", "取消预警订阅", "取消预警", "退訂預警", "退訂",
              "取消訂閱"),
    examples={"退订预警 德国": "德国", "取消订阅 全部": "全部"},
)

INTENTS = (HOME, BASICS, RESUME, PROGRESS, MASTER, CASES, COUNTRIES, TOOLBOX, WORKDAYS, DUE_DATE,
           PAYMENT, INCOTERMS, ALERTS, SUBSCRIBE, UNSUBSCRIBE)


def check_settings(section: Mapping[str, Any]) -> Iterator[str]:
    """config.toml's [academy] table; each problem names the key."""
    numbers = {"alert_sends_per_second": (0.1, 1000.0), "alert_batch_size": (1, 5000),
               "alert_lease_seconds": (30, 86400)}
    for name, (least, most) in numbers.items():
        value = section.get(name, least)
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
                least <= value <= most):
            yield f"{name} must be a number from {least} to {most}, got {value!r}"
    url = str(section.get("country_report_url", "") or "")
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        yield f"country_report_url must be an http(s) address, got {url!r}"
    for name in ("alert_template_id", "content_dir"):
        if not isinstance(section.get(name, ""), str):
            yield f"{name} must be text"


FEATURE = Feature(
    name="academy",
    title="小微学院",
    intents=INTENTS,
    chat=("handlers.academy",),
    models=("academy.models",),
    api=("api.academy",),
    pages=("web.academy:bp", "web.academy:staff_bp"),
    staff_nav=(NavEntry("小微学院", "academy_staff.staff_home", ACADEMY_EDIT),),
    access={ACADEMY_EDIT: ("academy_editor",)},
    settings="academy",
    validate_settings=check_settings,
    cli=("xinbao_cli.academy",),
    migrations="academy",
    # The content is read and checked once per process: broken content stops the start.
    start=("academy.content:check_at_start",),
)
