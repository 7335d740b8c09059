"""The words of the map pages, zh-CN first with English beside it: one place for every UI string.

Examples
--------
>>> t("home", "en")
'Whole city'
>>> t("home", "zh")
'回到全市'
"""

from __future__ import annotations

from typing import Any

from geoapp.query.names import name_for

TEXT = {
    "zh": {
        "status": "状态",
        "target": "目标",
        "target_year": "目标年份",
        "overdue": "目标年份已过，暂无完成报道",
        "named": "列入规划",
        "source": "来源",
        "project_page": "项目详情",
        "no_project": "背景要素（无项目进度）",
        "legend": "图例",
        "statuses": "项目状态",
        "context": "背景",
        "projects": "规划项目",
        "search": "搜索名称…",
        "filter_status": "按状态筛选",
        "filter_zone": "按片区筛选",
        "all_zones": "全部片区",
        "as_of": "截至",
        "latest": "最新",
        "home": "回到全市",
        "title": "永康规划一张图",
        "unverified": "（位置示意）",
        "from_zoom": "（放大到 {zoom} 级显示）",
        "lang_switch": "English",
        "no_match": "无匹配",
        "no_matching_projects": "没有符合条件的项目",
        "schematic_banner": "图形均为示意，非测绘数据",
        "progress": "进度总览",
        "color_by": "着色依据",
        "mode_status": "当前状态",
        "mode_target": "规划目标",
        "mode_overdue": "是否逾期",
        "solid_report": "实心：已报道的状态",
        "outline_target": "虚线轮廓：规划目标（非完成）",
        "overdue_short": "逾期未见完成报道",
        "not_overdue": "未逾期或已完成",
        "projects_shown": "个项目",
        "labels": "名称标注",
        "unplaced": "未上图项目",
        "here": "此处有 {n} 个要素",
        "builder": "新闻地图生成器（编辑用）",
    },
    "en": {
        "status": "Status",
        "target": "Target",
        "target_year": "Target year",
        "overdue": "Target year passed; no report of completion yet",
        "named": "named in a plan",
        "source": "Source",
        "project_page": "Project page",
        "no_project": "Context feature (no project status)",
        "legend": "Legend",
        "statuses": "Project status",
        "context": "Context",
        "projects": "Plan projects",
        "search": "Search by name…",
        "filter_status": "Filter by status",
        "filter_zone": "Filter by zone",
        "all_zones": "All zones",
        "as_of": "As of",
        "latest": "latest",
        "home": "Whole city",
        "title": "Yongkang Planning Map",
        "unverified": " (position unverified)",
        "from_zoom": " (shown from zoom {zoom})",
        "lang_switch": "中文",
        "no_match": "No match",
        "no_matching_projects": "No matching projects",
        "schematic_banner": "All shapes are schematic, not survey data",
        "progress": "Progress",
        "color_by": "Colour by",
        "mode_status": "current status",
        "mode_target": "plan target",
        "mode_overdue": "overdue",
        "solid_report": "Solid: reported status",
        "outline_target": "Dashed outline: plan target (not a completion)",
        "overdue_short": "overdue, no report of completion",
        "not_overdue": "not overdue or done",
        "projects_shown": "project(s) shown",
        "labels": "Labels",
        "unplaced": "Projects not on the map",
        "here": "{n} features here",
        "builder": "Embed builder (for editors)",
    },
}


def t(key: str, lang: str) -> str:
    """A UI string in ``lang``."""
    return TEXT["en" if lang == "en" else "zh"][key]


EMBED_TEXT = {
    "zh": {"full_map": "查看完整地图", "map_of": "地图", "shows": "显示", "items": "个要素",
           "static": "静态地图"},
    "en": {"full_map": "Open the full map", "map_of": "Map", "shows": "showing", "items": "features",
           "static": "static map"},
}  # fmt: skip


def in_language(text: str, lang: str) -> str:
    """The part of a bilingual data note ("中文 / English") in ``lang``; other text unchanged.

    >>> in_language("示意：依据常识绘制 / Schematic: drawn from general knowledge", "en")
    'Schematic: drawn from general knowledge'
    >>> in_language("测试 / test", "zh")
    '测试'
    >>> in_language("永康江", "en")
    '永康江'
    """
    zh, sep, en = text.partition(" / ")
    if not sep or not en.isascii() or en.count(" / "):
        return text
    return en if lang == "en" else zh


def _status_label(code: str | None, lang: str) -> str:
    from geoapp.status import STATUS

    return STATUS[code].label(lang) if code in STATUS else ""


def embed_description(selection: dict[str, Any], title: str, lang: str) -> str:
    """A plain-text description of the embedded map, for screen readers."""
    e = EMBED_TEXT["en" if lang == "en" else "zh"]
    items = []
    for gdf in selection.values():
        for r in gdf.to_dict("records"):
            if r.get("project_id"):
                name = name_for(r, lang)
                items.append(f"{name}（{_status_label(r['status'], lang)}）" if lang != "en" else
                             f"{name} ({_status_label(r['status'], lang)})")  # fmt: skip
    sep = "、" if lang != "en" else ", "
    head = f"{e['map_of']}：{title}。" if lang != "en" else f"{e['map_of']}: {title}. "
    return head + (f"{e['shows']} {len(items)} {e['items']}：" if lang != "en" else
                   f"{e['shows']} {len(items)} {e['items']}: ") + sep.join(items)  # fmt: skip
