"""Draw the first, schematic version of every layer except the boundary (one-off tool).

We have no survey data. Every shape here is drawn from the general-knowledge positions in
``data/sources/place-hints.md`` and the wording of the plans, and is marked
``accuracy: schematic`` with its ``location_confidence``. GIS staff replace the shapes through
``geoapp import``; after that, do not run this script again (it refuses to overwrite a layer
file unless ``--force`` is given).

Usage::

    python scripts/draw_schematic_layers.py [--data data] [--force] [--layers LAYER ...]

The city outline (``data/geojson/boundary.geojson``, made by ``scripts/convert_boundary.py``)
must exist first: every shape is clipped to it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import shapely
from shapely.geometry import LineString, Point, box, mapping, shape
from shapely.ops import substring

from geoapp.coords import METRIC_CRS, transform_geometry

GK = "示意：本项目依据 place-hints.md 常识点位（±1–3 km）与规划文字绘制，非测绘数据"
GK_EN = "Schematic: drawn by this project from general-knowledge positions in place-hints.md (±1–3 km) and the plan's wording; not survey data"
UNKNOWN = "位置未核实：未找到公开定位，仅按“位于中心城区”示意摆放，须对照规划图纸核对"
UNKNOWN_EN = "Location unverified: no public position found; placed only as 'somewhere in the urban core' — check against the planning drawings"
UNKNOWN_FRINGE = "位置未核实：未找到公开定位，示意摆放于城区外围，须对照规划图纸核对"
UNKNOWN_FRINGE_EN = "Location unverified: no public position found; placeholder on the urban fringe — check against the planning drawings"


def m(geom):
    """WGS84 → metric CRS (EPSG:4549)."""
    return transform_geometry(geom, "EPSG:4326", METRIC_CRS)


def w(geom):
    """Metric CRS → WGS84."""
    return transform_geometry(geom, METRIC_CRS, "EPSG:4326")


def rect(lon: float, lat: float, width_m: float, height_m: float, angle: float = 0.0):
    """A rectangle of the given size in metres centred on lon/lat, rotated by ``angle`` degrees."""
    c = m(Point(lon, lat))
    r = box(c.x - width_m / 2, c.y - height_m / 2, c.x + width_m / 2, c.y + height_m / 2)
    return w(shapely.affinity.rotate(r, angle, origin=c))


def blob(lon: float, lat: float, radius_m: float, squash: float = 1.0):
    """A rounded shape of about ``radius_m`` around lon/lat (an ellipse squashed N–S)."""
    c = m(Point(lon, lat))
    circle = c.buffer(radius_m, quad_segs=6)
    return w(shapely.affinity.scale(circle, 1.0, squash, origin=c))


def feature(fid: str, name: str, name_en: str, geom, **props) -> dict:
    """One GeoJSON feature with the base fields first."""
    base = {"id": fid, "name": name, "name_en": name_en}
    base.update(props)
    return {"type": "Feature", "id": fid, "properties": base, "geometry": mapping(geom)}


def schematic(conf: str = "low", source: str = GK, source_en: str = GK_EN) -> dict:
    """The provenance fields of a schematic shape."""
    return {
        "accuracy": "schematic",
        "location_confidence": conf,
        "geometry_source": f"{source} / {source_en}",
    }


# --- rivers: downstream order, so a positive offset is the left bank ---------------------------
CONFLUENCE = (120.025, 28.892)  # 三江口: 华溪 + 南溪 → 永康江 (place-hints, low)
RIVERS = {
    "huaxi": (
        "华溪",
        "Huaxi Stream",
        [
            (120.135, 28.960),
            (120.110, 28.940),
            (120.085, 28.922),
            (120.060, 28.905),
            (120.042, 28.897),
            CONFLUENCE,
        ],
    ),
    "nanxi": (
        "南溪",
        "Nanxi Stream",
        [
            (120.120, 28.840),
            (120.095, 28.858),
            (120.072, 28.870),
            (120.050, 28.880),
            (120.035, 28.887),
            CONFLUENCE,
        ],
    ),
    "yongkangjiang": (
        "永康江",
        "Yongkang River",
        [
            CONFLUENCE,
            (120.010, 28.895),
            (120.000, 28.897),
            (119.975, 28.900),
            (119.955, 28.902),
            (119.925, 28.905),
            (119.895, 28.906),
        ],
    ),
}
# the urban reach improved by 三江六岸: metres measured along each river from its start
URBAN_REACH = {"huaxi": (2600.0, None), "nanxi": (2900.0, None), "yongkangjiang": (0.0, 5200.0)}
BANK_OFFSET_M = 60.0


def river_features(city) -> list[dict]:
    """The three rivers and their six banks."""
    out = []
    for rid, (zh, en, coords) in RIVERS.items():
        line = LineString(coords)
        out.append(
            feature(
                f"river-{rid}",
                zh,
                en,
                line.intersection(city) if rid == "yongkangjiang" else line,
                feature_kind="river",
                river=zh,
                **schematic(),
            )
        )
        ml = m(line)
        start, end = URBAN_REACH[rid]
        reach = substring(ml, start, end if end is not None else ml.length)
        for side, bank, bank_en, sign in (
            ("left", "左岸", "left bank", 1),
            ("right", "右岸", "right bank", -1),
        ):
            geom = w(reach.offset_curve(sign * BANK_OFFSET_M, join_style="round"))
            out.append(
                feature(
                    f"bank-{rid}-{side}",
                    f"{zh}{bank}",
                    f"{en}, {bank_en}",
                    geom,
                    feature_kind="bank",
                    river=zh,
                    bank=bank,
                    **schematic(),
                )
            )
    return out


# --- roads and rail ---------------------------------------------------------------------------
ROADS = [
    (
        "road-nansihuan-wujin-nandu",
        "南四环（五金大道—南都路）",
        "South 4th Ring (Wujin Ave – Nandu Rd)",
        "ring_road",
        "五金大道—南都路",
        [(119.995, 28.8800), (120.010, 28.8700), (120.030, 28.8640)],
    ),
    (
        "road-nansihuan-nandu-g330",
        "南四环（南都路—330国道）",
        "South 4th Ring (Nandu Rd – G330)",
        "ring_road",
        "南都路—330国道",
        [(120.030, 28.8640), (120.050, 28.8620), (120.070, 28.8660), (120.090, 28.8826)],
    ),
    (
        "road-beisanhuan",
        "北三环",
        "North 3rd Ring",
        "ring_road",
        "全线",
        [
            (119.995, 28.915),
            (120.015, 28.922),
            (120.035, 28.925),
            (120.060, 28.922),
            (120.080, 28.912),
        ],
    ),
    (
        "road-jiefang-nanlu",
        "解放南路（南三环—南四环）",
        "Jiefang South Rd (S 3rd Ring – S 4th Ring)",
        "arterial",
        "南三环—南四环",
        [(120.0360, 28.8735), (120.0355, 28.8685), (120.0350, 28.8635)],
    ),
    (
        "road-shenglijie-ext",
        "胜利街延伸段",
        "Shengli St extension",
        "street",
        "延伸段",
        [(120.037, 28.898), (120.041, 28.8985), (120.046, 28.899)],
    ),
    (
        "road-jiuling-xilu",
        "九铃西路",
        "Jiuling West Rd",
        "arterial",
        "",
        [(119.990, 28.906), (120.010, 28.905), (120.025, 28.904)],
    ),
    (
        "road-west-entrance",
        "西入城口",
        "West city entrance",
        "city_entrance",
        "",
        [(119.965, 28.8968), (119.975, 28.8965), (119.985, 28.8960)],
    ),
    (
        "road-east-entrance",
        "东入城口",
        "East city entrance",
        "city_entrance",
        "",
        [(120.070, 28.905), (120.081, 28.9085), (120.092, 28.912)],
    ),
    (
        "road-nandulu-ext",
        "南都路延伸段",
        "Nandu Rd extension",
        "arterial",
        "延伸段",
        [(120.031, 28.8720), (120.030, 28.8640), (120.028, 28.8520)],
    ),
    (
        "road-old-g330",
        "老330国道",
        "Old G330",
        "national_road",
        "",
        [
            (119.940, 28.8950),
            (119.985, 28.8960),
            (120.030, 28.8930),
            (120.070, 28.8930),
            (120.090, 28.8826),
            (120.110, 28.8720),
            (120.160, 28.8450),
            (120.200, 28.8300),
        ],
    ),
    (
        "road-dongyong-1",
        "东永一线",
        "Dong-Yong Road No. 1",
        "provincial_road",
        "",
        [
            (120.060, 28.910),
            (120.100, 28.950),
            (120.156, 28.982),
            (120.200, 29.020),
            (120.240, 29.060),
        ],
    ),
    (
        "road-dongyong-2",
        "东永二线",
        "Dong-Yong Road No. 2",
        "provincial_road",
        "",
        [
            (120.050, 28.916),
            (120.080, 28.952),
            (120.120, 28.992),
            (120.150, 29.040),
            (120.170, 29.090),
        ],
    ),
    (
        "road-fangyan-link",
        "方岩大道及连接线",
        "Fangyan Ave and link road",
        "scenic_road",
        "",
        [(120.075, 28.902), (120.120, 28.905), (120.160, 28.906), (120.195, 28.905)],
    ),
    (
        "rail-jintai",
        "金台铁路（永康段）",
        "Jinhua–Taizhou Railway (Yongkang section)",
        "railway",
        "永康段",
        [
            (119.880, 28.878),
            (119.990, 28.860),
            (120.050, 28.845),
            (120.120, 28.830),
            (120.200, 28.800),
            (120.280, 28.770),
        ],
    ),
    (
        "road-yongwu-expressway",
        "永武快速路",
        "Yongkang–Wuyi expressway",
        "expressway",
        "",
        [(120.000, 28.900), (119.960, 28.890), (119.910, 28.885), (119.880, 28.884)],
    ),
]


def road_features(city) -> list[dict]:
    """Roads and rail, clipped to the city."""
    out = []
    for fid, zh, en, cls, section, coords in ROADS:
        geom = LineString(coords).intersection(city)
        props = {"road_class": cls, "section": section or None}
        out.append(feature(fid, zh, en, geom, **props, **schematic()))
    return out


# --- parks ------------------------------------------------------------------------------------
def park_features() -> list[dict]:
    """Parks the plans name (历山森林公园 could not be located and is not drawn)."""
    nanxi = m(LineString(RIVERS["nanxi"][2]))
    at = nanxi.project(m(Point(120.065, 28.875)))  # 南溪湾 (place-hints, low)
    wet = w(substring(nanxi, at - 900.0, at + 900.0).buffer(160.0, quad_segs=4))
    return [
        feature(
            "park-nanxiwan-wetland",
            "南溪湾生态湿地公园",
            "Nanxi Bay Ecological Wetland Park",
            wet,
            park_type="wetland_park",
            **schematic(),
        ),
        feature(
            "park-longchuan",
            "龙川公园",
            "Longchuan Park",
            blob(120.052, 28.8835, 160),
            park_type="city_park",
            **schematic(),
        ),
        feature(
            "park-tashan",
            "塔山公园",
            "Tashan Park",
            blob(120.035, 28.902, 180, 0.8),
            park_type="city_park",
            **schematic(),
        ),
        feature(
            "park-xiangzhang",
            "香樟公园",
            "Xiangzhang Park",
            blob(120.0505, 28.9005, 120),
            park_type="city_park",
            **schematic(),
        ),
    ]


# --- urban villages and micro-enterprise parks: positions unknown ------------------------------
VILLAGES = [
    ("uv-xishantou", "西山头区块", "Xishantou block", (120.005, 28.9030), 18),
    ("uv-dongku", "东库区块", "Dongku block", (120.058, 28.8950), -10),
    ("uv-zhoutang", "周塘区块", "Zhoutang block", (120.020, 28.9150), 5),
    ("uv-yingjia", "应家区块", "Yingjia block", (120.045, 28.9150), 12),
    ("uv-shanheli", "山荷里区块", "Shanheli block", (120.015, 28.8850), -6),
    ("uv-xumatou", "许码头区块", "Xumatou block", (120.029, 28.8870), 20),
    ("uv-huangtang", "黄棠区块", "Huangtang block", (120.066, 28.9120), 0),
]
MICRO_PARKS = [
    (
        "mep-smart-lock",
        "智能门锁特色产业园区",
        "Smart-lock themed industrial park",
        "智能门锁",
        (119.998, 28.8700),
    ),
    (
        "mep-thermos",
        "保温杯壶特色产业园区",
        "Vacuum-flask themed industrial park",
        "保温杯壶",
        (120.012, 28.8585),
    ),
    (
        "mep-health-medical",
        "健康医疗特色产业园区",
        "Health and medical themed industrial park",
        "健康医疗",
        (120.060, 28.8550),
    ),
]


def village_features() -> list[dict]:
    """The seven 城中村 blocks and 田川未来社区, placed only as 'in the urban core'."""
    prov = schematic("unknown", UNKNOWN, UNKNOWN_EN)
    out = [
        feature(fid, zh, en, rect(lon, lat, 260, 200, ang), block_type="urban_village", **prov)
        for fid, zh, en, (lon, lat), ang in VILLAGES
    ]
    out.append(
        feature(
            "uv-tianchuan-future",
            "田川未来社区",
            "Tianchuan Future Community",
            rect(120.046, 28.8725, 420, 300, 8),
            block_type="future_community",
            **prov,
        )
    )
    return out


def micro_park_features() -> list[dict]:
    """The themed industrial parks of the 2020 work report, placeholders on the urban fringe."""
    prov = schematic("unknown", UNKNOWN_FRINGE, UNKNOWN_FRINGE_EN)
    return [
        feature(fid, zh, en, rect(lon, lat, 380, 300, 0), theme=theme, **prov)
        for fid, zh, en, theme, (lon, lat) in MICRO_PARKS
    ]


# --- zones: 一带三区、一轴两片 ------------------------------------------------------------------
def zone_features(city) -> list[dict]:
    """Seven features: one belt, three areas, one axis, two districts, clipped to the city."""
    core = blob(120.025, 28.895, 7000, 0.72).intersection(city)
    gushan = blob(120.156, 28.982, 3000).intersection(city)
    districts = core.union(gushan)
    north = box(119.8, 28.965, 120.5, 29.2).intersection(city).difference(districts)
    central = box(120.095, 28.84, 120.215, 28.965).intersection(city).difference(districts)
    east = box(120.215, 28.7, 120.5, 28.965).intersection(city).difference(districts)
    belt = box(119.915, 28.7, 119.965, 29.2).intersection(city).difference(districts)
    axis = LineString(
        [
            (120.075, 28.925),
            (120.100, 28.950),
            (120.156, 28.982),
            (120.200, 29.020),
            (120.240, 29.060),
        ]
    ).intersection(city)
    wording = "示意：依据“十四五”规划纲要文字描述（无规划图）绘制，范围为推断 / Schematic: drawn from the wording of the 14th Five-Year Plan (no plan map), extent inferred"
    prov = {"accuracy": "schematic", "location_confidence": "low", "geometry_source": wording}
    return [
        feature(
            "zone-eco-leisure-belt",
            "生态休闲花园带",
            "Ecological leisure garden belt",
            belt,
            zone_type="belt",
            **{**prov, "location_confidence": "unknown"},
        ),
        feature(
            "zone-north-agri",
            "北部现代农业示范区",
            "Northern modern agriculture demonstration area",
            north,
            zone_type="area",
            **prov,
        ),
        feature(
            "zone-central-agri",
            "中部高效农业发展区",
            "Central high-efficiency agriculture area",
            central,
            zone_type="area",
            **prov,
        ),
        feature(
            "zone-east-eco-agri",
            "东部生态农业示范区",
            "Eastern ecological agriculture demonstration area",
            east,
            zone_type="area",
            **prov,
        ),
        feature(
            "zone-dongyong-axis",
            "产城融合发展轴",
            "Industry–city integration axis (along the Dong-Yong Line)",
            axis,
            zone_type="axis",
            **prov,
        ),
        feature(
            "zone-central-city",
            "中心城区",
            "Central urban district",
            core,
            zone_type="district",
            **{**prov, "location_confidence": "medium"},
        ),
        feature(
            "zone-gushan",
            "古山小城市片区",
            "Gushan small-city district",
            gushan,
            zone_type="district",
            **prov,  # place-hints: medium-low, and our vocabulary has no step between
        ),
    ]


# --- towns ------------------------------------------------------------------------------------
TOWNS = [
    ("town-dongcheng", "东城街道", "Dongcheng Subdistrict", "subdistrict", 120.055, 28.900, "low"),
    ("town-xicheng", "西城街道", "Xicheng Subdistrict", "subdistrict", 120.005, 28.905, "low"),
    ("town-jiangnan", "江南街道", "Jiangnan Subdistrict", "subdistrict", 120.030, 28.878, "low"),
    ("town-gushan", "古山镇", "Gushan Town", "town", 120.156, 28.982, "medium-low"),
    ("town-zhiying", "芝英镇", "Zhiying Town", "town", 120.133, 28.938, "medium-low"),
    ("town-fangyan", "方岩镇", "Fangyan Town", "town", 120.195, 28.905, "low"),
    ("town-qiancang", "前仓镇", "Qiancang Town", "town", 120.110, 28.850, "low"),
    ("town-xiangzhu", "象珠镇", "Xiangzhu Town", "town", 120.060, 28.990, "low"),
    ("town-tangxian", "唐先镇", "Tangxian Town", "town", 120.010, 29.020, "low"),
    ("town-longshan", "龙山镇", "Longshan Town", "town", 120.160, 28.840, "low"),
    ("town-zhoushan", "舟山镇", "Zhoushan Town", "town", 120.075, 28.790, "low"),
    ("town-xixi", "西溪镇", "Xixi Town", "town", 119.985, 28.800, "low"),
    ("town-shizhu", "石柱镇", "Shizhu Town", "town", 119.955, 28.900, "low"),
    ("town-huajie", "花街镇", "Huajie Town", "town", 119.990, 28.850, "low"),
]


def town_features() -> list[dict]:
    """Town and subdistrict seats as points."""
    out = []
    for fid, zh, en, kind, lon, lat, conf in TOWNS:
        if conf == "medium-low":  # no step between medium and low: never surer than the source
            prov = {
                "accuracy": "approximate",
                "location_confidence": "low",
                "geometry_source": "近似：place-hints.md 中地址地理编码（weak-hint，±1 km，medium-low） / Approximate: geocoded address in place-hints.md (weak hint, ±1 km, medium-low)",
            }
        else:
            prov = schematic("low")
        out.append(feature(fid, zh, en, Point(lon, lat), town_type=kind, **prov))
    return out


# --- platforms, public facilities, culture and tourism ----------------------------------------
# Only projects whose own words tie them to a place in place-hints.md are drawn; the registry
# lists the rest as unplaced, with the reason (data/projects.csv, unplaced_reason).
TOWN_POINT = {zh: (lon, lat) for _, zh, _, _, lon, lat, _ in TOWNS}
OLD_TOWN = (120.037, 28.898)  # 胜利街 (old-town street, place-hints, low)
OLD_TOWN_ZH = (
    "位置未核实：解放街未找到公开定位，示意摆放于老城（place-hints.md 胜利街一带，low），须核对"
)
OLD_TOWN_EN = "Location unverified: 解放街 not located; placeholder in the old town (near 胜利街 in place-hints.md, low) — check"


def in_town(town: str) -> tuple[str, str]:
    """Provenance text of a facility the plan places only 'in town X' (a placeholder)."""
    return (
        f"位置未核实：规划原文只说明在{town}，示意摆放于 place-hints.md 中{town}驻地附近，须核对场址",
        f"Location unverified: the plan names only the town ({town}); placeholder near its seat "
        "in place-hints.md — check the site",
    )


def by_name(place: str) -> tuple[str, str]:
    """Provenance text of an area drawn around the place-hints point its name refers to."""
    return (
        f"示意：依据名称中的“{place}”与 place-hints.md 中该处点位（low）绘制，范围为推断",
        f"Schematic: drawn around the place-hints.md point of '{place}' named in its name (low); "
        "extent inferred",
    )


def platform_features() -> list[dict]:
    """江南山水新城 (by its name, 江南街道) and the 解放街 plaza (placeholder)."""
    return [
        feature(
            "pf-jiangnan-new-town",
            "江南山水新城",
            "Jiangnan Shanshui New Town",
            blob(*TOWN_POINT["江南街道"], 1100, 0.7),
            platform_type="new_town",
            **schematic("low", *by_name("江南")),
        ),
        feature(
            "pf-baolong-plaza",
            "解放街宝龙广场",
            "Powerlong Plaza, Jiefang Street",
            rect(OLD_TOWN[0] + 0.0012, OLD_TOWN[1] - 0.0012, 160, 140),
            platform_type="commercial",
            **schematic("unknown", OLD_TOWN_ZH, OLD_TOWN_EN),
        ),
    ]


KINDERGARTENS = [
    ("pu-kg-fangyan-2", "方岩第二中心幼儿园", "Fangyan No. 2 central kindergarten", "方岩镇"),
    ("pu-kg-qiancang-2", "前仓第二中心幼儿园", "Qiancang No. 2 central kindergarten", "前仓镇"),
    ("pu-kg-zhiying-2", "芝英第二中心幼儿园", "Zhiying No. 2 central kindergarten", "芝英镇"),
    ("pu-kg-xiangzhu-2", "象珠第二中心幼儿园", "Xiangzhu No. 2 central kindergarten", "象珠镇"),
    ("pu-kg-gushan-2", "古山第二中心幼儿园", "Gushan No. 2 central kindergarten", "古山镇"),
]
PLACEHOLDER_OFFSET = (
    0.004,
    0.003,
)  # NE of the town point, so the two markers do not hide each other


def public_facility_features() -> list[dict]:
    """The town kindergartens: placeholders beside their town's seat."""
    dx, dy = PLACEHOLDER_OFFSET
    out = []
    for fid, zh, en, town in KINDERGARTENS:
        lon, lat = TOWN_POINT[town]
        prov = schematic("unknown", *in_town(town))
        out.append(
            feature(fid, zh, en, Point(lon + dx, lat + dy), facility_type="kindergarten", **prov)
        )
    return out


