def test_help(wechat):
    assert "完善资料" in wechat.say("o-smoke", "帮助")
