"""China's administrative divisions with positions: which place a follower names, and which
place is nearest to a location.

The table is cpca's adcode list (``data/adcodes.csv``, see ``data/README.md``): every
province-level division, prefecture-level city and county or district with its 12-digit code
(province ``PP``, prefecture ``PPCC``, county ``PPCCDD``) and the position of its seat. Places
outside the mainland come from GeoNames (``data/world_cities.csv``). Both are read once
(``gazetteer()``, warmed at start).

Names are found the way followers type them: with or without 省/市/县/区 (and 满族自治县 …),
in traditional characters, in pinyin or the usual English name of a larger city, and — when
nothing matches exactly — with a homophone typed by a pinyin keyboard (杭洲) or a small spelling
mistake in pinyin (Hangzou). No Flask, no WeChat.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from pathlib import Path

import opencc
from rapidfuzz.distance import DamerauLevenshtein

from core.places import PROVINCES

DATA = Path(__file__).resolve().parent / "data"
EARTH_KM = 6371.0088

PROVINCE, PREFECTURE, COUNTY = 1, 2, 3
# Rows that hold a level together but are no place anyone names.
_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
# Endings a follower leaves off ("杭州", "西湖", "神农架"), longest first.
_SUFFIXES = ("新区", "林区", "特区", "地区", "市", "县", "区", "旗", "盟")
# The peoples named in autonomous prefectures, counties and banners (本溪满族自治县 → 本溪).
_PEOPLES = tuple(sorted((
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
    "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡",
    "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬",
    "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安",
    "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺"), key=len,
    reverse=True))
# Names that are also everyday words: found only with their ending ("和平区", "资源县"), not in
# "和平年代" or "比如说", so that a sentence is not taken for a district.
_COMMON_WORDS = frozenset({
    "城区", "郊区", "矿区", "东区", "西区", "资源", "合作", "比如", "南部", "武功", "平原",
    "长安", "江南", "解放", "东方", "前进", "港口", "中原", "公安", "友好", "通道", "共和",
    "城中", "市中", "古城", "河口", "友谊", "平安", "中方", "江北", "安定", "商城", "延长",
    "新兴", "运河", "太平", "甘泉", "万年", "东风", "红旗", "光泽", "新建", "南岸", "东海",
    "城北", "城西", "城东", "城南", "会同", "工农", "兴国", "龙门", "新城", "富裕", "清水",
    "高明", "前锋", "复兴", "长子", "清新", "宏伟", "平定", "芙蓉", "太和", "温泉", "石门",
    "向阳", "振兴", "三元", "互助", "新华", "建平", "天桥", "威信", "莲花", "安宁", "西山",
    "平和", "河西", "沿河", "牡丹", "名山", "滨海", "东坡", "黄龙", "六合", "海港", "白云",
    "沙河", "大城", "江东", "吉利", "建华", "和平", "大方", "大名", "同心", "青山", "新市",
    "安居", "开发", "高新", "中心", "河东", "江州", "桥东", "桥西", "铁东", "铁西", "永和",
    "河南", "河北", "海南", "湖南", "湖北", "山东", "山西", "广东", "广西", "江西",
})
# Usual English (and older postal) names pinyin does not give, and pinyin that two places share
# where the conventional spelling tells them apart (陕西 is Shaanxi, 山西 Shanxi).
_ENGLISH: dict[str, str] = {
    "peking": "北京", "tientsin": "天津", "chungking": "重庆", "canton": "广州",
    "amoy": "厦门", "nanking": "南京", "tsingtao": "青岛", "swatow": "汕头", "foochow": "福州",
    "harbin": "哈尔滨", "urumqi": "乌鲁木齐", "urumchi": "乌鲁木齐", "lhasa": "拉萨",
    "hohhot": "呼和浩特", "kashgar": "喀什", "tibet": "西藏", "innermongolia": "内蒙古",
    "shaanxi": "陕西", "hongkong": "香港", "macau": "澳门", "macao": "澳门",
    "taiwan": "台湾", "taipei": "台湾", "kaohsiung": "台湾", "taichung": "台湾",
}
_NOT_PINYIN = frozenset({"陕西"})  # reached by "shaanxi" only, not by pinyin's "shanxi"
# English words around a place name that are no part of it.
_ENGLISH_NOISE = frozenset({
    "city", "province", "district", "county", "prefecture", "region", "branch", "branches",
    "office", "offices", "sinosure", "in", "near", "for", "at", "the", "of", "where", "is",
    "which", "my", "i", "am", "we", "are", "shi", "sheng", "qu", "xian", "china", "prc",
})
_LATIN_WORD = re.compile(r"[a-z]+")
_T2S = opencc.OpenCC("t2s")


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float

    def km_to(self, other: Point) -> float:
        """Great-circle distance (haversine)."""
        lat1, lat2 = math.radians(self.latitude), math.radians(other.latitude)
        dlat = lat2 - lat1
        dlon = math.radians(other.longitude - self.longitude)
        h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
        return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Division:
    """A province, prefecture-level city or county/district, with its seat (when known)."""

    adcode: str
    name: str  # as officially written: 宁波市, 西湖区, 广西壮族自治区
    level: int
    province: str  # the short name of its province: 浙江, 广西, 北京
    prefecture: str = ""  # the prefecture-level city it is in (counties): 宁波市; "" otherwise
    point: Point | None = None

    @property
    def short(self) -> str:
        """The name without its ending: 宁波, 西湖, 本溪; a province's short name."""
        return self.province if self.level == PROVINCE else short_name(self.name)

    @property
    def city(self) -> str | None:
        """The prefecture-level city, short (宁波): what a city branch (宁波分公司) covers."""
        if self.level == PREFECTURE:
            return self.short
        return short_name(self.prefecture) if self.prefecture else None

    @property
    def label(self) -> str:
        """How the answer names it: 浙江, 浙江宁波市, 浙江宁波市慈溪市, 北京朝阳区."""
        if self.level == PROVINCE:
            return self.province
        return self.province + self.prefecture + self.name

    def within(self, other: Division) -> bool:
        """This place is ``other`` or lies inside it."""
        digits = {PROVINCE: 2, PREFECTURE: 4, COUNTY: 6}[other.level]
        return other.level <= self.level and self.adcode[:digits] == other.adcode[:digits]


