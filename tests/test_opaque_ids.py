"""``core.ids``: database ids written as opaque strings (AES on the 8-byte id and 8 check
bytes, base32) that read back exactly, cannot be walked, and refuse whatever they did not
write; ``api.ids.OpaqueId`` writes and reads them in schemas."""

from __future__ import annotations

import random
import re

import marshmallow as ma
import pytest

from api.ids import OpaqueId
from core.ids import LENGTH, MAX_INT32, PATTERN, IdCodec, UnknownId, id_codec
from lights.links import buyer_ids

CODEC = IdCodec("a-test-secret", "tests")


def test_ids_read_back_exactly_across_the_range():
    numbers = [1, 2, 3, 255, 256, 65_535, 999_999_999, MAX_INT32 - 1, MAX_INT32]
    for number in numbers:
        text = CODEC.encode(number)
        assert len(text) == LENGTH and re.fullmatch(PATTERN, text)
        assert CODEC.decode(text) == number
    wide = IdCodec("a-test-secret", "tests", max_value=2**63 - 1)
    assert wide.decode(wide.encode(2**63 - 1)) == 2**63 - 1


def test_neighbours_look_unrelated():
    texts = [CODEC.encode(number) for number in range(1, 1001)]
    assert len(set(texts)) == 1000
    for one, two in zip(texts, texts[1:], strict=False):
        assert one[:4] != two[:4] and one[-4:] != two[-4:]
    assert sorted(texts) != texts


def test_the_key_and_the_purpose_make_the_ids():
    assert IdCodec("a-test-secret", "tests").encode(42) == CODEC.encode(42)  # stable
    assert IdCodec("another-secret", "tests").encode(42) != CODEC.encode(42)
    assert IdCodec("a-test-secret", "other").encode(42) != CODEC.encode(42)
    with pytest.raises(UnknownId):
        IdCodec("another-secret", "tests").decode(CODEC.encode(42))
    with pytest.raises(UnknownId):
        IdCodec("a-test-secret", "other").decode(CODEC.encode(42))
    assert id_codec("a-test-secret", "tests") is id_codec("a-test-secret", "tests")


def test_guessed_strings_are_refused():
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    chance = random.Random(20261201)
    for _ in range(5000):  # each one is accepted with probability 2**-64
        guess = "".join(chance.choice(alphabet) for _ in range(25)) + chance.choice("aeimquy4")
        with pytest.raises(UnknownId):
            CODEC.decode(guess)


@pytest.mark.parametrize("text", [
    None, 7, b"bytes", "", "1", "a" * 25, "a" * 27, "A" * 26, "0" * 26, "=" * 26, "a" * 10_000,
    "买" * 26, "\x00" * 26,
])
def test_malformed_input_is_refused(text):
    with pytest.raises(UnknownId):
        CODEC.decode(text)


def test_only_the_canonical_spelling_is_read():
    text = CODEC.encode(12345)
    assert CODEC.decode(text) == 12345
    for variant in (text.upper(), text + "=" * 6, text[:-1] + "b", " " + text):
        with pytest.raises(UnknownId):
            CODEC.decode(variant)


def test_ids_outside_the_range_are_refused_both_ways():
    for value in (0, -1, MAX_INT32 + 1, True, 1.0, "1", None):
        with pytest.raises(ValueError):
            CODEC.encode(value)  # type: ignore[arg-type]
    wide = IdCodec("a-test-secret", "tests", max_value=2**40)
    with pytest.raises(UnknownId):  # well made, but larger than this codec's column
        CODEC.decode(wide.encode(MAX_INT32 + 1))
    with pytest.raises(ValueError):
        IdCodec("", "tests")


class ThingSchema(ma.Schema):
    id = OpaqueId(buyer_ids, required=True)


def test_the_schema_field_writes_and_reads_opaque_ids(services):
    codec = buyer_ids(services.settings.secret_key)
    assert ThingSchema().dump({"id": 7}) == {"id": codec.encode(7)}
    assert ThingSchema().load({"id": codec.encode(7)}) == {"id": 7}
    for bad in ("7", "a" * 26, 7):
        with pytest.raises(ma.ValidationError):
            ThingSchema().load({"id": bad})
