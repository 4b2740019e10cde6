"""Buyer names and queries made comparable: one key per name, whatever way it was typed.

"ＡＣＭＥ Handels-GmbH", "acme handels gmbh" and "Acme Handels" all become "acme handels":
NFKC folds full width to half width, case is folded, accents are dropped, punctuation becomes
a space, and legal forms (GmbH, Ltd, S.p.A., 株式会社, 有限公司, ...) are removed from either
end because exporters rarely type them the way the register writes them.

Chinese characters are folded to simplified Chinese: 長谷川鉱業 (Japanese), 長谷川礦業
(traditional) and 长谷川矿业 (what a Chinese exporter types) share one key. OpenCC's jp2t
turns Japanese forms into traditional ones, its t2s makes those simplified, and zhconv
finishes what t2s leaves (鑛 → 矿); neither library alone is enough. The key is stored, so
the search reads it as it reads any other (``lights.search``).

A query may also name a country ("ACME 德国", "acme gmbh germany"); ``split_query`` finds it
with the core country catalogue and returns the name part and the ISO code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import opencc
import zhconv

from core.countries import EVERYDAY_NAMES, country_names

# Legal forms as token sequences (after punctuation became spaces: "S.p.A." → "s p a").
# Stripped only at the start or end of a name, never from the middle.
_LATIN_LEGAL_FORMS: tuple[str, ...] = (
    "gmbh & co kgaa", "gmbh & co kg", "gmbh co kg", "co kg", "gmbh", "mbh", "kgaa", "kg", "ag",
    "e v", "ev", "e k", "ek", "e kfm", "ug", "ohg", "gesbr",
    "co ltd", "company limited", "co limited", "pvt ltd", "pte ltd", "pty ltd", "sdn bhd",
    "ltd", "limited", "llc", "l l c", "llp", "lp", "inc", "incorporated", "corp", "corporation",
    "co", "company", "plc", "group",
    "s p a", "spa", "s r l", "srl", "s a s", "sas", "s a r l", "sarl", "sarl", "s a", "sa",
    "s a de c v", "sa de cv", "s de r l", "s l", "sl", "s coop", "s c", "sp z o o", "sp j",
    "b v", "bv", "n v", "nv", "k k", "kk", "g k", "a s", "as", "a/s", "aps", "ab", "hb",
    "oy", "oyj", "as oy", "kft", "bt", "zrt", "s r o", "sro", "a s", "v o s", "o s",
    "ltda", "lda", "s/a", "eirl", "a c", "sca", "pfa", "asf", "jsc", "ojsc", "cjsc", "pjsc",
    "tbk", "tnhh", "bhd", "sdn", "pvt", "a ş", "san", "tic", "ltd sti", "sti",
    # Turkey: "San. ve Tic. A.Ş." (industry and trade, joint-stock), "Tic. Ltd. Şti.".
    "san ve tic", "ve tic", "san tic",
    # Brazil's micro and small firms, Spain's and Poland's partnerships, Germany's GbR / eG,
    # Czech k.s., Greek Α.Ε. / Ο.Ε. / Α.Β.Ε.Ε.
    "me", "epp", "ei", "eireli", "s com", "s a u", "s l u", "s l l", "s l n e", "s a d",
    "s a t", "s c p", "sp k", "gbr", "e g", "eg", "k s", "α ε", "ο ε", "α β ε ε",
    # Vietnam: joint-stock, one-member LLC, LLC, partnership, private enterprise, group.
    "cong ty co phan", "cong ty tnhh mtv", "cong ty tnhh", "cong ty trach nhiem huu han",
    "cong ty hop danh", "doanh nghiep tu nhan", "tap đoan",
)
# Forms written before the name (Indonesia's PT, Russia's OOO, Vietnam's Công ty).
_LEADING_LEGAL_FORMS: tuple[str, ...] = (
    "pt", "pd", "cv", "perum", "ooo", "zao", "oao", "pao", "ip", "cong ty tnhh", "cong ty",
    "cong ty co phan", "cong ty tnhh mtv", "cong ty trach nhiem huu han", "cong ty hop danh",
    "doanh nghiep tu nhan",
)
# Scripts without spaces: removed as substrings at either end.
_CJK_LEGAL_FORMS: tuple[str, ...] = (
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "株式会社", "有限会社", "合同会社",
    "合資会社", "合名会社", "(株)", "(有)", "주식회사", "유한회사", "(주)", "(유)",
    "บริษัท", "จำกัด", "มหาชน",
    "ооо", "зао", "оао", "пао", "ао", "ип",
    "شركة", "ذ.م.م", "ش.م.م",
)
_ACCENTS = re.compile("[\u0300-\u036f]")  # combining diacritical marks: é → e, ş → s
# Letters with no decomposition that exporters type as the plain letter (Yılmaz → yilmaz,
# Łódź → lodz, Søren → soren).
_PLAIN_LETTERS = str.maketrans({"ı": "i", "ł": "l", "ø": "o"})
# Chinese characters (unified ideographs, extension A, and extensions B and later).
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]")


class _PunctuationTable(dict):
    """A ``str.translate`` table filled on first sight of each character: punctuation and
    symbols become spaces, "&" and "/" stay as words of their own (legal forms use them)."""

    def __missing__(self, code: int) -> str | int:
        char = chr(code)
        if char in "&/":
            value: str | int = f" {char} "
        elif unicodedata.category(char)[0] in "PS":
            value = " "
        else:
            value = code
        self[code] = value
        return value


_PUNCTUATION = _PunctuationTable()


def _token_forms(forms: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Forms as token tuples, grouped by the token they end (or start) with, longest first."""
    split = {tuple(form.replace("&", " & ").replace("/", " / ").split()) for form in forms}
    grouped: dict[str, list[tuple[str, ...]]] = {}
    for form in sorted(split, key=len, reverse=True):
        grouped.setdefault(form[-1], []).append(form)
    return {token: tuple(group) for token, group in grouped.items()}


