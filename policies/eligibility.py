"""Who may buy 小微企业信保易: the seed document's four tests, any one of which qualifies.

(a) small or micro under 工信部联企业〔2011〕300号 (the table is data: ``sme_size.toml``);
(b) last year's customs exports at or under USD 3 million (inclusive);
(c) small or micro under a document of a provincial (省、自治区、直辖市) government;
(d) the same under a document of a national industry association or chamber of commerce.

``classify_size`` is the plain classification (the academy's toolbox calls it too);
``assess`` runs the tests on what is known and names the one that decided.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

TABLE_PATH = Path(__file__).with_name("sme_size.toml")
EXPORTS_LIMIT_WAN_USD = Decimal(300)  # (b): 300 万美元（含）以下
METRIC_NAMES = {"employees": "从业人员", "revenue": "营业收入", "assets": "资产总额"}
METRIC_UNITS = {"employees": "人", "revenue": "万元", "assets": "万元"}


class Size(StrEnum):
    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"


SIZE_NAMES = {Size.LARGE: "大型企业", Size.MEDIUM: "中型企业", Size.SMALL: "小型企业",
              Size.MICRO: "微型企业"}


class Test(StrEnum):
    SME = "sme_classification"  # (a)
    EXPORTS = "customs_exports"  # (b)
    PROVINCIAL = "provincial_document"  # (c)
    ASSOCIATION = "association_document"  # (d)


TEST_ORDER = (Test.SME, Test.EXPORTS, Test.PROVINCIAL, Test.ASSOCIATION)


class UnknownIndustry(ValueError):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class MissingMetric(ValueError):
    """The industry's row uses a figure that was not given."""

    def __init__(self, industry: Industry, missing: list[str]) -> None:
        super().__init__(", ".join(missing))
        self.industry = industry
        self.missing = missing


@dataclass(frozen=True)
class Industry:
    id: str
    name: str
    metrics: tuple[str, ...]
    bounds: Mapping[Size, Mapping[str, Decimal]]  # large / medium / small lower bounds
    aliases: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Classification:
    industry: Industry
    size: Size
    # For micro: the figures below the small lower bound (any one makes it micro); for the
    # others: every lower bound of its level (all met).
    because: tuple[str, ...]

    @property
    def small_or_micro(self) -> bool:
        return self.size in (Size.SMALL, Size.MICRO)

    @property
    def size_name(self) -> str:
        return SIZE_NAMES[self.size]


@cache
def table() -> tuple[str, tuple[Industry, ...]]:
    """The source it cites and the 16 industries, in the document's order."""
    with TABLE_PATH.open("rb") as handle:
        data = tomllib.load(handle)
    industries = tuple(
        Industry(id=row["id"], name=row["name"], metrics=tuple(row["metrics"]),
                 bounds={size: {k: Decimal(str(v)) for k, v in row[size.value].items()}
                         for size in (Size.LARGE, Size.MEDIUM, Size.SMALL)},
                 aliases=tuple(row.get("aliases", ())), note=row.get("note", ""))
        for row in data["industry"])
    return data["source"], industries


def industries() -> tuple[Industry, ...]:
    return table()[1]


def source() -> str:
    return table()[0]


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    return re.sub(r"[\s、,，。.!！?？]+", "", text).removesuffix("行业").removesuffix("企业")


def find_industry(text: str) -> Industry:
    """By id, name, number in the document's list (1–16), alias, or a name inside a sentence
    ("我们是做外贸的" → 批发业). Raises ``UnknownIndustry``."""
    folded = _fold(text)
    every = industries()
    if folded.isdigit() and 1 <= int(folded) <= len(every):
        return every[int(folded) - 1]
    names: list[tuple[str, Industry]] = []
    for industry in every:
        for name in (industry.id, industry.name, *industry.aliases):
            names.append((_fold(name), industry))
            if _fold(name) == folded:
                return industry
    # The longest name inside the sentence: "做服装制造的工厂" → 工业.
    inside = [(name, industry) for name, industry in names if len(name) >= 2 and name in folded]
    if inside:
        return max(inside, key=lambda pair: len(pair[0]))[1]
    raise UnknownIndustry(text)


def industry_by_id(industry_id: str) -> Industry:
    for industry in industries():
        if industry.id == industry_id:
            return industry
    raise UnknownIndustry(industry_id)


