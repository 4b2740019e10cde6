"""The router built from the services' intents: words, commands with an argument, patterns,
the reserved words of other services, and the start-up self-check that refuses ambiguity."""

from __future__ import annotations

import pytest

from core import features as features_module
from core.features import Feature, features
from core.intents import AmbiguousIntents, Intent, IntentRouter
from handlers import build_router

LOOK_UP = Intent("lights.look_up", words=("查询",), commands=("查询", "红绿灯"), slot="buyer")
CLAIMS = Intent("claims.file", words=("理赔", "索赔"))
BRANCHES = Intent("branches.find", slot="place",
                  patterns=(r"(?P<place>.{0,12}?(?:网点|分公司).{0,12})",))


@pytest.fixture(scope="module")
def router() -> IntentRouter:
    return build_router(features())


# (what the follower types, the intent, the argument)
SENTENCES = [
    ("查询 Weitzel Neureuther", "lights.look_up", "Weitzel Neureuther"),
    ("查询GmbH", "lights.look_up", "GmbH"),
    ("红绿灯：山田電気", "lights.look_up", "山田電気"),
    ("查询 Finance Leasing AG", "lights.look_up", "Finance Leasing AG"),  # not 融资
    ("查询 学研ホールディングス", "lights.look_up", "学研ホールディングス"),
    ("查询", "lights.look_up", None),
    ("查询一下", "lights.look_up", None),
    ("我的查询", "lights.my_lookups", None),
    ("我的查询。", "lights.my_lookups", None),
    ("理赔", "claims.report", None),
    ("我要理赔！", "claims.report", None),
    ("查询理赔进度", "claims.progress", None),
    ("查询保单", "policies.mine", None),
    ("我的保单", "policies.mine", None),
    ("能投保吗", "policies.eligibility", None),
    ("续保", "policies.renewal", None),
    ("申报出运", "policies.shipment", None),
    ("绑定企业", "policies.bind", None),
    ("解绑", "policies.unbind", None),
    ("关闭续转提醒", "policies.mute", "续转"),
    ("我想要贷款", "loans.info", None),
    ("信保贷怎么申请", "loans.info", None),
    ("保单融资是什么", "loans.info", None),
    ("申请融资", "loans.apply", None),
    ("我的融资", "loans.mine", None),
    ("网点 宁波", "branches.find", "网点 宁波"),
    ("完善资料", "followers.profile", None),
    ("取消", "conversation.cancel", None),
    ("？", "conversation.help", None),
    ("继续填写", "conversation.resume", None),
]


@pytest.mark.parametrize(("text", "intent", "argument"), SENTENCES, ids=[s[0] for s in SENTENCES])
def test_sentences_reach_their_intent(router, text, intent, argument):
    understood = router.understand(text)
    assert understood is not None, text
    assert (understood.intent.name, understood.argument) == (intent, argument)


@pytest.mark.parametrize("text", ["ACME GmbH", "浙江 宁波", "2", "美国、德国", "谢谢"])
def test_answers_and_names_are_not_intents(router, text):
    assert router.understand(text) is None


def test_every_declared_word_and_example_reaches_its_own_intent(router):
    assert router.check() == []


def test_menu_keys_map_to_intents(router):
    assert router.for_menu("LIGHT_LOOKUP").intent.name == "lights.look_up"
    assert router.for_menu("NO_SUCH_KEY") is None


def test_two_services_declaring_one_word_refuse_to_build():
    with pytest.raises(AmbiguousIntents, match="理赔"):
        IntentRouter([CLAIMS, Intent("loans.apply", words=("贷款", "理赔"))])


def test_an_example_that_reaches_another_intent_is_reported():
    greedy = Intent("loans.apply", words=("贷款",), examples={"查询贷款进度": None,
                                                             "理赔": None})
    problems = IntentRouter([LOOK_UP, CLAIMS, greedy]).check()
    assert any("「理赔」 is declared by loans.apply but reaches claims.file" in p
               for p in problems)
    assert not any("查询贷款进度" in p for p in problems)  # the command yields to 贷款


def test_a_wrong_argument_in_an_example_is_reported():
    declared = Intent("lights.look_up", commands=("查询",), slot="buyer",
                      examples={"查询 ACME GmbH": "ACME"})
    assert "carries the argument 'ACME GmbH', not 'ACME'" in IntentRouter([declared]).check()[0]


def test_a_pattern_argument_and_the_reserved_words(router):
    plain = IntentRouter([LOOK_UP, CLAIMS, BRANCHES])
    assert plain.understand("查询宁波网点").intent is BRANCHES
    assert plain.reserved_words >= {"查询", "理赔", "索赔", "红绿灯"}


def test_the_app_refuses_to_start_on_an_ambiguous_declaration(base_config, monkeypatch):
    from app import create_app

    clash = Feature(name="clash", title="冲突", intents=(
        Intent("clash.words", title="冲突", words=("理赔",)),))
    monkeypatch.setattr(features_module, "features", lambda: (*features(), clash))
    import app as app_module

    monkeypatch.setattr(app_module, "features", features_module.features)
    with pytest.raises(AmbiguousIntents, match="「理赔」 is declared by claims.report and clash"):
        create_app(base_config)
