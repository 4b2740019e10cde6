"""Buyer names and queries made comparable: one key per name, whatever way it was typed.

"ＡＣＭＥ Handels-GmbH", "acme handels gmbh" and "Acme Handels" all become "acme handels":
NFKC folds full width to half width, case is folded, accents are dropped, punctuation becomes
a space, and legal forms (GmbH, Ltd, S.p.A., 株式会社, 有限公司, ...) are removed from either
end because exporters rarely type them the way the register writes them.

A query may also name a country ("ACME 德国", "acme gmbh germany"); ``split_query`` finds it
with the core country catalogue and returns the name part and the ISO code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from core.countries import country_names

# Legal forms as token sequences (after punctuation became spaces: "S.p.A." → "s p a").
# Stripped only at the start or end of a name, never from the middle.
_LATIN_LEGAL_FORMS: tuple[str, ...] = (
    "gmbh & co kgaa", "gmbh & co kg", "gmbh co kg", "co kg", "gmbh", "mbh", "kgaa", "kg", "ag",
    "e v", "ev", "ug", "ohg", "gesbr",
    "co ltd", "company limited", "co limited", "pvt ltd", "pte ltd", "pty ltd", "sdn bhd",
    "ltd", "limited", "llc", "l l c", "llp", "lp", "inc", "incorporated", "corp", "corporation",
    "co", "company", "plc", "group",
    "s p a", "spa", "s r l", "srl", "s a s", "sas", "s a r l", "sarl", "sarl", "s a", "sa",
    "s a de c v", "sa de cv", "s de r l", "s l", "sl", "s coop", "s c", "sp z o o", "sp j",
    "b v", "bv", "n v", "nv", "k k", "kk", "g k", "a s", "as", "a/s", "aps", "ab", "hb",
    "oy", "oyj", "as oy", "kft", "bt", "zrt", "s r o", "sro", "a s", "v o s", "o s",
    "ltda", "lda", "s/a", "eirl", "a c", "sca", "pfa", "asf", "jsc", "ojsc", "cjsc", "pjsc",
    "tbk", "tnhh", "bhd", "sdn", "pvt", "a ş", "san", "tic", "ltd sti", "sti",
)
# Forms written before the name (Indonesia's PT, Russia's OOO, Vietnam's Công ty).
_LEADING_LEGAL_FORMS: tuple[str, ...] = (
    "pt", "pd", "cv", "perum", "ooo", "zao", "oao", "pao", "ip", "cong ty tnhh", "cong ty",
)
# Scripts without spaces: removed as substrings at either end.
_CJK_LEGAL_FORMS: tuple[str, ...] = (
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "株式会社", "有限会社", "合同会社",
    "合資会社", "合名会社", "(株)", "(有)", "주식회사", "유한회사", "(주)", "(유)",
    "บริษัท", "จำกัด", "มหาชน",
    "ооо", "зао", "оао", "пао", "ао", "ип",
    "شركة", "ذ.م.م", "ش.م.م",
)
_PUNCTUATION_CATEGORIES = ("P", "S")
_KEEP_SYMBOLS = frozenset("&/")
_SPACES = re.compile(r"\s+")


def _token_forms(forms: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    split = {tuple(form.replace("&", " & ").replace("/", " / ").split()) for form in forms}
    # Longest first, so "gmbh & co kg" wins over "kg".
    return tuple(sorted(split, key=len, reverse=True))


@cache
def _latin_forms() -> tuple[tuple[str, ...], ...]:
    return _token_forms(_LATIN_LEGAL_FORMS)


@cache
def _leading_forms() -> tuple[tuple[str, ...], ...]:
    return _token_forms(_LEADING_LEGAL_FORMS)


def fold(text: str) -> str:
    """Width, case and accents folded; punctuation becomes spaces; spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text)
    cleaned = []
    for ch in text:
        if ch in _KEEP_SYMBOLS:
            cleaned.append(f" {ch} ")
        elif unicodedata.category(ch)[0] in _PUNCTUATION_CATEGORIES:
            cleaned.append(" ")
        else:
            cleaned.append(ch)
    return _SPACES.sub(" ", "".join(cleaned)).strip()


def _strip_cjk_forms(text: str) -> str:
    changed = True
    while changed:
        changed = False
        for form in _CJK_LEGAL_FORMS:
            folded_form = fold(form)
            if not folded_form:
                continue
            if text.startswith(folded_form) and len(text) > len(folded_form):
                text, changed = text[len(folded_form):].strip(), True
            elif text.endswith(folded_form) and len(text) > len(folded_form):
                text, changed = text[: -len(folded_form)].strip(), True
    return text


def _strip_latin_forms(tokens: list[str]) -> list[str]:
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for form in _latin_forms():
            size = len(form)
            if len(tokens) > size and tuple(tokens[-size:]) == form:
                tokens, changed = tokens[:-size], True
                break
        for form in _leading_forms():
            size = len(form)
            if len(tokens) > size and tuple(tokens[:size]) == form:
                tokens, changed = tokens[size:], True
                break
    return [token for token in tokens if token not in ("&", "/")] or tokens


def name_key(name: str) -> str:
    """The comparable form of a company name: "Acme Handels-GmbH" → "acme handels"."""
    text = _strip_cjk_forms(fold(name))
    # Strip before splitting so that "(주) 모두" and "株式会社トヨタ" lose their forms too.
    tokens = _strip_latin_forms(text.split())
    return " ".join(tokens)


def registration_key(number: str) -> str:
    """Registration numbers compare on letters and digits only: "HRB 12345" == "hrb-12345"."""
    folded = unicodedata.normalize("NFKC", number).upper()
    return "".join(ch for ch in folded if ch.isalnum())


def looks_like_registration_number(text: str) -> bool:
    key = registration_key(text)
    return len(key) >= 5 and sum(ch.isdigit() for ch in key) >= 4


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # what the follower typed
    name: str  # the name part (without the country)
    key: str  # name_key(name)
    country: str | None  # ISO code, when the query named one


@cache
def _country_lookup() -> tuple[dict[str, str], int]:
    names = {fold(name): code for name, code in country_names().items() if code}
    # Two-letter codes ("de", "us") are too ambiguous inside a company name; keep them only
    # when typed in capitals, handled in split_query.
    names = {name: code for name, code in names.items() if len(name) > 2 or not name.isascii()}
    return names, max(len(name) for name in names)


def split_query(text: str) -> ParsedQuery:
    """Find a country at the end or the start of the query: "ACME 德国", "germany acme"."""
    folded = fold(text)
    names, _ = _country_lookup()
    name, country = folded, None
    words = folded.split()
    for size in (3, 2, 1):  # the longest country name first: "united arab emirates"
        if len(words) <= size:
            continue
        tail, head = " ".join(words[-size:]), " ".join(words[:size])
        if tail in names:
            name, country = " ".join(words[:-size]), names[tail]
            break
        if head in names:
            name, country = " ".join(words[size:]), names[head]
            break
    if country is None:
        name, country = _attached_chinese_country(folded, names)
    return ParsedQuery(text=text, name=name, key=name_key(name), country=country)


def _attached_chinese_country(folded: str, names: dict[str, str]) -> tuple[str, str | None]:
    """"ACME德国": a Chinese country name glued to the end (or start) of the name."""
    for length in range(min(8, len(folded) - 1), 1, -1):
        tail, head = folded[-length:], folded[:length]
        if not tail.isascii() and tail in names and folded[:-length].strip():
            return folded[:-length].strip(), names[tail]
        if not head.isascii() and head in names and folded[length:].strip():
            return folded[length:].strip(), names[head]
    return folded, None
