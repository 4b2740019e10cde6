"""Typed views of a buyer's record: what the rating reads, free of the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

STATUSES: dict[str, str] = {
    "active": "正常经营",
    "dormant": "停业",
    "in_liquidation": "清算中",
    "dissolved": "已注销",
    "bankrupt": "已破产",
}
SEVERITIES: tuple[str, ...] = ("minor", "major", "severe")  # least to most serious
EVENT_KINDS: dict[str, str] = {
    "overdue": "拖欠货款",
    "lawsuit": "涉诉",
    "loss": "经营亏损",
    "tax_arrears": "欠税",
    "sanction": "受制裁",
    "other": "其他负面信息",
}
LIGHTS: tuple[str, ...] = ("green", "yellow", "red")
LIGHT_NAMES: dict[str, str] = {"green": "绿灯", "yellow": "黄灯", "red": "红灯", "none": "暂无数据"}


@dataclass(frozen=True)
class BrokenPromise:
    on: date
    severity: str  # one of SEVERITIES
    note: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BrokenPromise:
        return cls(date.fromisoformat(str(data["date"])), str(data["severity"]),
                   str(data.get("note", "")))


@dataclass(frozen=True)
class NegativeEvent:
    on: date
    kind: str  # one of EVENT_KINDS
    note: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NegativeEvent:
        return cls(date.fromisoformat(str(data["date"])), str(data["kind"]),
                   str(data.get("note", "")))


@dataclass(frozen=True)
class BuyerRecord:
    """Everything the rating looks at."""

    status: str = "active"
    well_known: bool = False
    disclosure: int = 0  # percent
    founded: int | None = None
    broken_promises: tuple[BrokenPromise, ...] = field(default_factory=tuple)
    negative_events: tuple[NegativeEvent, ...] = field(default_factory=tuple)
    country: str = ""

    @classmethod
    def of(cls, buyer: Any) -> BuyerRecord:
        """From a ``lights.models.Buyer`` (or anything with the same attributes)."""
        return cls(
            status=buyer.status,
            well_known=bool(buyer.well_known),
            disclosure=int(buyer.disclosure or 0),
            founded=buyer.founded,
            broken_promises=tuple(BrokenPromise.from_json(item)
                                  for item in buyer.broken_promises or []),
            negative_events=tuple(NegativeEvent.from_json(item)
                                  for item in buyer.negative_events or []),
            country=buyer.country,
        )


@dataclass(frozen=True)
class CountryRating:
    country: str
    rating: int  # 1 (lowest risk) – 9 (highest)
    sample: bool = False
