"""中国信保's 25 branch offices and which places each covers: "which branch covers 温州 / 贵州 /
this location?".

The branches and their coverage (``branches.toml``) come from the seed document, which names
each branch and the provinces or cities it covers, nothing more: contact details are optional
fields the operator fills. Places come from the administrative-division table
(``branches.gazetteer``): any province, prefecture-level city, county or district, named in a
text or nearest to a location. No Flask, no WeChat.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from branches import gazetteer as gz
from branches.gazetteer import PROVINCE, Abroad, Division, Mention, Point

DATA_PATH = Path(__file__).resolve().parent / "branches.toml"
# What an operator may fill for a branch, in the order it is shown.
CONTACT_FIELDS: tuple[tuple[str, str], ...] = (
    ("address", "地址"), ("phone", "电话"), ("email", "邮箱"), ("hours", "办公时间"))
NEAREST_BRANCHES = 3
# A location's label (WeChat's address for the point) is trusted over the nearest seat when the
# seat of the place it names is within this distance, or twice the nearest seat's: near a
# border the nearest seat may lie across it.
LABEL_NEAR_KM = 30.0


@dataclass(frozen=True)
class Branch:
    name: str
    provinces: tuple[str, ...] = ()
    except_cities: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    in_province: str = ""
    contacts: tuple[tuple[str, str], ...] = ()  # (label, value) the operator filled

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
class NearBranch:
    """A branch near a place the seed lists none for: the nearest place it covers."""

    branch: Branch
    area: Division
    km: float


@dataclass(frozen=True)
class PlaceBranch:
    """A place and the branch that covers it; no branch: the seed lists none for it, and
    ``nearest`` are the branches covering the places nearest to it."""

    place: Division
    branch: Branch | None
    nearest: tuple[NearBranch, ...] = ()


@dataclass(frozen=True)
class Lookup:
    """The places a text names. One option: the answer; several: the follower picks."""

    options: tuple[PlaceBranch, ...]
    typed: str  # the words that named them
    guessed: bool = False  # read as a typo of a place name

    @property
    def branches(self) -> tuple[Branch | None, ...]:
        return tuple(dict.fromkeys(option.branch for option in self.options))


@dataclass(frozen=True)
class Located:
    """Where a location is: near ``found`` (``km`` to its seat), or abroad."""

    found: PlaceBranch | None
    km: float = 0.0
    country: str = ""  # ISO code when abroad
    by_label: bool = False  # the label named the place


_KEYS = frozenset({"name", "provinces", "except_cities", "cities", "in_province"}
                  | {key for key, _ in CONTACT_FIELDS})


class BranchDataError(ValueError):
    """branches.toml has a field it should not (a misspelt contact field would be lost)."""


@cache
def all_branches() -> tuple[Branch, ...]:
    with DATA_PATH.open("rb") as handle:
        data = tomllib.load(handle)
    problems = [f"{entry.get('name', '?')}: unknown field {key!r}"
                for entry in data["branch"] for key in entry if key not in _KEYS]
    problems += [f"{entry.get('name', '?')}: {key} must be text"
                 for entry in data["branch"] for key, _ in CONTACT_FIELDS
                 if not isinstance(entry.get(key, ""), str)]
    if problems:
        raise BranchDataError(f"{DATA_PATH.name}: " + "; ".join(problems))
    return tuple(
        Branch(
            name=entry["name"],
            provinces=tuple(entry.get("provinces", ())),
            except_cities=tuple(entry.get("except_cities", ())),
            cities=tuple(entry.get("cities", ())),
            in_province=entry.get("in_province", ""),
            contacts=tuple((label, entry[key].strip()) for key, label in CONTACT_FIELDS
                           if entry.get(key, "").strip()),
        )
        for entry in data["branch"]
    )


def branch_for(province: str | None, city: str | None = None) -> Branch | None:
    """The branch for a province and city (a city branch wins over its province)."""
    city = (city or "").removesuffix("市") or None
    for branch in all_branches():
        if branch.cities and branch.covers(province, city):
            return branch
    for branch in all_branches():
        if branch.covers(province, city):
            return branch
    return None


def branch_of(place: Division) -> Branch | None:
    return branch_for(place.province, place.city)


def warm_up() -> None:
    """Read the tables at start, not on a follower's first question; a broken branches.toml
    stops the start."""
    all_branches()
    _coverage()


# --- a place named in a text ---------------------------------------------------------------

def look_up(text: str) -> Lookup | None:
    """Which branch covers the place(s) named in ``text``; None when no place is named."""
    mentions = gz.gazetteer().mentions(text)
    if not mentions:
        return None
    places = _resolve(mentions)
    return Lookup(tuple(_with_branch(place) for place in places),
                  typed="、".join(m.text for m in mentions),
                  guessed=any(m.guessed for m in mentions))


def _resolve(mentions: list[Mention]) -> list[Division]:
    """The places meant. Each candidate scores the mentions it agrees with (itself or a place
    it lies in), so 浙江 + 西湖区 is Hangzhou's, not Nanchang's; among the best, a place inside
    another is dropped (辽宁 朝阳: the city, not also its county of the same name)."""
    candidates = list(dict.fromkeys(d for m in mentions for d in m.places))

    def score(candidate: Division) -> int:
        return sum(1 for m in mentions if any(candidate.within(d) for d in m.places))

    top = max(score(c) for c in candidates)
    best = [c for c in candidates if score(c) == top]
    kept = [c for c in best if not any(o is not c and c.within(o) for o in best)]
    return sorted(kept, key=lambda d: d.adcode)


def _with_branch(place: Division) -> PlaceBranch:
    branch = branch_of(place)
    if branch is not None:
        return PlaceBranch(place, branch)
    return PlaceBranch(place, None, nearest_branches(_point_of(place)))


def _point_of(place: Division) -> Point | None:
    if place.point is not None:
        return place.point
    capital = gz.gazetteer().by_code.get(place.adcode[:2] + "0" * 10)
    return capital.point if capital else None


def for_region(province: str, city: str | None) -> PlaceBranch | None:
    """The follower's profile (浙江 / 慈溪): its place and branch; None when unknown."""
    found = look_up(f"{province}{city or ''}")
    if found is not None and len(found.options) == 1:
        return found.options[0]
    place = gz.gazetteer().best(province)
    if place is None:
        return None
    branch = branch_for(province, city)
    return PlaceBranch(place, branch) if branch else _with_branch(place)