@dataclass(frozen=True)
class Mention:
    """A stretch of the text that names one or more places (several: the name is shared)."""

    text: str
    places: tuple[Division, ...]
    guessed: bool = False  # a typo: the places sound like or are spelled close to ``text``


@dataclass(frozen=True)
class Abroad:
    """A location whose nearest populated place is outside China."""

    country: str  # ISO 3166 alpha-2
    km: float  # to that place


@dataclass(frozen=True)
class Nearest:
    place: Division
    km: float


def short_name(name: str) -> str:
    """宁波市 → 宁波, 本溪满族自治县 → 本溪, 恩施土家族苗族自治州 → 恩施, 城区 → 城区 (a
    short name of one character is no name)."""
    base = name
    if base.endswith(("自治县", "自治州", "自治旗")):
        base = base[:-3]
        base = _strip_peoples(base)
    else:
        for suffix in _SUFFIXES:
            if base.endswith(suffix) and len(base) - len(suffix) >= 2:
                base = base[:-len(suffix)]
                break
    return base if len(base) >= 2 else name


def _strip_peoples(base: str) -> str:
    stripped = True
    while stripped:
        stripped = False
        people = base.removesuffix("族")
        for name in _PEOPLES:
            if people.endswith(name) and len(people) - len(name) >= 2:
                base, stripped = people[:-len(name)], True
                break
    return base


def fold(text: str) -> str:
    """What is compared: full-width to half-width, traditional to simplified, lower case."""
    return _T2S.convert(unicodedata.normalize("NFKC", text)).casefold()


