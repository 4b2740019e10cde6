"""The operator's import of enterprises, policies and limits (CSV and Excel, a rejects report,
buyers linked to the 资信红绿灯 registry on an exact match) and the demo data (示例数据)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

from openpyxl import Workbook
from sqlalchemy import func, select

from lights.importer import upsert_buyers
from lights.rows import clean_row
from policies.models import CreditLimit, Enterprise, Policy
from tests.policy_data import uscc

HEADERS = ["企业名称", "统一社会信用代码", "手机号", "保单号", "起保日期", "终止日期", "赔偿比例",
           "费率", "支付方式", "可损通知期限", "买方名称", "买方国家", "限额", "币种"]
GOOD = ["宁波导入测试有限公司", uscc(11), "00000000001", "imp-0001", "2026-06-01",
        "2027-05-31", "90", "", "DP;DA;OA;L/C", "60", "Siemens AG", "DE", "100,000", "usd"]


def rows() -> list[list[str]]:
    bad_code = uscc(12)[:17] + ("0" if uscc(12)[-1] != "0" else "1")
    return [
        HEADERS,
        GOOD,
        [*GOOD[:10], "Second Buyer Ltd", "GB", "50000", "USD"],  # a second limit
        ["另一家导入公司", bad_code, "", "IMP-0002", "2026-06-01", "2027-05-31", "90", "", "",
         "", "", "", "", ""],                                               # check character
        ["第三家导入公司", uscc(13), "", "IMP-0003", "2026-06-01", "2025-05-31", "90", "", "",
         "", "", "", "", ""],                                               # ends before it starts
        ["第四家导入公司", uscc(14), "", "IMP-0004", "2026-06-01", "2027-05-31", "90", "", "T/T",
         "", "", "", "", ""],                                               # not in the source
        ["第五家导入公司", uscc(15), "", "IMP-0005", "2026-06-01", "2027-05-31", "", "", "", "",
         "", "", "", ""],                                                   # no indemnity
    ]


def registry_buyer(db) -> None:
    now = datetime.now(UTC)
    upsert_buyers(db, [clean_row({"source": "test", "source_id": "s-1", "name": "Siemens AG",
                                  "country": "DE"}, "test", now)], now)
    db.commit()


def check_imported(db, result_output: str, rejects_path) -> None:
    assert result_output.startswith("6 rows:")
    assert "1 enterprises, 1 policies, 2 credit limits (1 buyers linked" in result_output
    assert "4 rejected" in result_output
    with rejects_path.open(encoding="utf-8-sig") as handle:
        rejected = list(csv.DictReader(handle))
    assert [(row["line"], row["reason"].split(":")[0]) for row in rejected] == [
        ("4", "uscc"), ("5", "ends_on is before starts_on"),
        ("6", "payment method not covered by the source document"), ("7", "missing")]
    policy = db.scalar(select(Policy))
    assert (policy.number, policy.payment_methods, policy.loss_report_days) == (
        "IMP-0001", ["DP", "DA", "OA", "LC"], 60)
    limits = {limit.buyer_name: limit for limit in db.scalars(select(CreditLimit))}
    assert limits["Siemens AG"].buyer_id is not None and limits["Siemens AG"].currency == "USD"
    assert limits["Second Buyer Ltd"].buyer_id is None  # no such buyer in the registry


def test_csv_import_with_rejects_and_registry_links(cli, db, tmp_path):
    registry_buyer(db)
    path = tmp_path / "policies.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows())
    result = cli("policies", "import", str(path))
    assert result.exit_code == 0, result.output
    check_imported(db, result.output, tmp_path / "policies.csv.rejected.csv")
    again = cli("policies", "import", str(path))  # an upsert: nothing doubles
    assert again.exit_code == 0
    assert db.scalar(select(func.count()).select_from(CreditLimit)) == 2


def test_excel_import(cli, db, tmp_path):
    registry_buyer(db)
    book = Workbook()
    for row in rows():
        book.active.append(row)
    path = tmp_path / "policies.xlsx"
    book.save(path)
    result = cli("policies", "import", str(path))
    assert result.exit_code == 0, result.output
    check_imported(db, result.output, tmp_path / "policies.xlsx.rejected.csv")


def test_demo_data_is_marked_sample_and_invents_no_phone_number(cli, db):
    result = cli("policies", "demo", "--count", "3")
    assert result.exit_code == 0, result.output
    enterprises = db.scalars(select(Enterprise)).all()
    assert len(enterprises) == 3
    assert all(e.sample and e.mobile is None and e.uscc[2:8] == "000000" and "示例" in e.name
               for e in enterprises)
    assert all(policy.sample for policy in db.scalars(select(Policy)))


def test_demo_policies_say_sample_to_a_bound_follower(cli, db, wechat):
    from tests.policy_data import bind

    cli("policies", "demo", "--count", "1", "--mobile", "00000000001")
    enterprise = db.scalar(select(Enterprise))
    bind(db, "o-demo", enterprise, db.scalar(select(Policy)))
    assert "示例数据" in wechat.say("o-demo", "我的保单")
