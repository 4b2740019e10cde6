"""How long a fresh traffic-light card takes to render, against the 50 ms target.

Renders a few hundred cards with varied buyers (Faker company names from a dozen locales:
Latin, Greek, Cyrillic, Japanese, Korean, Chinese, Arabic, Thai, Vietnamese), all four lights,
sample and real data, short and long hints, and prints p50 / p99 / max. Three figures:

- cold: the first card of a process (fonts and their character sets not yet loaded);
- warm: every card after ``warm_up()`` — the figure the target is about, since the app loads
  the fonts once per process;
- no width cache: warm, but with the text-width cache emptied before each card (a worst case
  for a card whose every word is new).

    .venv/bin/python -m benchmarks.picture_bench --cards 400

Exits 1 when the warm p99 misses the target.
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import time

from faker import Faker

TARGET_MS = 50.0

# Locale → (country in Chinese, whether its company names are in Latin script).
LOCALES: dict[str, tuple[str, bool]] = {
    "de_DE": ("德国", True),
    "fr_FR": ("法国", True),
    "es_MX": ("墨西哥", True),
    "pt_BR": ("巴西", True),
    "vi_VN": ("越南", True),
    "en_US": ("美国", True),
    "el_GR": ("希腊", False),
    "ru_RU": ("俄罗斯", False),
    "ja_JP": ("日本", False),
    "ko_KR": ("韩国", False),
    "zh_TW": ("中国台湾", False),
    "ar_AA": ("阿联酋", False),
    "th_TH": ("泰国", False),
}
HINTS = {
    "green": "信用良好或为知名大型集团，可正常开展贸易。",
    "yellow": "曾有不严重的失信记录，或自身经营存在问题（多为信息披露不足），建议进一步了解"
    "买方情况后再决定交易方式与账期。",
    "red": "请持续了解买方情况，保持联系，谨慎开展交易；必要时通过公众号、SOL 或分支机构申请"
    "资信报告。",
    "none": "暂无该买方的资信数据，可通过公众号、SOL 或分支机构申请资信报告（资信报告）。",
}


def make_cards(count: int, seed: int) -> list:
    from lights.picture import LightCard

    Faker.seed(seed)
    fakers = {locale: Faker(locale, use_weighting=False) for locale in LOCALES}
    latin = Faker("en_US", use_weighting=False)
    rng = random.Random(seed)
    cards = []
    for index in range(count):
        locale = list(LOCALES)[index % len(LOCALES)]
        country, in_latin = LOCALES[locale]
        name = fakers[locale].company()
        light = ("green", "yellow", "red", "none")[rng.randrange(4)]
        cards.append(
            LightCard(
                light=light,
                buyer_name=name if in_latin else f"{latin.last_name()} {latin.company_suffix()}",
                original_name=None if in_latin else name,
                country_zh=country,
                hint=HINTS[light],
                as_of=None
                if light == "none"
                else datetime.date(2026, 1, 1) + datetime.timedelta(days=rng.randrange(330)),
                sample=rng.random() < 0.5,
            )
        )
    return cards


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed(render, card) -> float:
    started = time.perf_counter()
    render(card)
    return (time.perf_counter() - started) * 1000


def report(label: str, times: list[float]) -> None:
    print(
        f"{label:<16} n={len(times):<4} p50 {percentile(times, 0.5):6.1f} ms   "
        f"p99 {percentile(times, 0.99):6.1f} ms   max {max(times):6.1f} ms   "
        f"mean {statistics.fmean(times):6.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cards", type=int, default=400)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    cards = make_cards(args.cards, args.seed)
    from lights import picture

    cold = timed(picture.render_card, cards[0])
    picture.warm_up()
    warm = [timed(picture.render_card, card) for card in cards]

    uncached = []
    for card in cards:
        picture._width.cache_clear()
        uncached.append(timed(picture.render_card, card))

    sizes = [len(picture.render_card(card)) for card in cards[:50]]
    print(f"traffic-light card {picture.WIDTH}×{picture.HEIGHT}, target < {TARGET_MS:.0f} ms")
    print(f"cold (first card of a process): {cold:.1f} ms")
    report("warm", warm)
    report("no width cache", uncached)
    print(
        f"PNG size: mean {statistics.fmean(sizes) / 1024:.0f} KiB, max {max(sizes) / 1024:.0f} KiB"
    )
    ok = percentile(warm, 0.99) < TARGET_MS
    print(("PASS" if ok else "FAIL") + f": warm p99 against the {TARGET_MS:.0f} ms target")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
