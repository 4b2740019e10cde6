"""Rows of a buyer file: reading them, validating them, and the form they are written in.

This is the side of an import that runs in the parsing process: it imports no database code,
so that the process starts quickly. ``lights.importer`` writes what it produces.

- Every row is validated; a bad row is rejected with its line number and the reason
  (``Rejected``), never dropped silently.
- A cleaned row is ``Stored``: the values of a ``buyers`` row in ``STORED_COLUMNS`` order as
  both databases take them (JSON as text, the date in ISO form), and its names as
  (name key, kind), legal name first: plain tuples, cheap to build and to pickle.
- JSON Lines are decoded from bytes: a line of the usual shape by msgspec straight into a
  typed record (``clean_line``), any other by orjson into a dict for ``clean_row``; CSV rows
  are read by the csv module and take ``clean_row``.

Fields (CSV header or JSON keys): source, source_id, name, aliases, original_name, country,
registration_number, address, industry, founded, status, well_known (or listed),
broken_promises, negative_events, disclosure, as_of, sample. In CSV, lists are separated by
"|" and records are written "2024-05-01:major" (date:severity or date:kind); JSON may use
real lists and objects.
"""

from __future__ import annotations

import csv
import gc
import io
import pickle
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Literal

import msgspec
import orjson

from core.countries import country_by_code, find_country
from lights.normalize import name_key, registration_key
from lights.records import EVENT_KINDS, SEVERITIES, STATUSES

TRUE_WORDS = frozenset({"1", "true", "yes", "y", "是", "t"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "n", "否", "f"})
UPDATED_COLUMNS = (
    "legal_name", "original_name", "aliases", "country", "registration_number",
    "registration_key", "address", "industry", "founded", "status", "well_known",
    "broken_promises", "negative_events", "disclosure", "as_of", "sample", "updated_at",
)
BUYER_COLUMNS = ("source", "source_id", *UPDATED_COLUMNS)
STORED_COLUMNS = BUYER_COLUMNS[:-1]  # updated_at is one value per batch, added when written
COUNTRY = STORED_COLUMNS.index("country")

# Longest text kept per field (the columns' sizes); a note or an alias is cut, the rest rejected.
NAME_CHARS, ID_CHARS, SOURCE_CHARS = 300, 80, 40
ADDRESS_CHARS, INDUSTRY_CHARS, NOTE_CHARS, STATUS_CHARS = 2000, 120, 200, 20
FOUNDED_FROM = 1600  # the earliest year founded taken as real

StoredRow = tuple[Any, ...]
Stored = tuple[StoredRow, list[tuple[str, str]]]


class Rejected(ValueError):
    """A row that cannot be loaded; the message (Chinese and the field) says why."""


# --- row validation --------------------------------------------------------------------------

def _text(row: dict[str, Any], name: str, limit: int) -> str | None:
    value = row.get(name)
    if value is None:
        return None
    value = (value if value.__class__ is str else str(value)).strip()
    if len(value) > limit:
        raise Rejected(f"{name}: longer than {limit} characters")
    return value or None


def _flag(row: dict[str, Any], *names: str) -> bool:
    for name in names:
        value = row.get(name)
        if isinstance(value, bool):
            return value
        if value is not None:
            word = str(value).strip().lower()
            if word in TRUE_WORDS:
                return True
            if word not in FALSE_WORDS:
                raise Rejected(f"{name}: not a yes/no value: {value!r}")
    return False


class _Memo(dict):
    """A function's result for each distinct argument, computed once. Registries repeat names
    (a group's companies, the same buyer from two sources) and countries on every row, and
    normalising is the costliest step of a row; the limit bounds memory on huge files."""

    def __init__(self, function: Callable[[str], Any], limit: int) -> None:
        super().__init__()
        self.function, self.limit = function, limit

    def __missing__(self, argument: str) -> Any:
        if len(self) >= self.limit:
            self.clear()
        value = self[argument] = self.function(argument)
        return value


