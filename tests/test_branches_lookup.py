"""The branch lookup: any place in the division table, named or located, against the seed's
list of 25 branches — checked by a rule written here from the seed, not by the code's own."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import branches
from branches import gazetteer as gz

ADCODES = Path(branches.__file__).parent / "data" / "adcodes.csv"

# GB/T 2260 province codes (the first two digits of an adcode).
PROVINCE_OF_CODE = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁",
    "22": "吉林", "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽",
    "35": "福建", "36": "江西", "37": "山东", "41": "河南", "42": "湖北", "43": "湖南",
    "44": "广东", "45": "广西", "46": "海南", "50": "重庆", "51": "四川", "52": "贵州",
    "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏",
    "65": "新疆", "71": "台湾", "81": "香港", "82": "澳门",
}
# The seed, 四(四): each branch and what it covers; None: no branch is listed for the place.
BRANCH_OF_PROVINCE = {
    "天津": "天津分公司", "河北": "河北分公司", "山西": "山西分公司", "辽宁": "辽宁分公司",
    "吉林": "辽宁分公司", "黑龙江": "黑龙江分公司", "上海": "上海分公司", "江苏": "江苏分公司",
    "浙江": "浙江分公司", "安徽": "安徽分公司", "福建": "福建分公司", "江西": "江西分公司",
    "山东": "山东分公司", "河南": "河南分公司", "湖北": "湖北分公司", "湖南": "湖南分公司",
    "贵州": "湖南分公司", "广东": "广东分公司", "广西": "广西分公司", "海南": "广西分公司",
    "重庆": "重庆分公司", "四川": "四川分公司", "西藏": "四川分公司", "云南": "云南分公司",
    "陕西": "陕西分公司", "宁夏": "陕西分公司", "甘肃": "陕西分公司", "青海": "陕西分公司",
    "新疆": "新疆分公司",
    "北京": None, "内蒙古": None, "台湾": None, "香港": None, "澳门": None,
}
# 宁波, 厦门 and 深圳 have branches of their own.
BRANCH_OF_CITY = {"3302": "宁波分公司", "3502": "厦门分公司", "4403": "深圳分公司"}
PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def expected_branch(adcode: str) -> str | None:
    return BRANCH_OF_CITY.get(adcode[:4]) or BRANCH_OF_PROVINCE[PROVINCE_OF_CODE[adcode[:2]]]


def rows() -> list[dict[str, str]]:
    with ADCODES.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["name"] not in PLACEHOLDERS]


def names(found: branches.Lookup | None) -> list[tuple[str, str | None]]:
    assert found is not None
    return [(o.place.adcode, o.branch.name if o.branch else None) for o in found.options]


def test_the_table_is_the_whole_country():
    table = rows()
    assert len(table) > 3200
    assert {row["adcode"][:2] for row in table} == set(PROVINCE_OF_CODE)
    assert len(gz.gazetteer().divisions) == len(table)


def test_twenty_five_branches_and_nothing_invented():
    assert len(branches.all_branches()) == 25
    assert {b.name for b in branches.all_branches()} == (
        {name for name in BRANCH_OF_PROVINCE.values() if name} | set(BRANCH_OF_CITY.values()))
    assert all(b.contacts == () for b in branches.all_branches())  # the seed gives none


@pytest.mark.parametrize("province", sorted(BRANCH_OF_PROVINCE))
def test_every_province_by_name(province):
    code = next(code for code, name in PROVINCE_OF_CODE.items() if name == province)
    assert names(branches.look_up(province)) == [(code + "0" * 10, BRANCH_OF_PROVINCE[province])]


def test_every_place_in_the_table_by_its_full_name_and_with_its_province():
    """All 3,2xx rows: the full name finds the place (among others that share it), and the
    province plus the name finds only it; the branch is the seed's."""
    by_code = {row["adcode"]: row for row in rows()}
    unfound = []
    for row in by_code.values():
        code, name = row["adcode"], row["name"]
        found = branches.look_up(name)
        if found is None:
            unfound.append(name)
            continue
        assert (code, expected_branch(code)) in names(found), name
        province = PROVINCE_OF_CODE[code[:2]]
        prefecture = by_code.get(code[:4] + "0" * 8, {}).get("name", "")
        if code[2:] != "0" * 10:
            assert names(branches.look_up(province + prefecture + name)) == [
                (code, expected_branch(code))], (province, prefecture, name)
    # Names that are everyday words are found only with their city: 城区 is no place alone.
    assert set(unfound) <= {"城区", "郊区", "矿区", "东区", "西区"}


