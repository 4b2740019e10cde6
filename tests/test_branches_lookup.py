"""The branch lookup, from the seed's list of 25 branches and their coverage."""

from __future__ import annotations

import pytest

import branches
from core.places import PROVINCES

NOT_LISTED = {"北京", "内蒙古", "台湾", "香港", "澳门"}  # the seed names no branch for these


def test_twenty_five_branches():
    assert len(branches.all_branches()) == 25
    assert len({b.name for b in branches.all_branches()}) == 25


@pytest.mark.parametrize(("province", "city", "branch"), [
    ("浙江", "宁波", "宁波分公司"), ("浙江", "杭州", "浙江分公司"), ("福建", "厦门", "厦门分公司"),
    ("福建", "福州", "福建分公司"), ("广东", "深圳", "深圳分公司"), ("广东", "广州", "广东分公司"),
    ("吉林", "长春", "辽宁分公司"), ("贵州", None, "湖南分公司"), ("海南", None, "广西分公司"),
    ("西藏", None, "四川分公司"), ("宁夏", None, "陕西分公司"), ("甘肃", None, "陕西分公司"),
    ("青海", None, "陕西分公司"), ("新疆", None, "新疆分公司"), ("上海", "上海", "上海分公司"),
])
def test_branch_for_a_followers_region(province, city, branch):
    assert branches.branch_for(province, city).name == branch


def test_every_province_but_the_unlisted_has_exactly_one_branch():
    for short, _full in PROVINCES:
        covering = [b for b in branches.all_branches() if b.covers(short, None)]
        assert len(covering) == (0 if short in NOT_LISTED else 1), short


@pytest.mark.parametrize(("text", "label", "branch"), [
    ("宁波", "浙江宁波", "宁波分公司"), ("贵州省", "贵州", "湖南分公司"),
    ("广西壮族自治区", "广西", "广西分公司"), ("深圳市南山区", "广东深圳", "深圳分公司"),
    ("北京", "北京", None),
])
def test_look_up_a_place_in_text(text, label, branch):
    found = branches.look_up(text)
    assert found.place.label == label
    assert (found.branch.name if found.branch else None) == branch


def test_no_place_no_match():
    assert branches.look_up("ACME GmbH") is None