_name_keys = _Memo(name_key, 200_000)


def _country_code(raw: str) -> str | None:
    is_code = len(raw) == 2 and raw.isascii() and raw.isalpha()
    country = (country_by_code(raw) if is_code else None) or find_country(raw)
    return country.code if country else None


_country_codes = _Memo(_country_code, 10_000)


def _country(value: Any) -> str:
    raw = str(value or "").strip()
    if not raw:
        raise Rejected("country: missing")
    code = _country_codes[raw]
    if code is None:
        raise Rejected(f"country: unknown {raw!r}")
    return code


def _date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise Rejected(f"{name}: not a date (YYYY-MM-DD): {value!r}") from None


def _iso_date(value: Any, name: str) -> str | None:
    if value.__class__ is str and len(value) == 10 and value[4] == "-":  # as most files write it
        try:
            date.fromisoformat(value)
            return value
        except ValueError:
            pass  # _date says why
    when = _date(value, name)
    return when.isoformat() if when else None


def _int(value: Any, name: str, low: int, high: int) -> int | None:
    if value.__class__ is int and low <= value <= high:  # JSON's numbers (not bool)
        return value
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise Rejected(f"{name}: not a whole number: {value!r}") from None
    if not low <= number <= high:
        raise Rejected(f"{name}: {number} is outside {low}–{high}")
    return number


def _list(value: Any) -> list[Any]:
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return value
    text = str(value).strip()
    if text.startswith("["):
        try:
            loaded = orjson.loads(text)
        except ValueError:
            raise Rejected(f"not valid JSON: {text[:40]!r}") from None
        return loaded if isinstance(loaded, list) else [loaded]
    return [part.strip() for part in text.split("|") if part.strip()]


def _records(value: Any, name: str, field_name: str, allowed: Iterable[str]) -> list[dict]:
    """"2024-05-01:major|2023-01-02:minor" or JSON objects → [{"date", field_name, "note"}]."""
    allowed = tuple(allowed)
    records = []
    for item in _list(value):
        if isinstance(item, dict):
            on, kind, note = item.get("date"), item.get(field_name), item.get("note", "")
        else:
            on, _, rest = str(item).partition(":")
            kind, _, note = rest.partition(":")
        kind = str(kind or "").strip()
        if kind not in allowed:
            raise Rejected(f"{name}: {field_name} must be one of {', '.join(allowed)}, "
                           f"got {kind!r}")
        when = _date(on, name)
        if when is None:
            raise Rejected(f"{name}: a record without a date")
        records.append({"date": when.isoformat(), field_name: kind, "note": str(note)[:NOTE_CHARS]})
    return records


def _records_json(value: Any, name: str, field_name: str, allowed: Iterable[str]) -> str:
    if value is None or value in ("", []):  # most buyers: no records (0 or false is no list)
        return "[]"
    return _json(_records(value, name, field_name, allowed))


def _json(value: list[Any]) -> str:
    return orjson.dumps(value).decode() if value else "[]"


def _names(name: str, aliases: list[str], original: str | None) -> list[tuple[str, str]]:
    """A buyer's names as (name key, kind), the legal name first, each key once per kind."""
    key = _name_keys[name]
    if not key:
        raise Rejected("name: nothing left after removing the legal form")
    names = [(key, "legal")]
    for alias in aliases:
        if (alias_key := _name_keys[alias]) and (alias_key, "alias") not in names:
            names.append((alias_key, "alias"))
    if original and (original_key := _name_keys[original]):
        names.append((original_key, "original"))
    return names


