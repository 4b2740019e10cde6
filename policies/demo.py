"""Demo enterprises, policies and credit limits, every one marked 示例数据.

Their unified social credit codes carry the division 000000, which no real registration uses,
with a correct check character; the names say 示例. No phone number is invented: the demo
enterprises get the mobile the operator passes (``--mobile``), or none — binding one then
says that no number is on file.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from policies.uscc import CHARSET, check_character

DEMO_BUYERS = (("Sample Trading GmbH", "DE"), ("Demo Imports Ltd", "GB"),
               ("Example Retail Inc", "US"), ("Muestra Comercial S.A.", "ES"))
PRODUCT = "小微企业信保易"


def demo_uscc(rng: random.Random) -> str:
    first17 = "91" + "000000" + "".join(rng.choice(CHARSET[:10] + CHARSET[10:]) for _ in range(9))
    return first17 + check_character(first17)


def demo_rows(count: int, today: date, mobile: str | None = None,
              buyers: list[tuple[str, str]] | None = None, seed: int = 13
              ) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows for ``importer.import_rows``: each enterprise one policy in force (some ending
    within a month, so that renewal reminders have something to say) and two or three
    limits on ``buyers`` (the registry's sample buyers when given)."""
    rng = random.Random(seed)
    pool = list(buyers or DEMO_BUYERS)
    line = 1
    for number in range(1, count + 1):
        starts = today - timedelta(days=rng.choice((200, 300, 340, 350)))
        base = {
            "enterprise_name": f"示例外贸有限公司{number:03d}",
            "uscc": demo_uscc(rng), "mobile": mobile or "",
            "policy_number": f"DEMO{today.year}{number:05d}", "product": PRODUCT,
            "starts_on": starts.isoformat(),
            "ends_on": (starts + timedelta(days=364)).isoformat(), "status": "in_force",
            "indemnity_percent": str(rng.choice((80, 90))),
            "premium_rate_permille": "", "payment_methods": "DP;DA;OA;LC",
            "loss_report_days": "", "idle_limit_days": "", "sample": "1",
        }
        for buyer, country in rng.sample(pool, k=min(len(pool), rng.choice((2, 3)))):
            line += 1
            yield line, {**base, "buyer_name": buyer, "buyer_country": country,
                         "limit_amount": str(rng.choice((50_000, 100_000, 200_000))),
                         "limit_currency": "USD",
                         "limit_approved_on": (starts + timedelta(days=10)).isoformat()}