@cache
def _pinyin_table() -> dict[str, frozenset[str]]:
    with (DATA / "pinyin.csv").open(encoding="utf-8", newline="") as handle:
        return {row["character"]: frozenset(row["readings"].split())
                for row in csv.DictReader(handle)}


def _readings(character: str) -> frozenset[str]:
    """Every reading of a character, without tones (长 → chang, zhang)."""
    return _pinyin_table().get(character, frozenset())


@cache
def _place_pinyin() -> dict[str, str]:
    """Each division's short name in pinyin, read as a word (长春 changchun, 厦门 xiamen)."""
    with (DATA / "place_pinyin.csv").open(encoding="utf-8", newline="") as handle:
        return {row["adcode"]: row["pinyin"] for row in csv.DictReader(handle)}


@dataclass
class Gazetteer:
    divisions: tuple[Division, ...]
    world: tuple[tuple[float, float, str], ...]  # (latitude, longitude, country)
    by_code: dict[str, Division] = field(init=False)
    # name → (tier, place): tier 0 the full name or a province's short name, 1 a short name.
    names: dict[str, list[tuple[int, Division]]] = field(init=False)
    latin: dict[str, list[Division]] = field(init=False)
    sounds: dict[tuple[str, str], list[tuple[str, tuple[frozenset[str], ...], Division]]] = \
        field(init=False)

    def __post_init__(self) -> None:
        self.by_code = {d.adcode: d for d in self.divisions}
        self.names = defaultdict(list)
        self.latin = defaultdict(list)
        self.sounds = defaultdict(list)
        for division in self.divisions:
            self._index(division)
        for key, name in _ENGLISH.items():
            place = self.best(name)
            if place is not None:
                self.latin[key] = [place]
        self.longest = max(len(name) for name in self.names)
        # A province's seat is its capital's: the capital's own row answers for it, except
        # where the table has no rows below the province (Taiwan, Hong Kong, Macao).
        parents = {d.adcode[:2] for d in self.divisions if d.level > PROVINCE}
        self._home = Nearby((d.point.latitude, d.point.longitude, d) for d in self.divisions
                          if d.point and (d.level > PROVINCE or d.adcode[:2] not in parents))
        self._away = Nearby(self.world)

    def _index(self, d: Division) -> None:
        # Keys are folded like the text they are looked for in: t2s turns the simplified 乾
        # of 乾安县 into 干, on both sides alike.
        if d.level == PROVINCE:
            full = next(full for short, full in PROVINCES if short == d.province)
            self.names[fold(full)].append((0, d))
            self.names[fold(d.province)].append((0, d))
        else:
            if d.name not in _COMMON_WORDS:
                self.names[fold(d.name)].append((0, d))
            if d.short != d.name and d.short not in _COMMON_WORDS:
                self.names[fold(d.short)].append((1, d))
        well_known = d.level < COUNTY or d.name.endswith("市")  # provinces, cities
        if (well_known and d.short not in _NOT_PINYIN
                and (d.level == PROVINCE or d.short not in _COMMON_WORDS)):
            self.latin[_place_pinyin()[d.adcode]].append(d)
            readings = tuple(_readings(ch) for ch in d.short)
            for first in readings[0]:
                for second in readings[1]:
                    self.sounds[(first, second)].append((d.short, readings, d))

    def named(self, name: str) -> tuple[Division, ...]:
        """The places a name stands for: those it names best (a full name or a province's
        short name before a short name)."""
        candidates = self.names.get(name, ())
        if not candidates:
            return ()
        tier = min(t for t, _ in candidates)
        return tuple(d for t, d in candidates if t == tier)

    def best(self, name: str) -> Division | None:
        """The most important place of that exact name (a province before a city)."""
        found = sorted(self.names.get(name, ()), key=lambda pair: (pair[0], pair[1].level))
        return found[0][1] if found else None

    # --- places named in a text -----------------------------------------------------------

    def mentions(self, text: str) -> list[Mention]:
        """Every place named in ``text``, longest name first at each position; when none is,
        the typos (homophones, pinyin misspellings) found instead."""
        folded = fold(text)
        found = list(self._han_mentions(folded)) + list(self._latin_mentions(folded))
        if found:
            return found
        return list(self._homophones(folded)) + list(self._misspellings(folded))

    def _han_mentions(self, text: str) -> Iterator[Mention]:
        i = 0
        while i < len(text):
            for length in range(min(self.longest, len(text) - i), 1, -1):
                places = self.named(text[i:i + length])
                if places:
                    yield Mention(text[i:i + length], places)
                    i += length
                    break
            else:
                i += 1

    def _latin_words(self, text: str) -> list[str]:
        return [w for w in _LATIN_WORD.findall(text.replace("'", "").replace("’", ""))]

    def _latin_mentions(self, text: str) -> Iterator[Mention]:
        words = self._latin_words(text)
        i = 0
        while i < len(words):
            for width in (3, 2, 1):  # "hong kong", "inner mongolia", "xi an"
                key = "".join(words[i:i + width])
                if len(words[i:i + width]) == width and self.latin.get(key):
                    yield Mention(" ".join(words[i:i + width]), tuple(self.latin[key]))
                    i += width
                    break
            else:
                i += 1

    def _homophones(self, text: str) -> Iterator[Mention]:
        """杭洲 → 杭州, 夏门 → 厦门: the same sounds, at least one character the same."""
        readings = [_readings(ch) for ch in text]
        i = 0
        while i < len(text) - 1:
            found: dict[str, list[Division]] = defaultdict(list)
            for first in readings[i]:
                for second in readings[i + 1]:
                    for name, sounds, place in self.sounds.get((first, second), ()):
                        typed = text[i:i + len(name)]
                        if (len(typed) == len(name)
                                and any(a == b for a, b in zip(typed, name, strict=True))
                                and all(readings[i + k] & sounds[k] for k in range(len(name)))
                                and place not in found[name]):
                            found[name].append(place)
            if not found:
                i += 1
                continue
            name = max(found, key=len)  # the longest name heard here
            yield Mention(text[i:i + len(name)], _senior(found[name]), guessed=True)
            i += len(name)

    def _misspellings(self, text: str) -> Iterator[Mention]:
        """Hangzou → hangzhou, Shenzen → shenzhen: one edit in a pinyin name of 5–7
        letters, two in a longer one."""
        for word in self._latin_words(text):
            if len(word) < 5 or word in _ENGLISH_NOISE:
                continue
            allowed = 1 if len(word) < 8 else 2
            scored = [(DamerauLevenshtein.distance(word, key, score_cutoff=allowed), key)
                      for key in self.latin if abs(len(key) - len(word)) <= allowed]
            close = [(score, key) for score, key in scored if score <= allowed]
            if close:
                best = min(score for score, _ in close)
                places = tuple(d for score, key in close if score == best
                               for d in self.latin[key])
                yield Mention(word, places, guessed=True)

    # --- the place nearest to a location --------------------------------------------------

    def nearest(self, point: Point) -> Nearest | Abroad | None:
        """The nearest division with a known seat, unless a populated place outside the
        mainland is nearer (then ``Abroad``, or the division of Taiwan, Hong Kong or Macao)."""
        away = self._away.nearest(point)
        home = self._home.nearest(point, within=away[0] if away else math.inf)
        if away is not None and (home is None or away[0] < home[0]):
            km, country = away
            region = {"TW": "台湾", "HK": "香港", "MO": "澳门"}.get(str(country))
            if region is not None:
                return Nearest(self.named(region)[0], km)
            return Abroad(str(country), km)
        if home is None:
            return None
        km, place = home
        assert isinstance(place, Division)
        return Nearest(place, km)