def clean_row(row: dict[str, Any], default_source: str, now: datetime) -> Stored:
    """One raw row → its ``buyers`` values in ``STORED_COLUMNS`` order and its names, or
    ``Rejected``. Takes every form a file may write (numbers as text, "yes"/"是", lists as
    "a|b", records as "2024-05-01:major"); ``clean_line`` takes the usual JSON line faster."""
    name = _text(row, "name", NAME_CHARS) or _text(row, "legal_name", NAME_CHARS)
    if not name:
        raise Rejected("name: missing")
    source_id = _text(row, "source_id", ID_CHARS)
    if not source_id:
        raise Rejected("source_id: missing")
    status = (_text(row, "status", STATUS_CHARS) or "active").lower()
    if status not in STATUSES:
        raise Rejected(f"status: must be one of {', '.join(STATUSES)}, got {status!r}")
    aliases = [str(alias).strip()[:NAME_CHARS] for alias in _list(row.get("aliases"))]
    original = _text(row, "original_name", NAME_CHARS)
    registration = _text(row, "registration_number", ID_CHARS)
    country = _country(row.get("country"))
    names = _names(name, aliases, original)
    values = (
        _text(row, "source", SOURCE_CHARS) or default_source, source_id, name, original,
        _json(aliases),
        country, registration, registration_key(registration) if registration else None,
        _text(row, "address", ADDRESS_CHARS), _text(row, "industry", INDUSTRY_CHARS),
        _int(row.get("founded"), "founded", FOUNDED_FROM, now.year), status,
        _flag(row, "well_known", "listed"),
        _records_json(row.get("broken_promises"), "broken_promises", "severity", SEVERITIES),
        _records_json(row.get("negative_events"), "negative_events", "kind", EVENT_KINDS),
        _int(row.get("disclosure"), "disclosure", 0, 100) or 0,
        _iso_date(row.get("as_of"), "as_of"), _flag(row, "sample"),
    )
    return values, names


# --- the usual JSON line: decoded and type-checked in one pass by msgspec -------------------
# A line written as the importer documents it (lower-case keys, JSON types, ISO dates, known
# statuses and record kinds) is decoded straight into ``_Line``: no dict, no per-field Python
# checks. Any other line — a key in capitals or unknown, a number written as text, "yes",
# a date with a time, a value over its length — fails that decoding and takes ``clean_row``,
# which accepts or rejects it with its reason: both paths give the same result for a line
# both take (tests/test_lights_rows.py compares them).

def _up_to(limit: int) -> Any:
    return Annotated[str, msgspec.Meta(max_length=limit)]


# msgspec reads these annotations at run time (the Literals take the values of lights.records).
_Name, _Id, _Source = _up_to(NAME_CHARS), _up_to(ID_CHARS), _up_to(SOURCE_CHARS)
_Address, _Industry, _Note = _up_to(ADDRESS_CHARS), _up_to(INDUSTRY_CHARS), _up_to(NOTE_CHARS)
_Severity, _EventKind = Literal[SEVERITIES], Literal[tuple(EVENT_KINDS)]
_Status = Literal[tuple(STATUSES)]


class _BrokenPromise(msgspec.Struct):
    date: date
    severity: _Severity
    note: _Note = ""


class _NegativeEvent(msgspec.Struct):
    date: date
    kind: _EventKind
    note: _Note = ""


class _Line(msgspec.Struct, forbid_unknown_fields=True):
    source_id: _Id
    country: str
    name: _Name | None = None
    legal_name: _Name | None = None
    source: _Source | None = None
    aliases: list[str] | None = None
    original_name: _Name | None = None
    registration_number: _Id | None = None
    address: _Address | None = None
    industry: _Industry | None = None
    founded: Annotated[int, msgspec.Meta(ge=FOUNDED_FROM)] | None = None
    status: _Status | None = None
    well_known: bool | None = None
    listed: bool | None = None
    broken_promises: list[_BrokenPromise] | None = None
    negative_events: list[_NegativeEvent] | None = None
    disclosure: Annotated[int, msgspec.Meta(ge=0, le=100)] | None = None
    as_of: date | None = None
    sample: bool | None = None


_decode_line = msgspec.json.Decoder(_Line).decode
_encode_records = msgspec.json.Encoder().encode


def _stripped(value: str | None) -> str | None:
    return (value.strip() or None) if value else None