@pytest.mark.parametrize(("text", "code", "branch"), [
    ("宁波", "330200", "宁波分公司"), ("慈溪", "330282", "宁波分公司"),
    ("宁波市鄞州区", "330212", "宁波分公司"), ("义乌", "330782", "浙江分公司"),
    ("厦门", "350200", "厦门分公司"), ("思明区", "350203", "厦门分公司"),
    ("泉州", "350500", "福建分公司"), ("晋江", "350582", "福建分公司"),
    ("深圳市南山区", "440305", "深圳分公司"), ("广州", "440100", "广东分公司"),
    ("长春", "220100", "辽宁分公司"), ("大连", "210200", "辽宁分公司"),
    ("贵阳", "520100", "湖南分公司"), ("三亚", "460200", "广西分公司"),
    ("拉萨", "540100", "四川分公司"), ("西宁", "630100", "陕西分公司"),
    ("银川", "640100", "陕西分公司"), ("兰州", "620100", "陕西分公司"),
    ("乌鲁木齐", "650100", "新疆分公司"), ("本溪", "210500", "辽宁分公司"),
    ("恩施", "422800", "湖北分公司"), ("神农架", "429021", "湖北分公司"),
    ("呼和浩特", "150100", None), ("满洲里", "150781", None), ("北京朝阳", "110105", None),
])
def test_cities_counties_and_the_city_branches(text, code, branch):
    assert names(branches.look_up(text)) == [(code.ljust(12, "0"), branch)]


@pytest.mark.parametrize(("text", "code"), [
    ("廈門", "350200"), ("烏魯木齊", "650100"), ("臺灣", "710000"), ("瀋陽", "210100"),
    ("Hangzhou", "330100"), ("hangzhou city", "330100"), ("XIAMEN", "350200"),
    ("Xi'an", "610100"), ("Canton", "440100"), ("Amoy", "350200"), ("Peking", "110000"),
    ("Urumqi", "650100"), ("Hong Kong", "810000"), ("Inner Mongolia", "150000"),
    ("Shaanxi", "610000"), ("Shanxi", "140000"), ("ｎｉｎｇｂｏ", "330200"),
])
def test_traditional_english_and_pinyin(text, code):
    assert [c for c, _ in names(branches.look_up(text))] == [code.ljust(12, "0")]


@pytest.mark.parametrize(("text", "code"), [
    ("杭洲", "330100"), ("温洲", "330300"), ("夏门", "350200"), ("Hangzou", "330100"),
    ("Shenzen", "440300"), ("Guangzou", "440100"), ("Urumchi", "650100"),
])
def test_typos_are_read_and_said_to_be_guesses(text, code):
    found = branches.look_up(text)
    assert [c for c, _ in names(found)] == [code.ljust(12, "0")]
    assert found.guessed or text == "Urumchi"


@pytest.mark.parametrize(("text", "codes"), [
    ("西湖区", {"330106", "360103"}),                        # 杭州, 南昌
    ("朝阳", {"110105", "211300", "220104"}),                # 北京, 辽宁朝阳市, 长春
    ("鼓楼", {"320106", "320302", "350102", "410204"}),
    ("Fuzhou", {"350100", "361000"}),                       # 福州, 抚州
    ("杭州和宁波", {"330100", "330200"}),                     # two places named
])
def test_a_shared_name_gives_every_place(text, codes):
    assert {c[:6] for c, _ in names(branches.look_up(text))} == codes


@pytest.mark.parametrize(("text", "code"), [
    ("浙江西湖", "330106"), ("江西省西湖区", "360103"), ("辽宁朝阳", "211300"),
    ("浙江省杭州市西湖区", "330106"), ("吉林", "220000"), ("河北", "130000"),
])
def test_the_province_decides_a_shared_name(text, code):
    assert [c for c, _ in names(branches.look_up(text))] == [code.ljust(12, "0")]


@pytest.mark.parametrize("text", [
    "网点在哪里", "去哪里办理", "联系方式", "我在城区", "比如说", "和平年代", "ACME GmbH",
    "office in Mars", "火星分公司", "",
])
def test_no_place_no_match(text):
    assert branches.look_up(text) is None


def test_no_listed_branch_names_the_nearest_of_the_twenty_five():
    found = branches.look_up("北京")
    option = found.options[0]
    assert option.branch is None
    assert [near.branch.name for near in option.nearest] == ["河北分公司", "天津分公司",
                                                              "山西分公司"]
    assert [round(near.km) for near in option.nearest] == sorted(
        round(near.km) for near in option.nearest)
    inner = branches.look_up("锡林郭勒盟").options[0]
    assert inner.branch is None and len(inner.nearest) == 3
    assert all(near.branch in branches.all_branches() for near in inner.nearest)


