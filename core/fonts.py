"""The project's fonts: each arrives with ``pip install``, none is fetched at run time.

WenQuanYi Micro Hei (``paperang-p2-fonts-cjk``, Apache-2.0) covers Chinese, Japanese, Hangul
and Latin; the Noto Sans packages (``fontpkg-noto-sans*``, OFL-1.1, unmodified Google Fonts
files) add Greek, Cyrillic, Vietnamese, Arabic and Thai. A text is drawn with ONE font that
covers all of it (mixing fonts inside a string breaks Arabic shaping), and a text no font
covers is reported as such so that callers draw something else instead of empty boxes.

Fonts and their character sets are loaded once per process: opening a 5 MB collection costs
milliseconds, far too much to do per picture.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import fontpkg_noto_sans
import fontpkg_noto_sans_arabic
import fontpkg_noto_sans_thai
import paperang_p2_fonts_cjk
from fontTools.ttLib import TTFont
from PIL import ImageFont, features


@dataclass(frozen=True)
class FontFile:
    name: str
    path: Path
    index: int = 0  # the face inside a .ttc collection
    # Arabic and Thai need real text shaping (libraqm); without it they come out wrong.
    needs_shaping: bool = False


CJK = FontFile(
    "WenQuanYi Micro Hei", Path(paperang_p2_fonts_cjk.__file__).parent / "fonts/wqy-microhei.ttc"
)
LATIN = FontFile("Noto Sans", fontpkg_noto_sans.ROOT / "files/NotoSans[wdth,wght].ttf")
ARABIC = FontFile(
    "Noto Sans Arabic",
    fontpkg_noto_sans_arabic.ROOT / "files/NotoSansArabic[wdth,wght].ttf",
    needs_shaping=True,
)
THAI = FontFile(
    "Noto Sans Thai",
    fontpkg_noto_sans_thai.ROOT / "files/NotoSansThai[wdth,wght].ttf",
    needs_shaping=True,
)

# The order in which a name looks for a font: Noto Sans draws Latin, Greek and Cyrillic more
# cleanly than the CJK font's Latin; CJK and Hangul go to WenQuanYi.
NAME_FONTS: tuple[FontFile, ...] = (LATIN, CJK, ARABIC, THAI)

# The weight axis of the variable Noto fonts (WenQuanYi has one weight only).
REGULAR = 400
SEMIBOLD = 600

_lock = threading.Lock()


def cjk_font_path() -> Path:
    """The Chinese font file, for anything that draws Chinese (pictures, QR posters)."""
    return CJK.path


def shaping_available() -> bool:
    return bool(features.check("raqm"))


@cache
def codepoints(font: FontFile) -> frozenset[int]:
    """The characters the font has a glyph for (its cmap), read once."""
    with TTFont(font.path, fontNumber=font.index, lazy=True) as opened:
        return frozenset(opened.getBestCmap())


def covers(font: FontFile, text: str) -> bool:
    """True when every visible character of ``text`` has a glyph in ``font``."""
    if font.needs_shaping and not shaping_available():
        return False
    available = codepoints(font)
    return all(ord(char) in available for char in text if not char.isspace())


def font_for(text: str, candidates: tuple[FontFile, ...] = NAME_FONTS) -> FontFile | None:
    """The first font that covers the whole text, or None (draw something else then)."""
    return next((font for font in candidates if covers(font, text)), None)


def best_effort(text: str, candidates: tuple[FontFile, ...] = NAME_FONTS) -> tuple[FontFile, str]:
    """For a text no single font covers: the font that draws most of it, and the text without
    the characters it has no glyph for (better a shorter name than boxes)."""

    def drawable(font: FontFile) -> str:
        return "".join(char for char in text if char.isspace() or covers(font, char))

    best = max(candidates, key=lambda font: len(drawable(font).strip()))
    return best, " ".join(drawable(best).split())


def truetype(font: FontFile = CJK, size: int = 24, weight: int = REGULAR) -> ImageFont.FreeTypeFont:
    """A loaded font; the same object for the same arguments (FreeType faces are costly)."""
    with _lock:  # lru caches are thread-safe, but two threads should not both load a face
        return _load(font, size, weight)


@cache
def _load(font: FontFile, size: int, weight: int) -> ImageFont.FreeTypeFont:
    loaded = ImageFont.truetype(str(font.path), size=size, index=font.index)
    if _is_variable(loaded):
        loaded.set_variation_by_axes(_axes_for(loaded, weight))
    return loaded


def _is_variable(loaded: ImageFont.FreeTypeFont) -> bool:
    try:
        return bool(loaded.get_variation_axes())
    except OSError:  # not a variable font
        return False


def _axes_for(loaded: ImageFont.FreeTypeFont, weight: int) -> list[float]:
    """Default values for every axis, with the weight axis set to ``weight``."""
    values = []
    for axis in loaded.get_variation_axes():
        name = axis["name"]
        name = name.decode() if isinstance(name, bytes) else str(name)
        values.append(float(weight) if name == "Weight" else float(axis["default"]))
    return values
