"""Regenerate the pinyin tables of the branch lookup, from pypinyin (MIT; its data from the
pinyin-data and phrase-pinyin-data projects):

- branches/data/pinyin.csv: every reading, without tones, of each Chinese character (CJK
  Unified Ideographs and Extension A) — to hear a homophone typed by a pinyin keyboard
  (杭洲 for 杭州), where any reading of a character may be the one meant;
- branches/data/place_pinyin.csv: each division's short name in pinyin as pypinyin reads the
  whole word (长春 changchun, 重庆 chongqing, 厦门 xiamen, 六安 luan) — to find places typed
  in pinyin or English.

Two small files instead of pypinyin in every web process (importing it costs about 56 MB,
most of it the phrase dictionary). Run from the repository root:
pip install pypinyin==0.55.0 && python scripts/pinyin_table.py
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pypinyin
from pypinyin import lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "branches" / "data" / "pinyin.csv"
PLACES = ROOT / "branches" / "data" / "place_pinyin.csv"
BLOCKS = (range(0x3400, 0x4DC0), range(0x4E00, 0xA000))


def plain(reading: str) -> str:
    """zhòng → zhong, lǜ → lv (the way it is typed)."""
    reading = reading.replace("ü", "v").replace("ǖ", "v").replace("ǘ", "v")
    reading = reading.replace("ǚ", "v").replace("ǜ", "v")
    return "".join(ch for ch in unicodedata.normalize("NFKD", reading)
                   if not unicodedata.combining(ch))


def main() -> None:
    lines = []
    for block in BLOCKS:
        for code in block:
            if code in pinyin_dict:
                readings = dict.fromkeys(plain(r) for r in pinyin_dict[code].split(","))
                lines.append(f"{chr(code)},{' '.join(readings)}")
    OUT.write_text("character,readings\n" + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} characters written to {OUT} (pypinyin {pypinyin.__version__})")
    sys.path.insert(0, str(ROOT))
    from branches.gazetteer import read_divisions

    places = [f"{d.adcode},{''.join(lazy_pinyin(d.short)).casefold()}"
              for d in read_divisions()]
    PLACES.write_text("adcode,pinyin\n" + "\n".join(places) + "\n", encoding="utf-8")
    print(f"{len(places)} places written to {PLACES}")


if __name__ == "__main__":
    main()