# --- nearest branches ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Coverage:
    """The places a branch covers that have a known seat, and a circle around them all."""

    branch: Branch
    places: gz.Nearby
    centre: Point
    radius_km: float

    def at_least_km(self, point: Point) -> float:
        """No covered place is nearer than this."""
        return max(0.0, point.km_to(self.centre) - self.radius_km)


@cache
def _coverage() -> tuple[_Coverage, ...]:
    covered: dict[str, list[Point]] = {b.name: [] for b in all_branches()}
    rows: dict[str, list[tuple[float, float, object]]] = {b.name: [] for b in all_branches()}
    for place in gz.gazetteer().divisions:
        branch = branch_of(place)
        if branch is not None and place.point is not None and place.level > PROVINCE:
            covered[branch.name].append(place.point)
            rows[branch.name].append((place.point.latitude, place.point.longitude, place))
    found = []
    for branch in all_branches():
        points = covered[branch.name]
        centre = Point(sum(p.latitude for p in points) / len(points),
                       sum(p.longitude for p in points) / len(points))
        found.append(_Coverage(branch, gz.Nearby(rows[branch.name]), centre,
                               max(centre.km_to(p) for p in points)))
    return tuple(found)


def nearest_branches(point: Point | None, count: int = NEAREST_BRANCHES) -> tuple[NearBranch,
                                                                                   ...]:
    """The branches whose covered places come nearest to ``point``, nearest first. The seed
    gives no branch addresses, so the distance is to the nearest place a branch covers.
    Branches are tried by the circle around their places, nearest first, until no other can
    come nearer than the ``count`` found."""
    if point is None:
        return ()
    found: list[NearBranch] = []
    for coverage in sorted(_coverage(), key=lambda c: c.at_least_km(point)):
        if len(found) >= count and found[count - 1].km <= coverage.at_least_km(point):
            break
        nearest = coverage.places.nearest(point)
        if nearest is not None:
            km, area = nearest
            assert isinstance(area, Division)
            found = sorted([*found, NearBranch(coverage.branch, area, km)],
                           key=lambda near: near.km)
    return tuple(found[:count])


# --- a location ----------------------------------------------------------------------------

def locate(latitude: float, longitude: float, label: str = "") -> Located | None:
    """The branch for a location a follower sent: the place its label names when that is near
    the point, else the nearest seat in the table; abroad when a place outside the mainland
    is nearer. None when the position is no position (out of range, or 0,0 unread)."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or (latitude, longitude) == (0, 0):
        return None
    point = Point(latitude, longitude)
    nearest = gz.gazetteer().nearest(point)
    named = _named_by_label(label, point, nearest.km if nearest else math.inf)
    if named is not None:
        return Located(_with_branch(named), _km(point, named), by_label=True)
    if nearest is None:
        return None
    if isinstance(nearest, Abroad):
        return Located(None, nearest.km, country=nearest.country)
    return Located(_with_branch(nearest.place), nearest.km)


def _named_by_label(label: str, point: Point, nearest_km: float) -> Division | None:
    """The place the label names, when its seat is about as near as the nearest seat (a
    street named after another city does not move the point there)."""
    if not label.strip():
        return None
    mentions = [m for m in gz.gazetteer().mentions(label) if not m.guessed]
    if not mentions:
        return None
    places = _resolve(mentions)
    if len(places) != 1:
        return None
    where = _point_of(places[0])
    if where is None or point.km_to(where) > max(LABEL_NEAR_KM, 2 * nearest_km):
        return None
    return places[0]


def _km(point: Point, place: Division) -> float:
    where = _point_of(place)
    return point.km_to(where) if where else 0.0