def clean_line(raw: bytes, default_source: str, now: datetime) -> Stored | None:
    """A JSON line of the usual shape → what ``clean_row`` makes of it; None when the line is
    not of that shape (or lacks something required): ``clean_row`` then says what."""
    try:
        line = _decode_line(raw)
    except (msgspec.DecodeError, UnicodeDecodeError):  # DecodeError: also ValidationError
        return None
    name = _stripped(line.name) or _stripped(line.legal_name)
    source_id = _stripped(line.source_id)
    country = _country_codes[line.country.strip()] if line.country else None
    founded = line.founded
    if not name or not source_id or country is None or (founded or 0) > now.year:
        return None
    aliases = [alias.strip()[:NAME_CHARS] for alias in line.aliases] if line.aliases else []
    original, registration = _stripped(line.original_name), _stripped(line.registration_number)
    promises, events = line.broken_promises, line.negative_events
    values = (
        _stripped(line.source) or default_source, source_id, name, original, _json(aliases),
        country, registration, registration_key(registration) if registration else None,
        _stripped(line.address), _stripped(line.industry), founded, line.status or "active",
        line.well_known if line.well_known is not None else bool(line.listed),
        _encode_records(promises).decode() if promises else "[]",
        _encode_records(events).decode() if events else "[]",
        line.disclosure or 0, line.as_of.isoformat() if line.as_of else None, bool(line.sample),
    )
    return values, _names(name, aliases, original)


def clean_country_risk(row: dict[str, Any]) -> dict[str, Any]:
    rating = _int(row.get("rating"), "rating", 1, 9)
    if rating is None:
        raise Rejected("rating: missing (1–9)")
    return {"country": _country(row.get("country")), "rating": rating,
            "source": _text(row, "source", 80) or "", "as_of": _date(row.get("as_of"), "as_of"),
            "sample": _flag(row, "sample")}



# --- reading files, with byte offsets for the checkpoint -------------------------------------

@dataclass
class _Position:
    offset: int = 0
    line: int = 0


def _lines(handle: io.BufferedReader, position: _Position) -> Iterator[bytes]:
    for raw in handle:
        position.offset += len(raw)
        position.line += 1
        yield raw


def _text_lines(lines: Iterator[bytes]) -> Iterator[str]:
    for raw in lines:
        yield raw.decode("utf-8", errors="replace")


# A JSON line still to decode (bytes: orjson reads UTF-8 itself), a CSV row, or a reject.
Raw = bytes | dict[str, Any] | Rejected
BOM = b"\xef\xbb\xbf"


def read_raw(path: Path, start_offset: int = 0, start_line: int = 0
             ) -> Iterator[tuple[int, int, Raw]]:
    """(line number, byte offset after the row, the raw row); JSON is decoded by ``decode``."""
    is_csv = path.suffix.lower() in (".csv", ".tsv")
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    with path.open("rb") as handle:
        header: list[str] | None = None
        if is_csv:
            first = handle.readline()
            header = [name.strip().lower() for name in next(csv.reader(
                [first.decode("utf-8-sig")], delimiter=delimiter))]
            start_offset = max(start_offset, len(first))
            start_line = max(start_line, 1)
        handle.seek(start_offset)
        position = _Position(start_offset, start_line)
        lines = _lines(handle, position)
        if is_csv:
            assert header is not None
            for values in csv.reader(_text_lines(lines), delimiter=delimiter):
                if not any(value.strip() for value in values):
                    continue
                if len(values) != len(header):
                    yield position.line, position.offset, Rejected(
                        f"expected {len(header)} columns, found {len(values)}")
                    continue
                yield position.line, position.offset, dict(zip(header, values, strict=True))
            return
        for line in lines:
            if position.line == 1 and line.startswith(BOM):
                line = line[len(BOM):]
            if line.strip():
                yield position.line, position.offset, line


