"""中国信保's 25 branch offices and which places each covers; "which branch covers 宁波 / 贵州?".

The data (``branches.toml``) comes from the seed document. No Flask, no WeChat.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.places import PROVINCES

DATA_PATH = Path(__file__).resolve().parent / "branches.toml"


@dataclass(frozen=True)
class Branch:
    name: str
    provinces: tuple[str, ...] = ()
    except_cities: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    in_province: str = ""

    @property
    def coverage(self) -> str:
        """How the seed words it: "浙江（除宁波市）", "宁波市", "陕西、宁夏、甘肃、青海"."""
        if self.cities:
            return "、".join(f"{city}市" for city in self.cities)
        covered = "、".join(self.provinces)
        if self.except_cities:
            covered += "（除" + "、".join(f"{city}市" for city in self.except_cities) + "）"
        return covered

    def covers(self, province: str | None, city: str | None) -> bool:
        if city and city in self.cities:
            return True
        return bool(province in self.provinces and city not in self.except_cities)


@dataclass(frozen=True)
class Place:
    province: str
    city: str | None = None

    @property
    def label(self) -> str:
        if self.city and self.city != self.province:
            return f"{self.province}{self.city}"
        return self.province


@dataclass(frozen=True)
class BranchMatch:
    place: Place
    branch: Branch | None  # None: the seed lists no branch for this place


@lru_cache(maxsize=1)
def all_branches() -> tuple[Branch, ...]:
    with DATA_PATH.open("rb") as handle:
        data = tomllib.load(handle)
    return tuple(
        Branch(
            name=entry["name"],
            provinces=tuple(entry.get("provinces", ())),
            except_cities=tuple(entry.get("except_cities", ())),
            cities=tuple(entry.get("cities", ())),
            in_province=entry.get("in_province", ""),
        )
        for entry in data["branch"]
    )


def branch_for(province: str | None, city: str | None = None) -> Branch | None:
    """The branch for a follower's province and city (a city branch wins over its province)."""
    city = (city or "").removesuffix("市") or None
    for branch in all_branches():
        if branch.cities and branch.covers(province, city):
            return branch
    for branch in all_branches():
        if branch.covers(province, city):
            return branch
    return None


def find_place(text: str) -> Place | None:
    """The first place named in ``text``: a city with its own branch, or a province."""
    for branch in all_branches():
        for city in branch.cities:
            if city in text:
                return Place(branch.in_province, city)
    found: list[tuple[int, str]] = []
    for short, full in PROVINCES:
        for name in (full, short):
            position = text.find(name)
            if position >= 0:
                found.append((position, short))
                break
    if not found:
        return None
    return Place(min(found)[1])


def look_up(text: str) -> BranchMatch | None:
    """Which branch covers the place named in ``text``; None when no place is named."""
    place = find_place(text)
    if place is None:
        return None
    return BranchMatch(place, branch_for(place.province, place.city))