def classify_size(industry: str | Industry, employees: int | None = None,
                  revenue: Decimal | float | int | None = None,
                  assets: Decimal | float | int | None = None) -> Classification:
    """The size of an enterprise under 工信部联企业〔2011〕300号.

    ``industry``: an ``Industry``, its id, its name or an alias; ``employees`` in persons,
    ``revenue`` (营业收入) and ``assets`` (资产总额) in 万元. Only the figures the industry's
    row uses are needed (``MissingMetric`` names the others). The highest level whose every
    lower bound is met; micro as soon as one figure is under the small lower bound.
    """
    row = industry if isinstance(industry, Industry) else find_industry(industry)
    given = {"employees": employees, "revenue": revenue, "assets": assets}
    missing = [metric for metric in row.metrics if given[metric] is None]
    if missing:
        raise MissingMetric(row, missing)
    figures = {metric: Decimal(str(given[metric])) for metric in row.metrics}
    for size in (Size.LARGE, Size.MEDIUM, Size.SMALL):
        bounds = row.bounds[size]
        if all(figures[metric] >= bound for metric, bound in bounds.items()):
            return Classification(row, size, tuple(
                f"{METRIC_NAMES[m]}{_number(figures[m])}{METRIC_UNITS[m]}"
                f"（≥{_number(b)}{METRIC_UNITS[m]}）" for m, b in bounds.items()))
    below = tuple(f"{METRIC_NAMES[m]}{_number(figures[m])}{METRIC_UNITS[m]}"
                  f"（<{_number(b)}{METRIC_UNITS[m]}）"
                  for m, b in row.bounds[Size.SMALL].items() if figures[m] < b)
    return Classification(row, Size.MICRO, below)


def _number(value: Decimal | int) -> str:
    normalized = Decimal(str(value)).normalize()
    return f"{int(normalized)}" if normalized == normalized.to_integral_value() else \
        f"{normalized:f}"


# --- the four tests --------------------------------------------------------------------------

@dataclass
class Answers:
    """What the enterprise told us; None: not answered (yet), "unknown" not known to it."""

    exports_wan_usd: Decimal | None = None  # (b) last year's customs exports, 万美元
    industry: str | None = None  # (a)
    employees: int | None = None
    revenue_wan: Decimal | None = None
    assets_wan: Decimal | None = None
    provincial_document: bool | None = None  # (c)
    association_document: bool | None = None  # (d)


@dataclass(frozen=True)
class TestResult:
    test: Test
    passed: bool | None  # None: not enough answered to tell
    detail: str = ""


@dataclass(frozen=True)
class Assessment:
    eligible: bool | None  # None: undecided, more answers needed
    decided_by: Test | None  # the test that qualified (or None)
    results: tuple[TestResult, ...]
    classification: Classification | None = None
    missing: tuple[str, ...] = ()  # what would decide it: "exports", "industry", …
    answers: Answers = field(default_factory=Answers)

    def result(self, test: Test) -> TestResult:
        return next(result for result in self.results if result.test is test)


def _sme_test(answers: Answers) -> tuple[TestResult, Classification | None, list[str]]:
    if not answers.industry:
        return TestResult(Test.SME, None), None, ["industry"]
    try:
        classification = classify_size(answers.industry, answers.employees,
                                       answers.revenue_wan, answers.assets_wan)
    except MissingMetric as missing:
        return TestResult(Test.SME, None), None, list(missing.missing)
    return (TestResult(Test.SME, classification.small_or_micro,
                       f"{classification.industry.name}：{classification.size_name}"),
            classification, [])


def _exports_test(answers: Answers) -> TestResult:
    if answers.exports_wan_usd is None:
        return TestResult(Test.EXPORTS, None)
    passed = answers.exports_wan_usd <= EXPORTS_LIMIT_WAN_USD
    return TestResult(Test.EXPORTS, passed, f"{_number(answers.exports_wan_usd)}万美元")


def assess(answers: Answers) -> Assessment:
    """Every test on what is known. Eligible as soon as one passes (the first in the
    document's order names the decision); not eligible only when all four failed."""
    sme, classification, sme_missing = _sme_test(answers)
    results = (
        sme,
        _exports_test(answers),
        TestResult(Test.PROVINCIAL, answers.provincial_document),
        TestResult(Test.ASSOCIATION, answers.association_document),
    )
    passed = [result.test for result in results if result.passed]
    if passed:
        return Assessment(True, passed[0], results, classification, (), answers)
    missing: list[str] = []
    if results[1].passed is None:
        missing.append("exports")
    missing += sme_missing
    if answers.provincial_document is None:
        missing.append("provincial_document")
    if answers.association_document is None:
        missing.append("association_document")
    eligible = False if not missing else None
    return Assessment(eligible, None, results, classification, tuple(missing), answers)


def answers_from(data: Mapping[str, Any]) -> Answers:
    """An ``Answers`` from plain values (the API, a stored check)."""
    def decimal(name: str) -> Decimal | None:
        value = data.get(name)
        return None if value is None else Decimal(str(value))

    return Answers(exports_wan_usd=decimal("exports_wan_usd"), industry=data.get("industry"),
                   employees=data.get("employees"), revenue_wan=decimal("revenue_wan"),
                   assets_wan=decimal("assets_wan"),
                   provincial_document=data.get("provincial_document"),
                   association_document=data.get("association_document"))
