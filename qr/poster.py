"""A printable poster: the QR code (the ``qrcode`` package), the account's name and a caption.

A6 at 300 dpi (1240 × 1748 px), as PNG and as a one-page PDF — for branch counters, trade-fair
stands and partner banks. Chinese is drawn with the packaged WenQuanYi font (core.fonts).
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

import qrcode
from PIL import Image, ImageDraw
from qrcode.constants import ERROR_CORRECT_M

from core.fonts import CJK, truetype

WIDTH, HEIGHT = 1240, 1748  # A6 at 300 dpi
DPI = 300
QR_SIZE = 860
BAND_HEIGHT = 260
BRAND_BLUE = (22, 93, 172)
TEXT_DARK = (31, 35, 41)
TEXT_GREY = (110, 117, 128)
CAPTION_CHARS_PER_LINE = 14


@dataclass(frozen=True)
class PosterText:
    account_name: str
    caption: str
    scene: str


def qr_image(content: str, size: int = QR_SIZE) -> Image.Image:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(content)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    # Whole pixels per module keep the code sharp when printed.
    modules = image.width // code.box_size
    scale = max(size // modules, 1)
    return image.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)


def _centered(draw: ImageDraw.ImageDraw, y: int, text: str, size: int,
              fill: tuple[int, int, int]) -> int:
    """Draw one line centred; returns the y below it."""
    font = truetype(CJK, size)
    width = draw.textlength(text, font=font)
    draw.text(((WIDTH - width) / 2, y), text, font=font, fill=fill)
    return y + int(size * 1.35)


def render(content: str, text: PosterText) -> Image.Image:
    poster = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(poster)
    draw.rectangle((0, 0, WIDTH, BAND_HEIGHT), fill=BRAND_BLUE)
    _centered(draw, 70, text.account_name, 84, (255, 255, 255))
    _centered(draw, 180, "小微出口企业的信用保险助手", 34, (214, 228, 245))
    code = qr_image(content)
    top = BAND_HEIGHT + 70
    poster.paste(code, ((WIDTH - code.width) // 2, top))
    y = top + code.height + 40
    for line in textwrap.wrap(text.caption, CAPTION_CHARS_PER_LINE) or [""]:
        y = _centered(draw, y, line, 60, TEXT_DARK)
    y = max(y + 10, HEIGHT - 190)
    y = _centered(draw, y, f"微信扫一扫，关注「{text.account_name}」", 40, TEXT_GREY)
    services = "查买家资信 · 信保易投保 · 理赔 · 信保贷"
    _centered(draw, y, f"{services}    场景 {text.scene}", 28, TEXT_GREY)
    return poster


def to_png(poster: Image.Image) -> bytes:
    buffer = io.BytesIO()
    poster.save(buffer, format="PNG", dpi=(DPI, DPI))
    return buffer.getvalue()


def to_pdf(poster: Image.Image) -> bytes:
    buffer = io.BytesIO()
    poster.save(buffer, format="PDF", resolution=DPI)
    return buffer.getvalue()