class Nearby:
    """A k-d tree over points on the unit sphere (x, y, z): the straight-line distance between
    two such points grows with the distance along the Earth's surface, so the nearest by one
    is the nearest by the other — with no special case at the poles or at 180°."""

    def __init__(self, points: Iterable[tuple[float, float, object]]) -> None:
        nodes = [(*_unit(latitude, longitude), what) for latitude, longitude, what in points]
        self.root = _build(nodes, 0)

    def nearest(self, point: Point, within: float = math.inf) -> tuple[float, object] | None:
        """The nearest point and its distance in km; None when none is within ``within``."""
        target = _unit(point.latitude, point.longitude)
        best_d2, best = _chord2(within), None
        stack = [self.root]
        while stack:
            node = stack.pop()
            if node is None:
                continue
            where, what, axis, low, high = node
            dx, dy, dz = where[0] - target[0], where[1] - target[1], where[2] - target[2]
            d2 = dx * dx + dy * dy + dz * dz
            if d2 <= best_d2:
                best_d2, best = d2, what
            gap = target[axis] - where[axis]
            near, far = (low, high) if gap < 0 else (high, low)
            if gap * gap <= best_d2:
                stack.append(far)
            stack.append(near)  # popped first
        if best is None:
            return None
        return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(best_d2) / 2)), best


