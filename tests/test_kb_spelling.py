"""Typing faults the synonyms list cannot foresee: a wrong character of the same sound, and
pinyin typed without a Chinese keyboard, corrected to our words and only to them."""

from __future__ import annotations

from kb.spelling import SOUNDS_FILE, SoundCorrector, sounds_file_text

OURS = ["开证行", "理赔", "信保易", "信保贷", "红绿灯", "时间"]
COMMON = {"事件", "时间"}


def corrector() -> SoundCorrector:
    return SoundCorrector(OURS, is_word=COMMON.__contains__)


def test_a_homophone_of_our_word_becomes_our_word():
    correct = corrector()
    assert correct("开正行倒闭了") == "开证行倒闭了"
    assert correct("理培要多久") == "理赔要多久"


def test_a_real_word_that_sounds_like_ours_stays():
    assert corrector()("事件经过") == "事件经过"


def test_words_that_sound_alike_among_ours_are_left_alone():
    correct = SoundCorrector(["信保", "新报"], is_word=lambda _: False)
    assert correct("信宝") == "信宝"  # xin bao is two of our words: no guess


def test_pinyin_spelled_runs_become_our_words():
    correct = corrector()
    assert correct("who can buy xinbaoyi") == "who can buy 信保易"
    assert correct("xin bao dai") == "信保贷"
    assert correct("hong lu deng") == "红绿灯"  # ü typed as u
    assert correct("hong lv deng") == "红绿灯"
    assert correct("change the date") == "change the date"


def test_the_shipped_sounds_are_pypinyins():
    """kb/sounds.txt is what ``python -m kb.spelling`` writes: run it after a pypinyin update."""
    assert SOUNDS_FILE.read_text(encoding="utf-8") == sounds_file_text()
