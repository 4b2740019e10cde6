"""The rating rules, table-driven: each case is a record, the expected light and the rules
that must fire. No database, no web server: ``lights.rating`` is pure."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lights.rating import RulesError, evaluate, load_rules, parse_rules
from lights.records import BrokenPromise, BuyerRecord, CountryRating, NegativeEvent

TODAY = date(2026, 11, 28)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def promise(days: int, severity: str) -> BrokenPromise:
    return BrokenPromise(ago(days), severity)


def event(days: int, kind: str) -> NegativeEvent:
    return NegativeEvent(ago(days), kind)


CLEAN = BuyerRecord(disclosure=85)

CASES = [
    # (case id, record, expected light, rules that must fire)
    ("clean record", CLEAN, "green", {"good_record"}),
    ("well-known group, little disclosure", BuyerRecord(well_known=True, disclosure=10),
     "green", {"well_known_group"}),
    ("too little disclosure", BuyerRecord(disclosure=40), "yellow", {"low_disclosure"}),
    ("one minor lapse", BuyerRecord(disclosure=90, broken_promises=(promise(400, "minor"),)),
     "yellow", {"past_broken_promise"}),
    ("an old lapse is forgotten", BuyerRecord(disclosure=90,
                                               broken_promises=(promise(2200, "major"),)),
     "green", {"good_record"}),
    ("a lawsuit", BuyerRecord(disclosure=90, negative_events=(event(100, "lawsuit"),)),
     "yellow", {"operating_problems"}),
    ("dormant", BuyerRecord(status="dormant", disclosure=90), "yellow", {"dormant"}),
    ("severe lapse", BuyerRecord(disclosure=90, broken_promises=(promise(200, "severe"),)),
     "red", {"severe_broken_promise", "past_broken_promise"}),
    ("three lapses in three years", BuyerRecord(disclosure=90, broken_promises=(
        promise(100, "minor"), promise(300, "minor"), promise(700, "major"))),
     "red", {"repeated_broken_promises"}),
    ("bankrupt", BuyerRecord(status="bankrupt", disclosure=90), "red", {"status_ended"}),
    ("sanctioned", BuyerRecord(disclosure=90, negative_events=(event(30, "sanction"),)),
     "red", {"sanctioned"}),
    ("a well-known group that went bankrupt",
     BuyerRecord(status="bankrupt", well_known=True, disclosure=100), "red", {"status_ended"}),
]


@pytest.mark.parametrize(("record", "light", "rules"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_each_record_gets_its_light_and_names_the_rules(record, light, rules):
    verdict = evaluate(record, TODAY)
    assert verdict.light == light
    fired = {rule.id for rule in verdict.fired}
    assert rules <= fired
    assert all(reason for reason in verdict.reasons)
    assert verdict.hint == load_rules().hints[light]


def test_green_reasons_are_dropped_when_something_worse_fired():
    verdict = evaluate(BuyerRecord(well_known=True, disclosure=100,
                                   negative_events=(event(10, "lawsuit"),)), TODAY)
    assert verdict.light == "yellow"
    assert {rule.light for rule in verdict.fired} == {"yellow"}


COUNTRY_CASES = [
    # (rating, starting record, expected light, lowered?)
    (8, CLEAN, "yellow", True),
    (7, BuyerRecord(disclosure=30), "red", True),
    (9, BuyerRecord(status="bankrupt"), "red", False),  # red stays red, no reason added
    (6, CLEAN, "green", False),
]


@pytest.mark.parametrize(("rating", "record", "light", "lowered"), COUNTRY_CASES)
def test_country_risk_lowers_the_light_and_is_named(rating, record, light, lowered):
    verdict = evaluate(record, TODAY, CountryRating("RU", rating))
    assert verdict.light == light
    assert verdict.country_lowered is lowered
    named = [rule.reason for rule in verdict.fired if rule.id == "country_risk"]
    assert bool(named) is lowered
    if lowered:
        assert f"俄罗斯国家风险评级为{rating}级" in named[0]


def test_the_reason_carries_the_facts():
    verdict = evaluate(BuyerRecord(disclosure=35), TODAY)
    assert "信息披露不完整（完整度35%）" in verdict.reasons


def test_the_hints_follow_the_seed_wording():
    hints = load_rules().hints
    assert "正常交易" in hints["green"]
    assert "信息披露不完整" in hints["yellow"] and "并不十分严重" in hints["yellow"]
    assert "继续了解对方信息" in hints["red"] and "审慎地开展交易" in hints["red"]


@pytest.mark.parametrize(("broken", "message"), [
    ({"check": "astrology"}, "unknown check"),
    ({"check": "events", "kinds": ["lawsuit"]}, "missing within_years, min_count"),
    ({"light": "blue"}, "light must be one of"),
])
def test_a_bad_rules_file_is_refused_with_the_rule_named(broken, message):
    rule = {"id": "r1", "light": "red", "check": "well_known", **broken}
    data = {"lights": {"order": ["red", "yellow", "green"]}, "hints": {}, "rule": [rule]}
    with pytest.raises(RulesError, match=message):
        parse_rules(data)