def culture_tourism_features() -> list[dict]:
    """方岩 scenic area and the two 千年古城 by their towns; 解放街 as a placeholder."""
    fangyan, zhiying = TOWN_POINT["方岩镇"], TOWN_POINT["芝英镇"]
    return [
        feature(
            "ct-fangyan-scenic",
            "方岩景区",
            "Fangyan scenic area",
            blob(*fangyan, 1500, 0.8),
            site_type="scenic_area",
            **schematic("low", *by_name("方岩")),
        ),
        feature(
            "ct-fangyan-ancient-town",
            "方岩“千年古城”",
            "Fangyan 'thousand-year town'",
            blob(*fangyan, 500),
            site_type="historic_town",
            **schematic("low", *by_name("方岩")),
        ),
        feature(
            "ct-zhiying-ancient-town",
            "芝英“千年古城”",
            "Zhiying 'thousand-year town'",
            blob(*zhiying, 600),
            site_type="historic_town",
            **schematic("low", *by_name("芝英")),
        ),
        feature(
            "ct-jiefangjie",
            "解放街历史文化街区",
            "Jiefang Street historic district",
            rect(OLD_TOWN[0] - 0.0008, OLD_TOWN[1], 140, 650),
            site_type="historic_street",
            **schematic("unknown", OLD_TOWN_ZH, OLD_TOWN_EN),
        ),
    ]


