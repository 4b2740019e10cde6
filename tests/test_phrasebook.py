"""The README and docs/ stand alone on a clone: the phrases a follower can type and the buttons
to tap are generated from the services' declarations and current (`xinbao intents --write`),
and every link points to a file of this repository or to the web, never beside it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.features import all_intents
from menus import definition
from xinbao_cli.intents import PHRASES_DOC, README, markdown, readme_with_table

REPO = Path(__file__).resolve().parent.parent
STALE = "stale: run `.venv/bin/xinbao intents --write` and commit the result"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_docs_phrases_is_generated_from_the_declarations():
    assert PHRASES_DOC.read_text(encoding="utf-8") == markdown(), STALE


def test_the_readme_table_is_generated_from_the_declarations():
    text = README.read_text(encoding="utf-8")
    assert readme_with_table(text) == text, STALE


def test_every_intent_word_and_button_is_listed():
    page = PHRASES_DOC.read_text(encoding="utf-8")
    for intent in all_intents():
        for word in (*intent.words, *intent.examples):
            assert f"`{word}`" in page, (intent.name, word)
    for menu in definition.load().menus:
        for _path, button in menu.all_buttons():
            if not button.sub_buttons:
                assert f"`/click {button.name}`" in page, button.name


@pytest.mark.parametrize("document", ["README.md", *sorted(
    str(path.relative_to(REPO)) for path in (REPO / "docs").glob("*.md"))])
def test_links_stay_inside_the_repository(document):
    path = REPO / document
    text = path.read_text(encoding="utf-8")
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://", "#", "mailto:")):
            continue
        resolved = (path.parent / target.split("#")[0]).resolve()
        assert resolved.is_relative_to(REPO), f"{document}: {target} points outside the clone"
        assert resolved.exists(), f"{document}: {target} does not exist"
    assert "../shared" not in text and "/work/" not in text
