"""Rows of a buyer file: the usual JSON line (typed decoding) and every other form (the general
path) must give the same buyers and the same rejections."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lights.demo import demo_rows
from lights.rows import Reading, Rejected, batches, clean_line, clean_row, decode

NOW = datetime(2026, 11, 28, 8, tzinfo=UTC)


def general(raw: bytes) -> object:
    """What the general path makes of a line: the stored row, or the reason it is rejected."""
    try:
        return clean_row(decode(raw), "feed", NOW)
    except Rejected as rejected:
        return f"rejected: {rejected}"


def line(**fields: object) -> bytes:
    row = {"source_id": "S1", "name": "Acme Handels GmbH", "country": "DE", **fields}
    return json.dumps({k: v for k, v in row.items() if v is not ...},
                      ensure_ascii=False).encode()


def test_demo_lines_take_the_typed_path_and_match_the_general_one():
    raws = [json.dumps(row, ensure_ascii=False).encode()
            for row in demo_rows(600, today=date(2026, 11, 28))]
    typed = [clean_line(raw, "feed", NOW) for raw in raws]

    assert None not in typed  # every demo line is of the usual shape
    assert typed == [general(raw) for raw in raws]
    assert {values[13] != "[]" for values, _ in typed} == {True, False}  # with and without records


USUAL_LINES = {
    "every field": line(
        source="crm", aliases=["Acme Trading", " Acme Intl ", "Acme Trading"],
        original_name="アクメ株式会社", registration_number="HRB 12345", address="Hauptstr. 1",
        industry="五金工具", founded=1990, status="in_liquidation", well_known=False,
        broken_promises=[{"date": "2025-03-01", "severity": "major", "note": "late",
                          "amount": 5}],
        negative_events=[{"date": "2025-01-01", "kind": "lawsuit"}],
        disclosure=0, as_of="2026-10-01", sample=True),
    "padded text": line(name="  Acme GmbH  ", source_id=" S1 ", country=" DE ",
                        address="   ", industry=""),
    "nulls": line(aliases=None, original_name=None, founded=None, status=None,
                  well_known=None, broken_promises=None, negative_events=None,
                  disclosure=None, as_of=None, sample=None, source=None),
    "legal_name instead of name": line(name=..., legal_name="Beta Ltd"),
    "blank name, legal_name": line(name=" ", legal_name="Beta Ltd"),
    "listed": line(listed=True),
    "well_known wins over listed": line(well_known=False, listed=True),
    "country by name": line(country="Germany"),
    "founded this year": line(founded=2026),
    "only a legal form": line(name="GmbH"),
    "empty lists": line(aliases=[], broken_promises=[], negative_events=[]),
}


@pytest.mark.parametrize("raw", USUAL_LINES.values(), ids=USUAL_LINES.keys())
def test_usual_lines_give_what_the_general_path_gives(raw):
    try:
        typed: object = clean_line(raw, "feed", NOW)
    except Rejected as rejected:
        typed = f"rejected: {rejected}"

    assert typed is not None
    assert typed == general(raw)


UNUSUAL_LINES = {
    "key in capitals": line(Address="Hauptstr. 1"),
    "unknown key": line(website="acme.example"),
    "number as text": line(founded="1990", disclosure="70"),
    "yes and no words": line(well_known="yes", sample="否"),
    "list as text": line(aliases="Acme Trading|Acme Intl"),
    "records as text": line(broken_promises="2025-03-01:major|2024-01-02:minor"),
    "date with a time": line(as_of="2026-10-01T08:00:00"),
    "status in capitals": line(status="Bankrupt"),
    "padded over the limit": line(source_id=" " * 70 + "S1" + " " * 20),
    "long note": line(negative_events=[{"date": "2025-01-01", "kind": "loss",
                                        "note": "x" * 300}]),
    "source id as a number": line(source_id=77),
    "unknown country": line(country="Atlantis"),
    "no country": line(country=""),
    "founded next year": line(founded=2027),
    "founded as true": line(founded=True),
    "unknown status": line(status="sleepy"),
    "unknown record kind": line(negative_events=[{"date": "2025-01-01", "kind": "alien"}]),
    "impossible date": line(as_of="2026-02-30"),
    "disclosure over 100": line(disclosure=140),
    "no name": line(name=...),
    "blank source id": line(source_id=" "),
    "not an object": b'["a", "list"]',
    "not json": b"not json at all",
    "not utf-8": b'{"source_id": "S2", "name": "Caf\xe9 Ltd", "country": "FR"}',
}


@pytest.mark.parametrize("raw", UNUSUAL_LINES.values(), ids=UNUSUAL_LINES.keys())
def test_other_lines_take_the_general_path(raw):
    assert clean_line(raw, "feed", NOW) is None


def test_a_file_of_both_kinds_gives_what_the_general_path_gives(tmp_path: Path):
    raws = [*USUAL_LINES.values(), *UNUSUAL_LINES.values()]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(raws) + b"\n")

    accepted, rejected = [], []
    for batch in batches(Reading(path, 0, 0, 7, "feed", NOW)):
        accepted += batch.accepted
        rejected += [reason for _, reason in batch.rejected]

    expected = [general(raw) for raw in raws]
    assert accepted == [row for row in expected if not isinstance(row, str)]
    assert ["rejected: " + reason for reason in rejected] == [
        row for row in expected if isinstance(row, str)]
    assert len(accepted) > len(USUAL_LINES)  # unusual lines that are valid still load