def collection(features: list[dict]) -> dict:
    """An RFC 7946 FeatureCollection with coordinates rounded to 7 decimals (about 1 cm)."""
    for f in features:
        geom = shapely.set_precision(shape(f["geometry"]), 1e-7)
        f["geometry"] = mapping(geom)
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str] | None = None) -> int:
    """Write every schematic layer into DATA/geojson."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--force", action="store_true", help="overwrite existing layer files")
    parser.add_argument(
        "--layers", nargs="+", metavar="LAYER", help="write only these layers (default: all)"
    )
    args = parser.parse_args(argv)
    geo = args.data / "geojson"
    boundary_file = geo / "boundary.geojson"
    if not boundary_file.exists():
        print(
            f"error: {boundary_file} not found; run scripts/convert_boundary.py first",
            file=sys.stderr,
        )
        return 1
    city = shape(json.loads(boundary_file.read_text(encoding="utf-8"))["features"][0]["geometry"])
    layers = {
        "sanjiang_liuan": river_features(city),
        "ring_roads": road_features(city),
        "parks": park_features(),
        "urban_villages": village_features(),
        "micro_enterprise_parks": micro_park_features(),
        "zones": zone_features(city),
        "towns": town_features(),
        "platforms": platform_features(),
        "public_facilities": public_facility_features(),
        "culture_tourism": culture_tourism_features(),
    }
    unknown = sorted(set(args.layers or []) - set(layers))
    if unknown:
        print(f"error: no such layer: {', '.join(unknown)}", file=sys.stderr)
        return 1
    for layer, features in layers.items():
        if args.layers and layer not in args.layers:
            continue
        path = geo / f"{layer}.geojson"
        if path.exists() and not args.force:
            print(
                f"error: {path} exists (it may hold imported corrections); use --force",
                file=sys.stderr,
            )
            return 1
        text = json.dumps(collection(features), ensure_ascii=False, indent=1) + "\n"
        path.write_text(text, encoding="utf-8")
        print(f"{path}: {len(features)} features")
    return 0


if __name__ == "__main__":
    sys.exit(main())
