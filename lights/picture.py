"""The traffic-light card: a PNG that shows a buyer's light in the chat.

One 900 × 500 card, readable on a phone: a lamp housing on the left with the verdict's lamp lit
(none lit when there is no data), and on the right the buyer's name in its own script, the
country in Chinese, the light in words, the hint, the as-of date and the brand. Demo data is
marked 示例数据 on the card itself, so a forwarded picture cannot pass for a real verdict.

No Flask, no WeChat: the caller gives a ``LightCard`` and gets PNG bytes.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass
from functools import lru_cache

import redis
from PIL import Image, ImageDraw, ImageFont

from core import fonts
from core.redis_store import key
from lights.records import LIGHT_NAMES

WIDTH, HEIGHT = 900, 500
LIGHTS = ("red", "yellow", "green")  # top to bottom, as on a real traffic light
NO_DATA = "none"

# Lit and dimmed colours of each lamp: dimmed is a dark tint, so a grey-scale print still
# tells which one is on.
LIT: dict[str, tuple[int, int, int]] = {
    "red": (231, 48, 42),
    "yellow": (250, 190, 20),
    "green": (34, 190, 90),
}
DIM: dict[str, tuple[int, int, int]] = {
    "red": (84, 44, 44),
    "yellow": (88, 76, 42),
    "green": (40, 78, 54),
}
LABELS = LIGHT_NAMES  # the lights' names, "none" (NO_DATA) included
LABEL_COLOURS: dict[str, tuple[int, int, int]] = {**LIT, NO_DATA: (120, 128, 140)}

BACKGROUND = (238, 242, 247)
CARD = (255, 255, 255)
HOUSING = (38, 43, 52)
INK = (28, 32, 40)
MUTED = (110, 118, 130)
SAMPLE_BADGE = (230, 120, 20)
WHITE = (255, 255, 255)

BRAND = "信保小微助手 · 资信红绿灯"
SAMPLE_LABEL = "示例数据"

# Geometry (pixels). The lamps sit in a housing on the left; text starts at TEXT_LEFT.
MARGIN = 20
HOUSING_BOX = (60, 70, 200, 450)
LAMP_RADIUS = 46
LAMP_CENTRES: dict[str, tuple[int, int]] = {
    "red": (130, 138),
    "yellow": (130, 260),
    "green": (130, 382),
}
TEXT_LEFT = 240
TEXT_RIGHT = WIDTH - MARGIN - 30
TEXT_WIDTH = TEXT_RIGHT - TEXT_LEFT
SAMPLE_BADGE_BOX = (WIDTH - MARGIN - 150, MARGIN + 16, WIDTH - MARGIN - 24, MARGIN + 56)

NAME_SIZES = (40, 34, 28)  # one line at 40, else up to two lines, shrinking before a cut
ORIGINAL_NAME_SIZES = (26, 22)
HINT_LINES = 3
HINT_LINE_HEIGHT = 34

# Rendered cards are kept this long; a new verdict or data version is a new cache key.
CARD_TTL_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class LightCard:
    light: str  # "green" | "yellow" | "red" | "none"
    buyer_name: str  # display name (Latin script or as registered)
    original_name: str | None  # name in the original script (日本語, 한국어, العربية, ...)
    country_zh: str  # country in Chinese, e.g. "德国"
    hint: str  # the one-line hint (Chinese)
    as_of: datetime.date | None
    sample: bool  # demo data → the card says 示例数据


def render_card(card: LightCard) -> bytes:
    """The card as PNG bytes."""
    if card.light not in LABELS:
        raise ValueError(f"unknown light {card.light!r}; expected one of {sorted(LABELS)}")
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((MARGIN, MARGIN, WIDTH - MARGIN, HEIGHT - MARGIN), radius=24, fill=CARD)
    _draw_lamps(draw, card.light)
    _draw_header(draw, card.sample)
    _draw_body(draw, card)
    return _png(image)


def render_card_cached(
    card: LightCard, cache_key: str, redis_raw: redis.Redis, ttl_seconds: int = CARD_TTL_SECONDS
) -> bytes:
    """The card rendered once per ``cache_key`` (e.g. buyer, verdict and data version).

    ``redis_raw`` is the bytes client (``services.redis.raw``): the PNG is stored as is.
    Two callers racing on a new key may both render; the picture is the same, so that is fine.
    """
    redis_key = key("lights", "card", cache_key)
    stored = redis_raw.get(redis_key)
    if stored is not None:
        return bytes(stored)
    png = render_card(card)
    redis_raw.set(redis_key, png, ex=ttl_seconds)
    return png


def warm_up() -> None:
    """Load the fonts and their character sets now (about 0.1 s), not in the first reply."""
    render_card(LightCard("none", "Warm-up", "準備 준비 تحضير เตรียม", "中国", "预热", None, True))


# --- drawing ---------------------------------------------------------------------------------


def _draw_lamps(draw: ImageDraw.ImageDraw, light: str) -> None:
    draw.rounded_rectangle(HOUSING_BOX, radius=36, fill=HOUSING)
    for colour in LIGHTS:
        x, y = LAMP_CENTRES[colour]
        if colour == light:
            # A soft halo around the lit lamp, then the lamp itself.
            halo = LAMP_RADIUS + 8
            draw.ellipse((x - halo, y - halo, x + halo, y + halo), fill=_mix(LIT[colour], 0.45))
            fill = LIT[colour]
        else:
            fill = DIM[colour]
        r = LAMP_RADIUS
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
        if colour == light:  # a small reflection, off-centre so the centre keeps the colour
            draw.ellipse((x - 30, y - 32, x - 14, y - 16), fill=_mix(LIT[colour], 0.6))


def _draw_header(draw: ImageDraw.ImageDraw, sample: bool) -> None:
    draw.text((TEXT_LEFT, MARGIN + 22), BRAND, font=_cjk(22), fill=MUTED)
    if sample:
        draw.rounded_rectangle(SAMPLE_BADGE_BOX, radius=8, fill=SAMPLE_BADGE)
        left, top, right, bottom = SAMPLE_BADGE_BOX
        draw.text(
            ((left + right) // 2, (top + bottom) // 2),
            SAMPLE_LABEL,
            font=_cjk(22),
            fill=WHITE,
            anchor="mm",
        )


def _draw_body(draw: ImageDraw.ImageDraw, card: LightCard) -> None:
    y = MARGIN + 74
    y = _draw_names(draw, card, y)
    country = f"国家/地区：{card.country_zh or '未知'}"
    draw.text((TEXT_LEFT, y), country, font=_cjk(24), fill=INK)
    y += 44
    y = _draw_light_label(draw, card.light, y) + 14
    footer_top = HEIGHT - MARGIN - 48
    hint_lines = max(1, min(HINT_LINES, (footer_top - 6 - y) // HINT_LINE_HEIGHT))
    for line in _wrap(card.hint, _cjk(24), TEXT_WIDTH, hint_lines):
        draw.text((TEXT_LEFT, y), line, font=_cjk(24), fill=INK)
        y += HINT_LINE_HEIGHT
    footer = f"数据截至 {card.as_of.isoformat()}" if card.as_of else "数据日期：暂无"
    draw.text((TEXT_LEFT, footer_top), footer, font=_cjk(20), fill=MUTED)


def _draw_names(draw: ImageDraw.ImageDraw, card: LightCard, y: int) -> int:
    """The display name large; the original-script name under it when a font covers it."""
    original = " ".join((card.original_name or "").split())
    name = " ".join(card.buyer_name.split()) or original
    if original == name or fonts.font_for(original) is None:
        original = ""  # nothing new to show, or no font for its script: no boxes
    y = _draw_lines(draw, y, name, NAME_SIZES, max_lines=2, fill=INK)
    if original:
        y = _draw_lines(draw, y, original, ORIGINAL_NAME_SIZES, max_lines=1, fill=MUTED)
    return y + 8


def _draw_lines(
    draw: ImageDraw.ImageDraw,
    y: int,
    text: str,
    sizes: tuple[int, ...],
    max_lines: int,
    fill: tuple[int, int, int],
) -> int:
    font, lines = _fit(text, sizes, max_lines)
    ascent, descent = font.getmetrics()
    for line in lines:
        draw.text((TEXT_LEFT, y), line, font=font, fill=fill)
        y += ascent + descent + 2
    return y


def _draw_light_label(draw: ImageDraw.ImageDraw, light: str, y: int) -> int:
    label = LABELS[light]
    font = _cjk(26)
    width = int(font.getlength(label)) + 36
    draw.rounded_rectangle(
        (TEXT_LEFT, y, TEXT_LEFT + width, y + 44), radius=22, fill=LABEL_COLOURS[light]
    )
    draw.text((TEXT_LEFT + width // 2, y + 22), label, font=font, fill=WHITE, anchor="mm")
    return y + 44


def _fit(
    text: str, sizes: tuple[int, ...], max_lines: int
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size at which the text fits: one line at the first size, up to
    ``max_lines`` at the smaller ones; at the smallest, whatever does not fit is cut with …"""
    chosen = fonts.font_for(text)
    if chosen is None:  # not even the display name is covered: leave out what has no glyph
        chosen, text = fonts.best_effort(text)
    for index, size in enumerate(sizes):
        font = fonts.truetype(chosen, size, fonts.SEMIBOLD)
        lines = _wrap(text, font, TEXT_WIDTH, max_lines=99)
        if len(lines) <= (1 if index == 0 else max_lines):
            return font, lines
    return font, _wrap(text, font, TEXT_WIDTH, max_lines)


