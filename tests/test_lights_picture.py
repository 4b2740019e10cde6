"""The traffic-light card: size, the lit lamp, real glyphs in every script, the sample badge,
and rendering once per cache key."""

from __future__ import annotations

import datetime
import io
from collections import Counter

import pytest
from PIL import Image, ImageDraw, ImageFont

from core import fonts
from lights import picture
from lights.picture import LightCard, render_card, render_card_cached

AS_OF = datetime.date(2026, 11, 20)
HINT = "曾有不严重的失信记录，或自身经营存在问题（多为信息披露不足），建议进一步了解买方情况。"

# One name per script the registry holds, in the script itself.
NAMES_BY_SCRIPT = {
    "Latin": "Müller Maschinenbau GmbH",
    "Vietnamese": "Công ty TNHH Thương mại Sài Gòn",
    "Greek": "Ελληνικά Πετρέλαια Α.Ε.",
    "Cyrillic": "ООО Ромашка",
    "Japanese": "豊田通商株式会社",
    "Korean": "삼성전자 주식회사",
    "Chinese": "深圳市某某贸易有限公司",
    "Arabic": "شركة الاتحاد للتجارة",
    "Thai": "บริษัท ปูนซิเมนต์ไทย จำกัด",
}
NOT_COVERED = "አዲስ ንግድ"  # Ethiopic: no packaged font has it


def card(**changes) -> LightCard:
    fields = dict(
        light="green",
        buyer_name="Siemens AG",
        original_name=None,
        country_zh="德国",
        hint=HINT,
        as_of=AS_OF,
        sample=False,
    )
    return LightCard(**{**fields, **changes})