_Node = tuple[tuple[float, float, float], object, int, "_Node | None", "_Node | None"]


def _build(nodes: list[tuple[float, float, float, object]], axis: int) -> _Node | None:
    if not nodes:
        return None
    nodes.sort(key=itemgetter(axis))
    middle = len(nodes) // 2
    x, y, z, what = nodes[middle]
    following = (axis + 1) % 3
    return ((x, y, z), what, axis, _build(nodes[:middle], following),
            _build(nodes[middle + 1:], following))


def _unit(latitude: float, longitude: float) -> tuple[float, float, float]:
    lat, lon = math.radians(latitude), math.radians(longitude)
    return (math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat))


def _chord2(km: float) -> float:
    """The squared straight-line distance on the unit sphere of ``km`` along the surface."""
    if km == math.inf or km >= math.pi * EARTH_KM:
        return 4.0 + 1e-9
    return (2 * math.sin(km / (2 * EARTH_KM))) ** 2


def _senior(places: list[Division]) -> tuple[Division, ...]:
    """吉林 (the province) and 吉林市 sound alike: the province, as an exact name would."""
    top = min(d.level for d in places)
    return tuple(d for d in places if d.level == top)


@cache
def gazetteer() -> Gazetteer:
    return Gazetteer(read_divisions(), _read_world())


def read_divisions() -> tuple[Division, ...]:
    with (DATA / "adcodes.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    provinces: dict[str, str] = {}
    prefectures: dict[str, str] = {}
    full_to_short = {full: short for short, full in PROVINCES}
    for row in rows:
        code = row["adcode"]
        if code[2:] == "0" * 10:
            provinces[code[:2]] = full_to_short[row["name"]]
        elif code[4:] == "0" * 8 and row["name"] not in _PLACEHOLDERS:
            prefectures[code[:4]] = row["name"]
    divisions = []
    for row in rows:
        code, name = row["adcode"], row["name"]
        if name in _PLACEHOLDERS:
            continue
        level = PROVINCE if code[2:] == "0" * 10 else PREFECTURE if code[4:] == "0" * 8 \
            else COUNTY
        point = (Point(float(row["latitude"]), float(row["longitude"]))
                 if row["latitude"] and row["longitude"] else None)
        divisions.append(Division(
            adcode=code, name=name, level=level, province=provinces[code[:2]],
            prefecture=prefectures.get(code[:4], "") if level == COUNTY else "", point=point))
    return tuple(divisions)


def _read_world() -> tuple[tuple[float, float, str], ...]:
    with (DATA / "world_cities.csv").open(encoding="utf-8", newline="") as handle:
        return tuple((float(row["latitude"]), float(row["longitude"]), row["country"])
                     for row in csv.DictReader(handle))
