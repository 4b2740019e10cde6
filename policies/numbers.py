"""Numbers as exporters type them: "250万美元", "USD 50,000", "2.5 million", "三百万", "15人".

Each parser returns plain values or raises ``InputProblem`` with a code the templates turn into
a Chinese hint. Nothing here guesses a unit the follower did not give: a bare number is in the
unit the question asked for.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

# Currency words -> ISO 4217. Only currencies an exporter's contract is commonly in.
CURRENCIES: dict[str, str] = {
    "美元": "USD", "美金": "USD", "usd": "USD", "us$": "USD", "$": "USD", "dollar": "USD",
    "dollars": "USD", "人民币": "CNY", "rmb": "CNY", "cny": "CNY", "￥": "CNY", "¥": "CNY",
    "元": "CNY", "块": "CNY", "欧元": "EUR", "eur": "EUR", "€": "EUR", "euro": "EUR",
    "euros": "EUR", "英镑": "GBP", "gbp": "GBP", "£": "GBP", "日元": "JPY", "jpy": "JPY",
    "港币": "HKD", "港元": "HKD", "hkd": "HKD", "澳元": "AUD", "aud": "AUD", "加元": "CAD",
    "cad": "CAD", "瑞士法郎": "CHF", "chf": "CHF", "新加坡元": "SGD", "sgd": "SGD",
    "阿联酋迪拉姆": "AED", "aed": "AED", "卢布": "RUB", "rub": "RUB",
}
CURRENCY_NAMES: dict[str, str] = {"USD": "美元", "CNY": "人民币", "EUR": "欧元", "GBP": "英镑",
                                  "JPY": "日元", "HKD": "港币", "AUD": "澳元", "CAD": "加元",
                                  "CHF": "瑞士法郎", "SGD": "新加坡元", "AED": "阿联酋迪拉姆",
                                  "RUB": "卢布"}
# Multipliers after the number.
SCALES: dict[str, Decimal] = {
    "亿": Decimal(100_000_000), "千万": Decimal(10_000_000), "百万": Decimal(1_000_000),
    "十万": Decimal(100_000), "万": Decimal(10_000), "千": Decimal(1000), "k": Decimal(1000),
    "thousand": Decimal(1000), "m": Decimal(1_000_000), "mn": Decimal(1_000_000),
    "million": Decimal(1_000_000), "millions": Decimal(1_000_000),
    "b": Decimal(1_000_000_000), "bn": Decimal(1_000_000_000),
    "billion": Decimal(1_000_000_000),
}
_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "三": 3, "叁": 3,
           "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8,
           "捌": 8, "九": 9, "玖": 9}
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_NUMBER = re.compile(r"(?P<number>\d+(?:\.\d+)?)")
# A number that counts time, people or things is not money: "拖欠三个月", "2025年出口额…",
# "30%", "15人" (a follower's sentence around the amount, or a sentence that is no amount).
_NOT_MONEY = re.compile(r"\d+(?:\.\d+)?\s*(?:个多?月|个?星期|个?小时|个(?!亿)|月|天|日(?!元)|"
                        r"年|周|号|%|岁|次|人(?!民币)|家|单|months?|days?|years?|weeks?)")
_FILLER = re.compile(r"(大约|大概|约|左右|上下|差不多|不到|以下|以内|一共|总共|共|"
                     r"approximately|approx\.?|about|around|roughly|~|≈)", re.IGNORECASE)


class InputProblem(ValueError):
    """The answer cannot be used; ``code`` names why and ``data`` fills the hint."""

    def __init__(self, code: str, **data: object) -> None:
        super().__init__(code)
        self.code = code
        self.data = data
        self.field: str | None = None  # which field, where several are checked at once


@dataclass(frozen=True)
class Amount:
    value: Decimal
    currency: str | None = None  # None: the follower named none
    scaled: bool = False  # a scale word was given ("万", "million")


def fold(text: str) -> str:
    """Full-width to half-width, thousands separators and spaces out, lower case."""
    text = unicodedata.normalize("NFKC", text).strip().casefold()
    text = re.sub(r"(?<=\d)[,，'’](?=\d{3})", "", text)
    return text


def chinese_integer(text: str) -> int | None:
    """"十五" 15, "三百" 300, "两千五百" 2500, "一万二" 12000; None when it is not one."""
    if not text or any(ch not in _DIGITS and ch not in _UNITS and ch != "万" for ch in text):
        return None
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            section += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        else:  # 万
            total += (section + (digit or 0)) * 10_000
            section, digit = 0, None
    if digit is not None:
        if total and not section and text[-2:-1] == "万":  # 一万二 = 12000
            digit *= 1000
        section += digit
    return total + section


def _replace_chinese_numbers(text: str) -> str:
    def swap(found: re.Match[str]) -> str:
        value = chinese_integer(found.group(0).rstrip("万"))
        if value is None:
            return found.group(0)
        return str(value) + ("万" if found.group(0).endswith("万") else "")

    return re.sub(r"[零〇一壹二两贰三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万]+", swap, text)


def parse_amount(text: str) -> Amount:
    """A positive amount with its scale words applied and its currency when named."""
    folded = _NOT_MONEY.sub(" ", _FILLER.sub("", _replace_chinese_numbers(fold(text))))
    numbers = _NUMBER.findall(folded)
    if not numbers:
        raise InputProblem("no_number")
    if len(numbers) > 1:
        raise InputProblem("several_numbers")
    found = _NUMBER.search(folded)
    assert found is not None
    try:
        value = Decimal(found.group("number"))
    except InvalidOperation:
        raise InputProblem("no_number") from None
    before, after = folded[:found.start()], folded[found.end():]
    rest = (before + " " + after).strip()
    scaled = False
    for word, scale in sorted(SCALES.items(), key=lambda item: -len(item[0])):
        if re.match(rf"\s*个?{re.escape(word)}(?![a-z])", after):  # "两个亿"
            value *= scale
            scaled = True
            after = re.sub(rf"^\s*个?{re.escape(word)}", "", after, count=1)
            rest = (before + " " + after).strip()
            break
    currency = None
    for word, code in sorted(CURRENCIES.items(), key=lambda item: -len(item[0])):
        pattern = rf"(?<![a-z]){re.escape(word)}(?![a-z])" if word.isascii() else re.escape(word)
        if re.search(pattern, rest):
            currency = code
            break
    if value <= 0:
        raise InputProblem("not_positive")
    return Amount(value=value, currency=currency, scaled=scaled)


def parse_count(text: str, *, suffixes: tuple[str, ...] = ("人", "名", "个", "位")) -> int:
    """A whole number of people ("15人", "十五个", "about 15")."""
    folded = _FILLER.sub("", _replace_chinese_numbers(fold(text)))
    for suffix in (*suffixes, "people", "persons", "employees", "staff"):
        folded = folded.replace(suffix, " ")
    numbers = _NUMBER.findall(folded)
    if not numbers:
        raise InputProblem("no_number")
    if len(numbers) > 1:
        raise InputProblem("several_numbers")
    number = Decimal(numbers[0])
    if number != number.to_integral_value():
        raise InputProblem("not_whole")
    if number < 0:
        raise InputProblem("not_positive")
    return int(number)


def to_wan(amount: Amount) -> Decimal:
    """In 万 (ten thousands): a bare number is already in the unit asked for ("800" for
    800 万元); one the follower scaled or named a currency for ("800万", "8000000元",
    "0.3亿") is converted."""
    if amount.scaled or amount.currency:
        return amount.value / 10_000
    return amount.value


def plain(value: Decimal) -> str:
    """2500000 -> "2,500,000"; 12.50 -> "12.5"."""
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        return f"{int(normalized):,}"
    return f"{normalized:,f}"


_RELATIVE_DAYS = {"今天": 0, "今日": 0, "today": 0, "昨天": 1, "昨日": 1, "yesterday": 1,
                  "前天": 2}


def parse_day(text: str, today: date) -> date:
    """"2026-11-20", "2026/11/20", "2026年11月20日", "11月20日" (this year, or last year when
    that would be in the future), "20261120", "今天", "昨天"."""
    folded = fold(text).rstrip("。.号")
    if folded in _RELATIVE_DAYS:
        return today - timedelta(days=_RELATIVE_DAYS[folded])
    found = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", folded) \
        or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", folded)
    try:
        if found:
            return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        short = re.fullmatch(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", folded)
        if short:
            day = date(today.year, int(short.group(1)), int(short.group(2)))
            return day if day <= today else day.replace(year=today.year - 1)
    except ValueError:
        raise InputProblem("no_such_day") from None
    raise InputProblem("not_a_day")


def parse_days(text: str) -> int:
    """A credit period in days: "90天", "90 days", "90", "三个月" is not guessed."""
    folded = fold(text)
    folded = re.sub(r"(天|日|days?|d)$", "", folded).strip()
    if re.fullmatch(r"(即期|at ?sight|sight)", folded):
        return 0
    value = chinese_integer(folded) if not folded.isdigit() else int(folded)
    if value is None:
        raise InputProblem("not_days")
    return value
