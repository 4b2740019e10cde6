"""信保易 eligibility: the 2011 SME classification at every industry's boundaries (read from
the data file, so each of the 16 rows is tested on its own numbers), the four tests and the
one that decides, and the same use case through the chat, the API and the page."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from sqlalchemy import select

from policies.eligibility import (
    Answers,
    MissingMetric,
    Size,
    UnknownIndustry,
    assess,
    classify_size,
    find_industry,
    industries,
    source,
)
from policies.eligibility import (
    Test as Criterion,
)
from policies.models import EligibilityCheck
from policies.numbers import InputProblem, parse_amount

from helpers import follower_token

INDUSTRIES = industries()
ONE_LESS = {"employees": Decimal(1), "revenue": Decimal("0.01"), "assets": Decimal("0.01")}


def test_the_table_has_the_16_industries_of_the_2011_rules_and_cites_them():
    assert len(INDUSTRIES) == 16
    assert [i.name for i in INDUSTRIES][:4] == ["农、林、牧、渔业", "工业", "建筑业", "批发业"]
    assert INDUSTRIES[-1].name == "其他未列明行业"
    assert "工信部联企业〔2011〕300号" in source()


def figures(industry, size: Size, minus: str | None = None) -> dict[str, Decimal]:
    """Exactly the lower bounds of ``size`` (one of them one unit below with ``minus``)."""
    values = dict(industry.bounds[size])
    if minus:
        values[minus] -= ONE_LESS[minus]
    return values


def classify(industry, values: dict[str, Decimal]):
    return classify_size(industry.id, employees=int(values["employees"])
                         if "employees" in values else None,
                         revenue=values.get("revenue"), assets=values.get("assets"))


@pytest.mark.parametrize("industry", INDUSTRIES, ids=[i.id for i in INDUSTRIES])
def test_every_lower_bound_met_gives_that_size(industry):
    for size in (Size.LARGE, Size.MEDIUM, Size.SMALL):
        assert classify(industry, figures(industry, size)).size == size, size


@pytest.mark.parametrize("industry", INDUSTRIES, ids=[i.id for i in INDUSTRIES])
def test_one_figure_under_a_bound_drops_a_level(industry):
    below = {Size.LARGE: Size.MEDIUM, Size.MEDIUM: Size.SMALL, Size.SMALL: Size.MICRO}
    for size, dropped in below.items():
        for metric in industry.metrics:
            got = classify(industry, figures(industry, size, minus=metric))
            assert got.size == dropped, (size, metric, got)


@pytest.mark.parametrize("industry", INDUSTRIES, ids=[i.id for i in INDUSTRIES])
def test_micro_needs_only_one_figure_under_the_small_bound(industry):
    for metric in industry.metrics:
        values = figures(industry, Size.LARGE)  # every other figure large
        values[metric] = industry.bounds[Size.SMALL][metric] - ONE_LESS[metric]
        got = classify(industry, values)
        assert got.size == Size.MICRO and got.small_or_micro
        assert any(metric_name in reason for reason in got.because
                   for metric_name in ("从业人员", "营业收入", "资产总额"))


def test_named_boundaries_from_the_document():
    # 工业: 从业人员20人及以上，且营业收入300万元及以上的为小型企业
    assert classify_size("工业", 20, 300).size == Size.SMALL
    assert classify_size("工业", 19, 5000).size == Size.MICRO
    assert classify_size("工业", 300, 2000).size == Size.MEDIUM
    assert classify_size("工业", 1000, 39999).size == Size.MEDIUM  # "或…以下": both for large
    # 批发业 (most trading companies): 5 人且 1000 万元
    assert classify_size("外贸公司", 5, 1000).size == Size.SMALL
    assert classify_size("wholesale", 4, 1000).size == Size.MICRO
    # 房地产开发经营: 营业收入100万元及以上，且资产总额2000万元及以上的为小型企业
    assert classify_size("房地产", revenue=100, assets=2000).size == Size.SMALL
    assert classify_size("房地产", revenue=100, assets=1999).size == Size.MICRO
    # 租赁和商务服务业 uses assets, not revenue
    assert classify_size("租赁和商务服务业", 10, assets=100).size == Size.SMALL


def test_only_the_figures_a_row_uses_are_needed_and_missing_ones_are_named():
    assert classify_size("农业", revenue=49).size == Size.MICRO
    with pytest.raises(MissingMetric) as missing:
        classify_size("建筑业", revenue=500)
    assert missing.value.missing == ["assets"]
    with pytest.raises(UnknownIndustry):
        classify_size("宠物美容", 1, 1)


@pytest.mark.parametrize(("text", "industry"), [
    ("我们是做外贸的贸易公司", "wholesale"), ("服装工厂", "industry"), ("4", "wholesale"),
    ("Trading", "wholesale"), ("跨境电商", "retail"), ("软件开发", "software"),
    ("货代物流", "transport"), ("其他行业", "other"), ("批发业。", "wholesale"),
])
def test_industries_as_people_name_them(text, industry):
    assert find_industry(text).id == industry


def test_any_one_test_qualifies_and_the_first_in_the_documents_order_decides():
    exports = assess(Answers(exports_wan_usd=Decimal(300)))  # inclusive
    assert (exports.eligible, exports.decided_by) == (True, Criterion.EXPORTS)
    assert assess(Answers(exports_wan_usd=Decimal("300.01"))).eligible is None
    both = assess(Answers(exports_wan_usd=Decimal(100), industry="工业", employees=5,
                          revenue_wan=Decimal(100)))
    assert both.decided_by == Criterion.SME
    large = Answers(exports_wan_usd=Decimal(900), industry="工业", employees=2000,
                    revenue_wan=Decimal(90000))
    assert assess(large).missing == ("provincial_document", "association_document")
    large.association_document = True
    assert assess(large).decided_by == Criterion.ASSOCIATION
    large.association_document, large.provincial_document = False, False
    assert assess(large).eligible is False


# --- the chat ------------------------------------------------------------------------------------

WALK = [
    ("能投保吗", "上一年的海关出口额"),
    ("很多", "没有看到数字"),                        # wrong: stays
    ("500万人民币", "请按美元填写"),                  # wrong currency
    ("500万美元", "所属行业"),                        # over 300: test (b) fails, go on
    ("宠物美容", "没有找到「宠物美容」对应的行业"),
    ("帮助", "正在填写「信保易适用企业测试」"),
    ("4", "从业人员有多少人"),                        # 批发业
    ("三十人", "营业收入"),
    ("返回", "从业人员有多少人"),                    # back a step
    ("30人", "营业收入"),
    ("8000万", "省、自治区、直辖市政府文件"),          # 30 人, 8000 万: medium
    ("也许", "请回复「是」「否」或「不清楚」"),
    ("否", "全国性行业协会"),
    ("否", "四项适用条件都不满足"),
]


def test_the_eligibility_walk_with_wrong_answers_back_and_help(wechat, db):
    for typed, expected in WALK:
        reply = wechat.say("o-elig", typed)
        assert expected in reply, f"after {typed!r}: {reply!r}"
    check = db.scalar(select(EligibilityCheck))
    assert (check.eligible, check.size, check.channel) == (False, "medium", "wechat")
    assert check.answers["exports_wan_usd"] == "500"


def test_an_unknown_answer_leaves_it_undecided_and_says_what_is_missing(wechat):
    for typed in ("能投保吗", "900万美元", "工业", "500人", "9000万", "否"):
        wechat.say("o-elig5", typed)
    reply = wechat.say("o-elig5", "不清楚")
    assert "暂时还判断不了" in reply and "是否有全国性行业协会文件认定" in reply


def test_small_exports_decide_at_once_and_name_the_test_and_the_next_step(wechat):
    wechat.say("o-elig2", "我们公司能不能投保")
    reply = wechat.say("o-elig2", "约 280 万美元")
    assert "可以投保" in reply and "300 万美元（含）以下" in reply
    assert "绑定企业" in reply and "https://sol.sinosure.com.cn" in reply


def test_a_question_that_gives_the_exports_is_answered_at_once(wechat, db):
    reply = wechat.say("o-elig6", "去年出口额大概200万美元能投保吗")
    assert "可以投保" in reply and "上年海关出口额 200万美元" in reply
    assert db.scalar(select(EligibilityCheck)).answers["exports_wan_usd"] == "200"


def test_a_question_with_exports_over_the_limit_goes_on_to_the_industry(wechat, db):
    reply = wechat.say("o-elig8", "出口额500万美元能投保信保易吗")
    assert "所属行业" in reply and "500" in reply
    assert "从业人员有多少人" in wechat.say("o-elig8", "批发业")


def test_a_sentence_counting_months_or_naming_a_year_is_no_amount(wechat):
    wechat.say("o-elig7", "能投保吗")
    reply = wechat.say("o-elig7", "客户拖欠货款三个月了怎么办")
    assert "没有看到数字" in reply and "可以投保" not in reply  # not "3 万美元"
    reply = wechat.say("o-elig7", "2025年出口额280万美元")
    assert "可以投保" in reply and "上年海关出口额 280万美元" in reply


@pytest.mark.parametrize(("typed", "value", "currency"), [
    ("2025年出口额200万美元", 2_000_000, "USD"), ("一个亿", 100_000_000, None),
    ("两个亿人民币", 200_000_000, "CNY"), ("50000日元", 50_000, "JPY"),
    ("5000人民币", 5_000, "CNY"), ("3年前出口了50万美元", 500_000, "USD"),
])
def test_amounts_inside_what_people_type(typed, value, currency):
    amount = parse_amount(typed)
    assert (amount.value, amount.currency) == (value, currency)


@pytest.mark.parametrize("typed", ["拖欠三个月", "90天", "30人", "占 30%", "3 months"])
def test_counts_of_time_people_and_shares_are_no_amount(typed):
    with pytest.raises(InputProblem):
        parse_amount(typed)


def test_a_micro_enterprise_is_told_why(wechat):
    for typed in ("是不是小微企业", "不知道", "工厂", "15人"):
        wechat.say("o-elig3", typed)
    reply = wechat.say("o-elig3", "2000万")
    assert "可以投保" in reply and "微型企业" in reply and "从业人员15人（<20人）" in reply


def test_cancel_keeps_the_answers_and_resume_continues(wechat):
    wechat.say("o-elig4", "资格测试")
    wechat.say("o-elig4", "不知道")
    assert "已退出" in wechat.say("o-elig4", "取消")
    resumed = wechat.say("o-elig4", "继续填写")
    assert "所属行业" in resumed
    assert "从业人员" in wechat.say("o-elig4", "零售")


# --- the API -------------------------------------------------------------------------------------

def post(live_server, token, body):
    return requests.post(f"{live_server}/api/v1/eligibility", json=body, timeout=10,
                         headers={"Authorization": f"Bearer {token}"})


def test_the_api_answers_like_the_chat_and_keeps_the_check(services, live_server, db):
    token, who = follower_token(services, "o-elig-api")
    answer = post(live_server, token, {"industry": "批发业", "employees": 4,
                                       "operating_revenue_wan_cny": 6000,
                                       "last_year_exports_usd": 5_000_000})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["eligible"] is True and body["decided_by"] == "sme_classification"
    assert body["classification"]["size"] == "micro"
    assert body["next_step"]["code"] == "insure"
    assert [t["passed"] for t in body["tests"]] == [True, False, None, None]
    assert db.scalar(select(EligibilityCheck.channel)) == "miniprogram"

    undecided = post(live_server, token, {"industry": "建筑业"}).json()
    assert undecided["eligible"] is None and undecided["missing"][:2] == ["exports", "revenue"]


@pytest.mark.parametrize("body", [{"industry": "火星"}, {"employees": -1},
                                  {"last_year_exports_usd": "很多"}, {"provincial_document": 3}])
def test_bad_input_is_a_422_in_the_error_shape(services, live_server, body):
    token, _ = follower_token(services, "o-elig-bad")
    answer = post(live_server, token, body)
    assert answer.status_code == 422
    assert set(answer.json()["error"]) == {"code", "message", "details"}


def test_the_industries_are_public(live_server):
    body = requests.get(f"{live_server}/api/v1/eligibility/industries", timeout=10).json()
    assert len(body["items"]) == 16 and "300号" in body["source"]
    assert body["items"][1]["thresholds"]["small"] == {"employees": 20.0, "revenue": 300.0}