def image_of(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image.convert("RGB")


def colours(image: Image.Image) -> Counter:
    """How many pixels of each colour the image has."""
    return Counter({colour: n for n, colour in image.getcolors(image.width * image.height)})


def glyph_image(font: ImageFont.FreeTypeFont, text: str) -> bytes:
    image = Image.new("L", (160, 120))
    ImageDraw.Draw(image).text((20, 20), text, font=font, fill=255)
    return image.tobytes()


def notdef_image(font: ImageFont.FreeTypeFont) -> bytes:
    """What the font draws for a character it does not have: its .notdef box."""
    return glyph_image(font, "\U0010fffd")  # a private-use code point no font maps


@pytest.mark.parametrize("light", ["green", "yellow", "red", "none"])
def test_card_is_a_landscape_png_for_phones(light):
    png = render_card(card(light=light))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (900, 500)


def is_bright(colour: str, pixel: tuple[int, int, int]) -> bool:
    r, g, b = pixel
    return {
        "red": r > 200 and g < 90 and b < 90,
        "yellow": r > 200 and g > 150 and b < 90,
        "green": g > 150 and r < 90 and b < 130,
    }[colour]


def is_dim(pixel: tuple[int, int, int]) -> bool:
    return max(pixel) < 100


@pytest.mark.parametrize("light", ["green", "yellow", "red"])
def test_only_the_verdicts_lamp_is_lit(light):
    image = image_of(render_card(card(light=light)))
    for colour, centre in picture.LAMP_CENTRES.items():
        pixel = image.getpixel(centre)
        if colour == light:
            assert is_bright(colour, pixel), (colour, pixel)
        else:
            assert is_dim(pixel), (colour, pixel)
            assert not is_bright(colour, pixel)


def test_no_data_dims_every_lamp_and_says_so():
    image = image_of(render_card(card(light="none", hint="暂无该买方的资信数据。", as_of=None)))
    assert all(is_dim(image.getpixel(centre)) for centre in picture.LAMP_CENTRES.values())
    # The grey 暂无数据 label is drawn (and no coloured light label).
    grey_label = picture.LABEL_COLOURS["none"]
    text_side = colours(image.crop((picture.TEXT_LEFT, 0, 900, 500)))
    assert text_side[grey_label] > 2000
    green_card = colours(image_of(render_card(card(light="green"))))
    assert green_card[grey_label] == 0


def test_unknown_light_is_refused():
    with pytest.raises(ValueError, match="unknown light"):
        render_card(card(light="blue"))


@pytest.mark.parametrize("text", ["德国", "信保小微助手", "示例数据", "暂无数据", "数据截至"])
def test_chinese_is_drawn_with_real_glyphs_not_boxes(text):
    font = fonts.truetype(fonts.CJK, 24)
    assert fonts.covers(fonts.CJK, text)
    for char in text:
        assert glyph_image(font, char) != notdef_image(font), char


@pytest.mark.parametrize("script", sorted(NAMES_BY_SCRIPT))
def test_every_registry_script_has_a_font_with_real_glyphs(script):
    name = NAMES_BY_SCRIPT[script]
    chosen = fonts.font_for(name)
    assert chosen is not None, script
    font = fonts.truetype(chosen, 28)
    tofu = notdef_image(font)
    for char in name.replace(" ", ""):
        assert glyph_image(font, char) != tofu, (script, char)


def test_the_tofu_check_itself_catches_a_missing_glyph():
    """The comparison above would fail for a character the font lacks."""
    font = fonts.truetype(fonts.LATIN, 28)
    assert glyph_image(font, "ኢ") == notdef_image(font)
    assert fonts.font_for(NOT_COVERED) is None


@pytest.mark.parametrize("script", ["Japanese", "Korean", "Arabic", "Greek"])
def test_the_original_name_is_drawn(script):
    with_original = render_card(card(original_name=NAMES_BY_SCRIPT[script]))
    assert with_original != render_card(card(original_name=None))


def test_an_original_name_no_font_covers_is_left_out_not_drawn_as_boxes():
    uncovered = render_card(card(buyer_name="Addis Trading PLC", original_name=NOT_COVERED))
    assert uncovered == render_card(card(buyer_name="Addis Trading PLC", original_name=None))


def test_a_display_name_with_uncovered_characters_drops_only_those():
    mixed = render_card(card(buyer_name=f"Addis {NOT_COVERED} PLC"))
    assert mixed == render_card(card(buyer_name="Addis PLC"))


def sample_badge_pixels(png: bytes) -> int:
    return colours(image_of(png))[picture.SAMPLE_BADGE]


def test_sample_data_is_marked_on_the_card():
    sample = render_card(card(sample=True))
    real = render_card(card(sample=False))
    assert sample != real
    assert sample_badge_pixels(sample) > 2000
    assert sample_badge_pixels(real) == 0
    # The badge carries the words 示例数据 (white text on the badge).
    left, top, right, bottom = picture.SAMPLE_BADGE_BOX
    badge = colours(image_of(sample).crop((left, top, right, bottom)))
    assert badge[(255, 255, 255)] > 50


def test_long_names_and_hints_stay_inside_the_card():
    long = card(
        buyer_name="Hellenic Petroleum Holdings Société Anonyme " * 4,
        original_name="Ελληνικά Πετρέλαια Α.Ε. " * 6,
        hint=HINT * 5,
    )
    image = image_of(render_card(long))
    # The strip between the text column and the card's edge stays blank card colour.
    edge = image.crop((picture.TEXT_RIGHT + 2, 70, 900 - picture.MARGIN - 2, 450))
    assert set(colours(edge)) == {picture.CARD}


def test_the_date_and_its_absence_show():
    assert render_card(card(as_of=AS_OF)) != render_card(card(as_of=datetime.date(2025, 1, 2)))
    assert render_card(card(as_of=None)) != render_card(card(as_of=AS_OF))


def test_render_card_cached_renders_once_per_key(services, monkeypatch):
    renders: list[LightCard] = []

    def counting_render(light_card: LightCard) -> bytes:
        renders.append(light_card)
        return render_card(light_card)

    monkeypatch.setattr(picture, "render_card", counting_render)
    redis_raw = services.redis.raw
    first = render_card_cached(card(), "buyer:1:green:v1", redis_raw)
    again = render_card_cached(card(), "buyer:1:green:v1", redis_raw)
    assert len(renders) == 1
    assert again == first
    assert image_of(again).size == (900, 500)

    render_card_cached(card(light="red"), "buyer:1:red:v2", redis_raw)
    assert len(renders) == 2

    ttl = redis_raw.ttl(b"xinbao:lights:card:buyer:1:green:v1")
    assert 0 < ttl <= picture.CARD_TTL_SECONDS
