"""The help text only promises words that work."""

from __future__ import annotations

import re

from lights.service import MY_LOOKUPS


def test_every_word_the_help_suggests_is_understood(wechat):
    help_text = wechat.say("o-help", "帮助")
    suggested = re.findall(r"「([^」]+)」", help_text)
    assert len(suggested) >= 6
    for word in suggested:
        if word.startswith("查询 "):
            continue  # an example with a buyer name: tested with the traffic light
        reply = wechat.send(wechat.sim.text("o-help", word))
        content = reply.get("Content", "")
        assert "暂时没能理解" not in content, f"help suggests {word!r} but nobody routes it"
        wechat.say("o-help", "取消")  # leave any conversation the word started


def test_the_help_gives_the_number_of_lookups_that_我的查询_shows(wechat):
    assert f"「我的查询」看最近 {MY_LOOKUPS} 次" in wechat.say("o-help", "帮助")
