"""Buyer names as exporters type them, through the real webhook: simplified characters find a
name registered in Japanese or traditional script, a corrected or partial match says what it
matched, an exact legal name goes straight to its buyer, a name's first words list the longer
names that start with them. And the migration that folds the keys already stored."""

from __future__ import annotations

import importlib.util
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import select, text

from lights.importer import upsert_buyers
from lights.models import BuyerName
from lights.rows import clean_row
from tests.conftest import REPO, WeChat

AS_OF = (date.today() - timedelta(days=10)).isoformat()
REGISTRY = [
    {"name": "Hasegawa Mining Co., Ltd.", "original_name": "長谷川鉱業株式会社", "country": "JP"},
    {"name": "Yamada Denki Co., Ltd.", "original_name": "山田電気株式会社", "country": "JP"},
    {"name": "Taiwan Precision Machinery Co., Ltd.", "original_name": "臺灣精密機械股份有限公司",
     "country": "TW"},
    {"name": "Weitzel Neureuther GmbH & Co. OHG", "country": "DE"},
    {"name": "Yılmaz San. ve Tic. A.Ş.", "country": "TR"},
    {"name": "Yılmaz Ltd. Şti.", "country": "TR"},
    {"name": "Herrmann GmbH & Co. KG", "country": "DE"},
    {"name": "Herrmann e.K.", "country": "DE"},
    {"name": "Herrmann Meister GmbH & Co. OHG", "country": "DE"},
    {"name": "Meister Herrmann Bau GmbH", "country": "DE"},
]


@pytest.fixture
def registry(db):
    now = datetime.now(UTC)
    rows = [clean_row({"source": "test", "source_id": f"n-{number}", "disclosure": 80,
                       "as_of": AS_OF, **row}, "test", now)
            for number, row in enumerate(REGISTRY)]
    upsert_buyers(db, rows, now)
    db.commit()
    return db


def verdict_text(emulator, openid: str) -> str:
    texts = [entry["text"]["content"] for entry in emulator.sent_to(openid)
             if entry.get("msgtype") == "text"]
    assert len(texts) == 1, texts
    return texts[0]


def look_up(wechat: WeChat, openid: str, query: str) -> dict[str, str]:
    return wechat.send(wechat.sim.text(openid, f"查询 {query}"))


@pytest.mark.parametrize(("query", "buyer"), [
    ("长谷川矿业", "Hasegawa Mining Co., Ltd."),  # simplified, as a Chinese exporter types it
    ("長谷川鉱業", "Hasegawa Mining Co., Ltd."),  # Japanese, as registered
    ("長谷川礦業", "Hasegawa Mining Co., Ltd."),  # traditional
    ("长谷川矿业株式会社", "Hasegawa Mining Co., Ltd."),
    ("山田电气", "Yamada Denki Co., Ltd."),
    ("台湾精密机械", "Taiwan Precision Machinery Co., Ltd."),
])
def test_simplified_traditional_and_japanese_forms_find_one_another(
        wechat, registry, emulator, query, buyer):
    reply = look_up(wechat, "o-cjk", query)
    assert reply["MsgType"] == "image", reply
    said = verdict_text(emulator, "o-cjk")
    assert f"买方：{buyer}" in said
    assert "为您查询" not in said  # the same name in another script: nothing was corrected


def test_a_corrected_name_says_what_it_matched(wechat, registry, emulator):
    reply = look_up(wechat, "o-typo", "Weitzel Neureuter")
    assert reply["MsgType"] == "image"
    said = verdict_text(emulator, "o-typo")
    assert said.startswith("按「Weitzel Neureuther GmbH & Co. OHG」为您查询"
                           "（您输入的是「Weitzel Neureuter」）")
    assert "【资信红绿灯】" in said


def test_the_first_words_of_a_long_name_find_it_and_say_so(wechat, registry, emulator):
    assert look_up(wechat, "o-part", "Weitzel")["MsgType"] == "image"
    assert verdict_text(emulator, "o-part").startswith(
        "按「Weitzel Neureuther GmbH & Co. OHG」为您查询")


def test_the_name_as_registered_is_not_called_a_correction(wechat, registry, emulator):
    look_up(wechat, "o-exact", "Weitzel Neureuther GmbH & Co. OHG")
    assert "为您查询" not in verdict_text(emulator, "o-exact")


def test_an_exact_legal_name_goes_straight_to_its_buyer(wechat, registry, emulator):
    reply = look_up(wechat, "o-legal", "Yılmaz San. ve Tic. A.Ş.")
    assert reply["MsgType"] == "image"
    assert "买方：Yılmaz San. ve Tic. A.Ş." in verdict_text(emulator, "o-legal")

    reply = look_up(wechat, "o-legal-2", "yilmaz ltd sti")  # as typed on a phone
    assert reply["MsgType"] == "image"
    assert "买方：Yılmaz Ltd. Şti." in verdict_text(emulator, "o-legal-2")


def test_a_name_without_its_legal_form_lists_the_namesakes(wechat, registry):
    listed = look_up(wechat, "o-namesakes", "Yılmaz")["Content"]
    assert "请回复序号" in listed
    assert "Yılmaz San. ve Tic. A.Ş." in listed and "Yılmaz Ltd. Şti." in listed


def test_a_surname_lists_the_longer_names_that_start_with_it(wechat, registry):
    listed = look_up(wechat, "o-herrmann", "Herrmann")["Content"]
    lines = [line for line in listed.splitlines() if line[:1].isdigit()]
    names = [line.split(". ", 1)[1].split(" · ")[0] for line in lines]
    # The two whose name is Herrmann first, then the one that starts with it.
    assert set(names[:2]) == {"Herrmann GmbH & Co. KG", "Herrmann e.K."}
    assert names[2] == "Herrmann Meister GmbH & Co. OHG"
    picked = [line for line in lines if "Herrmann Meister" in line][0]
    assert picked.startswith("3. ")


def test_the_migration_folds_the_keys_stored_before_it(db):
    """Keys written by the previous normalisation (Japanese and traditional characters kept)
    are folded by migration 0021, and found by a simplified query afterwards."""
    from lights.search import search

    now = datetime.now(UTC)
    upsert_buyers(db, [clean_row({"source": "test", "source_id": "old", "name": "Goto Fisheries",
                                  "original_name": "有限会社後藤水産", "country": "JP"},
                                 "test", now)], now)
    db.execute(text("UPDATE buyer_names SET name_key = '後藤水産', name_rev = '産水藤後' "
                    "WHERE kind = 'original'"))
    db.commit()
    assert search(db, "后藤水产").candidates == ()

    path = REPO / "migrations" / "versions" / "0021_lights_name_keys.py"
    spec = importlib.util.spec_from_file_location("migration_0021", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    connection = db.connection()
    with Operations.context(MigrationContext.configure(connection)):
        migration.upgrade()
    db.commit()

    keys = set(db.scalars(select(BuyerName.name_key)))
    assert keys == {"goto fisheries", "后藤水产"}
    assert search(db, "后藤水产").best is not None
    assert search(db, "後藤水産").best is not None