def decode(raw: Raw) -> dict[str, Any]:
    """The row as a dict; raises ``Rejected`` for a line that is not a JSON object."""
    if isinstance(raw, Rejected):
        raise raw
    if isinstance(raw, dict):
        return raw
    try:
        loaded = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise Rejected(f"not valid JSON ({error.msg})") from None
    if not isinstance(loaded, dict):
        raise Rejected("a JSON object is expected")
    if "".join(loaded).islower():  # the usual file: keys already in lower case
        return loaded
    return {str(k).lower(): v for k, v in loaded.items()}


def read_rows(path: Path, start_offset: int = 0, start_line: int = 0
              ) -> Iterator[tuple[int, int, dict[str, Any] | Rejected]]:
    """(line number, byte offset after the row, the row or why it is unreadable)."""
    for line, offset, raw in read_raw(path, start_offset, start_line):
        try:
            yield line, offset, decode(raw)
        except Rejected as rejected:
            yield line, offset, rejected


# --- batches: what the parsing process sends the writer --------------------------------------

@contextmanager
def without_cycle_collector() -> Iterator[None]:
    """A batch makes some 10^5 dicts, lists and tuples that all live until it is written, and
    none of them in a reference cycle (reference counting frees them all): the cyclic
    collector, triggered by every 700 allocations, would scan them again and again for
    nothing — about a fifth of the parsing time on 100k demo rows. It is switched back on
    (if it was on) afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class Reading:
    """Where to read and how to clean: picklable, for the parsing process."""

    path: Path
    offset: int
    line: int
    batch_rows: int
    source: str
    now: datetime


@dataclass
class Batch:
    """Rows cleaned from the file up to ``end_offset`` (the byte after the batch's last row)
    and ``end_line``: the accepted ones ready to write, and the rejected ones with their line
    and reason."""

    end_line: int
    end_offset: int
    accepted: list[Stored]
    rejected: list[tuple[int, str]]


def clean_items(items: Iterable[tuple[int, Raw]], source: str, now: datetime,
                batch: Batch) -> None:
    for line, raw in items:
        try:
            cleaned = clean_line(raw, source, now) if raw.__class__ is bytes else None
            batch.accepted.append(cleaned or clean_row(decode(raw), source, now))
        except Rejected as rejected:
            batch.rejected.append((line, str(rejected)))


def batches(reading: Reading) -> Iterator[Batch]:
    """The file from the reading's offset, cleaned batch by batch; the last batch runs to the
    end of the file (trailing blank lines included)."""
    batch = Batch(reading.line, reading.offset, [], [])
    pending: list[tuple[int, Raw]] = []
    with without_cycle_collector():
        for line, offset, raw in read_raw(reading.path, reading.offset, reading.line):
            pending.append((line, raw))
            batch.end_line, batch.end_offset = line, offset
            if len(pending) >= reading.batch_rows:
                clean_items(pending, reading.source, reading.now, batch)
                yield batch
                batch, pending = Batch(line, offset, [], []), []
        clean_items(pending, reading.source, reading.now, batch)
        batch.end_offset = reading.path.stat().st_size
        yield batch


class ParsingFailed(RuntimeError):
    """The parsing process failed; the message is its traceback."""


def send_batches(reading: Reading, out: BinaryIO) -> None:
    """The parsing process's work: each batch pickled to ``out`` in file order, then None (or
    the failure). A full pipe blocks it: the read-ahead is bounded by the writer's pace."""
    try:
        for batch in batches(reading):
            pickle.dump(batch, out, pickle.HIGHEST_PROTOCOL)
            out.flush()
        pickle.dump(None, out)
    except BrokenPipeError:  # the writer stopped (an error, a simulated crash)
        return
    except BaseException:
        pickle.dump(ParsingFailed(traceback.format_exc()), out)
    out.flush()


if __name__ == "__main__":  # python -m lights.rows: the parsing process of lights.importer
    import lights.rows as rows  # pickles must name lights.rows, not __main__

    rows.send_batches(pickle.load(sys.stdin.buffer), sys.stdout.buffer)
