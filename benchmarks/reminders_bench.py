"""How long the daily reminders run takes as the book of policies grows.

Builds N enterprises on a fresh database (SQLite file by default, or DATABASE_URL), each with
one policy ending within the month, three credit limits and five declared shipments (some due
soon, some overdue), one bound follower each; then times ``run_reminders`` for one day twice:
the first run issues every reminder (rows written, template messages queued), the second finds
them all issued (the exactly-once check on the unique rows).

    .venv/bin/python -m benchmarks.reminders_bench --enterprises 2000

The messages go to the in-process job runner and the WeChat emulator is not running, so the
deliveries themselves are not part of the figure (they are jobs of their own).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal

DAY = date(2027, 3, 10)


def build(session, count: int) -> None:
    from followers.models import Follower
    from policies.models import Binding, CreditLimit, Enterprise, Policy, Shipment
    from policies.uscc import check_character

    for number in range(1, count + 1):
        first17 = f"91000000{number:09d}"
        enterprise = Enterprise(name=f"基准测试公司{number}", uscc=first17 +
                                check_character(first17), mobile=None, sample=True)
        session.add(enterprise)
        session.flush()
        policy = Policy(number=f"BENCH{number:07d}", product="小微企业信保易",
                        enterprise_id=enterprise.id, starts_on=DAY - timedelta(days=340),
                        ends_on=DAY + timedelta(days=number % 31), status="in_force",
                        indemnity_percent=Decimal(90), payment_methods=["OA"],
                        loss_report_days=60, idle_limit_days=180, sample=True)
        session.add(policy)
        session.flush()
        limits = []
        for index in range(3):
            limit = CreditLimit(policy_id=policy.id, buyer_name=f"Buyer {number}-{index}",
                                buyer_key=f"buyer{number}{index}", amount=Decimal(100000),
                                currency="USD", approved_on=DAY - timedelta(days=170))
            session.add(limit)
            limits.append(limit)
        session.flush()
        for index in range(5):
            shipped = DAY - timedelta(days=20 + 11 * index)
            session.add(Shipment(
                enterprise_id=enterprise.id, policy_id=policy.id,
                credit_limit_id=limits[index % 2].id, buyer_name="b",
                invoice_number=f"B{number}-{index}", invoice_key=f"B{number}{index}",
                amount=Decimal(1000), currency="USD", ship_date=shipped, payment_method="OA",
                credit_days=30, due_date=shipped + timedelta(days=30), status="declared",
                channel="bench"))
        follower = Follower(openid=f"o-bench-{number}", subscribed=True)
        session.add(follower)
        session.flush()
        session.add(Binding(follower_id=follower.id, openid=follower.openid,
                            enterprise_id=enterprise.id, policy_id=policy.id, status="active"))
        if number % 500 == 0:
            session.commit()
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=2000)
    args = parser.parse_args()
    from app import create_app
    from core.migrate import upgrade
    from core.services import EXTENSION_KEY
    from wechat.notices import run_reminders

    url = os.environ.get("DATABASE_URL") or \
        f"sqlite:///{tempfile.mkdtemp()}/reminders_bench.sqlite3"
    app = create_app({"env": "development", "database": {"url": url}, "redis": {"url": ""}})
    services = app.extensions[EXTENSION_KEY]
    upgrade(services.db.engine)
    with app.app_context():
        build(services.db.session, args.enterprises)
        services.jobs.inline = False  # count the queueing, not the deliveries
        services.jobs.enqueue = lambda func, *a: None  # type: ignore[method-assign]
        for label in ("first run (issues)", "second run (all issued)"):
            started = time.perf_counter()
            issued = run_reminders(DAY.isoformat())
            seconds = time.perf_counter() - started
            print(f"{label}: {issued} reminders for {args.enterprises} enterprises in "
                  f"{seconds:.2f} s ({args.enterprises / seconds:,.0f} enterprises/s)")


if __name__ == "__main__":
    main()