@cache
def _trailing_forms() -> dict[str, tuple[tuple[str, ...], ...]]:
    return _token_forms(_LATIN_LEGAL_FORMS)


@cache
def _leading_forms() -> dict[str, tuple[tuple[str, ...], ...]]:
    reversed_forms = tuple(" ".join(reversed(form.split())) for form in _LEADING_LEGAL_FORMS)
    return _token_forms(reversed_forms)


@cache
def _cjk_forms() -> tuple[str, ...]:
    return tuple(folded for folded in (fold(form) for form in _CJK_LEGAL_FORMS) if folded)


@cache
def _converters() -> tuple[opencc.OpenCC, opencc.OpenCC]:
    # zhconv's own first load leaves its dictionary file open; given a path it closes it.
    zhconv.loaddict(str(Path(zhconv.__file__).parent / "zhcdict.json"))
    return opencc.OpenCC("jp2t"), opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Japanese and traditional Chinese characters as simplified Chinese (kana, hangul and
    Latin letters unchanged): 長谷川鉱業 → 长谷川矿业, 臺灣精密機械 → 台湾精密机械."""
    japanese_to_traditional, traditional_to_simplified = _converters()
    text = traditional_to_simplified.convert(japanese_to_traditional.convert(text))
    return str(zhconv.convert(text, "zh-cn"))


def fold(text: str) -> str:
    """Width, case and accents folded; Chinese characters simplified; punctuation becomes
    spaces; spaces collapsed."""
    if text.isascii():  # NFKC leaves ASCII as it is and casefold is lower: the common case
        return " ".join(text.lower().translate(_PUNCTUATION).split())
    text = unicodedata.normalize("NFKC", text).casefold()
    if not text.isascii():
        text = unicodedata.normalize("NFC", _ACCENTS.sub("", unicodedata.normalize("NFKD", text)))
        if "ı" in text or "ł" in text or "ø" in text:  # rare: a scan each, not a translate
            text = text.translate(_PLAIN_LETTERS)
        if _HAN.search(text):
            text = simplified(text)
    return " ".join(text.translate(_PUNCTUATION).split())


def _strip_cjk_forms(text: str) -> str:
    """Forms at either end, one at a time, until none is left ("株式会社山田電気" → "山田電気")."""
    forms = _cjk_forms()
    while text.startswith(forms) or text.endswith(forms):  # most names: one C-level check
        for form in forms:
            if len(text) <= len(form):
                continue
            if text.startswith(form):
                text = text[len(form):].strip()
                break
            if text.endswith(form):
                text = text[: -len(form)].strip()
                break
        else:  # only a form as long as the whole name: keep it
            return text
    return text


def _strip_end(tokens: list[str], forms: dict[str, tuple[tuple[str, ...], ...]]) -> list[str]:
    """Remove legal forms from the end of ``tokens`` (repeatedly: "co ltd" after "group")."""
    while len(tokens) > 1:
        for form in forms.get(tokens[-1], ()):
            size = len(form)
            if len(tokens) > size and tuple(tokens[-size:]) == form:
                tokens = tokens[:-size]
                break
        else:
            return tokens
    return tokens


def _strip_latin_forms(tokens: list[str]) -> list[str]:
    tokens = _strip_end(tokens, _trailing_forms())
    tokens = _strip_end(tokens[::-1], _leading_forms())[::-1]
    return [token for token in tokens if token not in ("&", "/")] or tokens


def name_key(name: str) -> str:
    """The comparable form of a company name: "Acme Handels-GmbH" → "acme handels"."""
    text = fold(name)
    if not text.isascii():
        text = _strip_cjk_forms(text)
    tokens = text.split()
    if not tokens:
        return ""
    # Most names have no legal form at either end and no "&" or "/": the folded text is the
    # key (fold leaves single spaces), without rebuilding the token list.
    if (tokens[-1] not in _trailing_forms() and tokens[0] not in _leading_forms()
            and "&" not in tokens and "/" not in tokens):
        return text
    return " ".join(_strip_latin_forms(tokens))


def registration_key(number: str) -> str:
    """Registration numbers compare on letters and digits only: "HRB 12345" == "hrb-12345"."""
    folded = (number if number.isascii() else unicodedata.normalize("NFKC", number)).upper()
    return "".join(filter(str.isalnum, folded))


def looks_like_registration_number(text: str) -> bool:
    key = registration_key(text)
    return len(key) >= 5 and sum(ch.isdigit() for ch in key) >= 4


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # what the follower typed
    name: str  # the name part (without the country)
    key: str  # name_key(name)
    country: str | None  # ISO code, when the query named one


_CODES_NOT_WORDS = frozenset({"us", "uk"})  # everyday, yet codes: "ACME UK", not "acme uk"


@cache
def _country_lookup() -> tuple[dict[str, str], dict[str, str]]:
    """(names matched as typed in any case, codes matched only when typed in capitals).

    Two- and three-letter codes ("de", "com", "and", "can") are also words and legal forms:
    "Grupo Castells S.Com." is not in the Comoros, nor "Alves - ME" in Montenegro. Everyday
    short names ("usa", "uae") stay words."""
    every = {fold(name): code for name, code in country_names().items() if code}
    words = {fold(name) for name in EVERYDAY_NAMES} - _CODES_NOT_WORDS
    codes = {name: code for name, code in every.items()
             if name.isascii() and len(name) <= 3 and name not in words}
    names = {name: code for name, code in every.items() if name not in codes}
    return names, codes



def _capital_code(word: str) -> str | None:
    """A country code typed in capitals ("ACME UK", "ACME DEU"): in lower case it may be a
    word, and a legal form is a legal form first ("SA", "AG", "AS", "PT", "ME")."""
    _, codes = _country_lookup()
    if not 2 <= len(word) <= 3 or not word.isascii() or not word.isupper():
        return None
    lower = word.lower()
    if (lower,) in _trailing_forms().get(lower, ()) or (lower,) in _leading_forms().get(lower, ()):
        return None
    return codes.get(lower)


def split_query(text: str) -> ParsedQuery:
    """Find a country at the end or the start of the query: "ACME 德国", "germany acme"."""
    folded = fold(text)
    names, _ = _country_lookup()
    name, country = folded, None
    words = folded.split()
    typed = text.split()
    if len(typed) > 1 and len(words) > 1:
        if (code := _capital_code(typed[-1])) is not None:
            return ParsedQuery(text, " ".join(words[:-1]), name_key(" ".join(words[:-1])), code)
        if (code := _capital_code(typed[0])) is not None:
            return ParsedQuery(text, " ".join(words[1:]), name_key(" ".join(words[1:])), code)
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