def test_a_profile_region_finds_its_branch():
    assert branches.for_region("浙江", "慈溪").branch.name == "宁波分公司"
    assert branches.for_region("浙江", "宁波").place.label == "浙江宁波市"
    assert branches.for_region("吉林", None).branch.name == "辽宁分公司"
    assert branches.for_region("北京", "北京").branch is None


# --- locations -------------------------------------------------------------------------------

def located_branch(latitude: float, longitude: float, label: str = "") -> str | None:
    found = branches.locate(latitude, longitude, label)
    assert found is not None and found.found is not None, (latitude, longitude)
    return found.found.branch.name if found.found.branch else None


def test_every_prefecture_seat_is_covered_by_its_own_branch():
    """The seat of each prefecture-level city, as a location: the seed's branch."""
    checked = 0
    for row in rows():
        code = row["adcode"]
        if code[4:] != "0" * 8 or code[2:4] == "00" or not row["latitude"]:
            continue
        assert located_branch(float(row["latitude"]), float(row["longitude"])) == \
            expected_branch(code), row["name"]
        checked += 1
    assert checked > 330


@pytest.mark.parametrize(("latitude", "longitude", "branch"), [
    (29.8683, 121.544, "宁波分公司"), (30.2741, 120.1551, "浙江分公司"),
    (24.4798, 118.0894, "厦门分公司"), (22.5431, 114.0579, "深圳分公司"),
    (23.1291, 113.2644, "广东分公司"), (18.2528, 109.5119, "广西分公司"),
    (29.6525, 91.1721, "四川分公司"), (43.8256, 87.6168, "新疆分公司"),
    (38.4872, 106.2309, "陕西分公司"), (26.6470, 106.6302, "湖南分公司"),
    (39.9042, 116.4074, None), (40.8426, 111.7492, None), (49.5978, 117.4271, None),
])
def test_a_location_names_its_branch(latitude, longitude, branch):
    assert located_branch(latitude, longitude) == branch


@pytest.mark.parametrize(("latitude", "longitude", "country"), [
    (30.0444, 31.2357, "EG"), (48.8566, 2.3522, "FR"), (37.5665, 126.9780, "KR"),
    (21.0278, 105.8342, "VN"), (47.8864, 106.9057, "MN"), (40.7128, -74.0060, "US"),
    (1.3521, 103.8198, "SG"), (-33.8688, 151.2093, "AU"),
])
def test_a_location_abroad_is_said_to_be_abroad(latitude, longitude, country):
    found = branches.locate(latitude, longitude)
    assert found.found is None and found.country == country


def test_taiwan_hong_kong_and_macao_are_places_without_a_listed_branch():
    for latitude, longitude, name in [(22.6273, 120.3014, "台湾"), (22.3193, 114.1694, "香港"),
                                      (22.1987, 113.5439, "澳门")]:
        found = branches.locate(latitude, longitude).found
        assert found.place.province == name and found.branch is None and found.nearest


def test_the_label_decides_near_a_border_but_not_from_afar():
    # A point on the Beijing side of the line with Langfang (河北): the label says 北京朝阳区.
    beside = branches.locate(39.92, 116.64, "北京市朝阳区管庄")
    assert beside.by_label and beside.found.place.adcode.startswith("110105")
    far = branches.locate(29.8683, 121.544, "杭州路 12 号")  # a street named after a city
    assert not far.by_label and far.found.branch.name == "宁波分公司"


@pytest.mark.parametrize(("latitude", "longitude"), [(0.0, 0.0), (91.0, 10.0), (10.0, 181.0)])
def test_no_position_is_no_answer(latitude, longitude):
    assert branches.locate(latitude, longitude) is None


def test_short_names():
    assert gz.short_name("本溪满族自治县") == "本溪"
    assert gz.short_name("恩施土家族苗族自治州") == "恩施"
    assert gz.short_name("双江拉祜族佤族布朗族傣族自治县") == "双江"
    assert gz.short_name("巴音郭楞蒙古自治州") == "巴音郭楞"
    assert gz.short_name("浦东新区") == "浦东"
    assert gz.short_name("城区") == "城区"


def test_a_misspelt_contact_field_stops_the_start(tmp_path, monkeypatch):
    data = tmp_path / "branches.toml"
    data.write_text('[[branch]]\nname = "天津分公司"\nprovinces = ["天津"]\nphon = "1"\n',
                    encoding="utf-8")
    monkeypatch.setattr(branches, "DATA_PATH", data)
    branches.all_branches.cache_clear()
    try:
        with pytest.raises(branches.BranchDataError, match="unknown field 'phon'"):
            branches.all_branches()
    finally:
        monkeypatch.undo()
        branches.all_branches.cache_clear()