def _cut(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """``text`` shortened until it fits ``width`` with a … after it."""
    while text and font.getlength(text + "…") > width:
        text = text[:-1]  # only for text already known to be too long: a few steps
    return text.rstrip() + "…"


# Han, kana, CJK punctuation and full-width forms break between any two characters; other
# scripts (Latin, Greek, Cyrillic, Hangul, Arabic, Thai) only at spaces, so that a word,
# a shaped Arabic word or a Thai cluster is never split.
_CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_TOKENS = re.compile(f"[{_CJK}]|[^\\s{_CJK}]+\\s*|\\s+")
# Punctuation that must not start a line (it hangs at the end of the previous one).
_NO_LINE_START = set("，。、；：！？）》」』”’,.;:!?)")


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int) -> list[str]:
    """Greedy wrap into at most ``max_lines``; the last line ends in … when text was left.

    A line's width is the sum of its tokens' widths (cached): measuring every growing
    prefix with FreeType was most of a card's rendering time.
    """
    lines: list[str] = []
    line, line_width = "", 0.0
    for token in _tokens(text.strip(), font, width):
        token_width = _width(font, token)
        if line and token[0] not in _NO_LINE_START and line_width + token_width > width:
            lines.append(line.rstrip())
            line = token.lstrip()
            line_width = _width(font, line)
        else:
            line += token
            line_width += token_width
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _cut(lines[-1], font, width)
    return lines


@lru_cache(maxsize=16384)
def _width(font: ImageFont.FreeTypeFont, token: str) -> float:
    return font.getlength(token)


def _tokens(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """The units a line may break between; a word wider than a line is split by character."""
    tokens: list[str] = []
    for token in _TOKENS.findall(text):
        if len(token) > 1 and _width(font, token) > width:
            tokens.extend(token)
        else:
            tokens.append(token)
    return tokens


def _cjk(size: int) -> ImageFont.FreeTypeFont:
    return fonts.truetype(fonts.CJK, size)


def _mix(colour: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    """``colour`` moved ``amount`` of the way towards white."""
    r, g, b = colour
    return (
        round(r + (255 - r) * amount),
        round(g + (255 - g) * amount),
        round(b + (255 - b) * amount),
    )


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # Level 3 is a third of the default's time for a card of flat colours, nearly as small.
    image.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()
