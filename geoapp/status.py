"""The one status vocabulary: code, zh/en label, colour and order, used everywhere.

Examples
--------
>>> STATUS["under_construction"].zh
'在建'
>>> [s.code for s in STATUSES][:3]
['planned', 'preparing', 'launched']
>>> status_by_label("建成").code
'completed'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Status:
    """One step of a project's life, Chinese label first."""

    code: str
    zh: str
    en: str
    color: str
    order: int
    note_zh: str = ""
    note_en: str = ""

    def label(self, lang: str = "zh") -> str:
        """The label in ``lang`` (``zh`` or ``en``)."""
        return self.en if lang == "en" else self.zh


#: The status palette (``Status.color``): colour-blind safe and legible on the offline map.
#: Every colour is at least 3:1 against both map backgrounds (:data:`MAP_BACKGROUND`), and
#: neighbouring statuses differ by ΔE*ab ≥ 25 for normal, deuteranope and protanope vision
#: (``tests/test_palette.py`` computes and asserts it). Hue families: grey = named in a plan,
#: blue-grey = preparing, amber/raspberry/violet = under way, green/blue/teal = done.
STATUSES: tuple[Status, ...] = (
    Status("planned", "谋划", "planned", "#7b7b7b", 1, "已列入规划或工作报告", "named in a plan"),
    Status("preparing", "前期", "preparing", "#5d7fb0", 2, "前期工作", "preparatory work"),
    Status("launched", "启动", "launched", "#b07a00", 3, "启动实施", "launched"),
    Status(
        "under_construction",
        "在建",
        "under construction",
        "#d6336c",
        4,
        "开工建设",
        "construction started",
    ),
    Status("topped_out", "结顶", "topped out", "#8a5cc2", 5, "主体结顶", "structure topped out"),
    Status("completed", "建成", "completed", "#2f8f46", 6, "通车/贯通/完工", "opened / completed"),
    Status(
        "accepted", "验收", "accepted", "#2f6fd0", 7, "完成验收", "handed over after inspection"
    ),
    Status("in_service", "投用", "in service", "#00838f", 8, "投入使用", "in use"),
)

STATUS: dict[str, Status] = {s.code: s for s in STATUSES}

#: Colour of features that carry no project (context features such as rivers or towns).
CONTEXT_COLOR = "#607d8b"

#: The map's background with no basemap (offline), in the light and the dark theme.
MAP_BACKGROUND: dict[str, str] = {"light": "#f3f1ec", "dark": "#1e2124"}

#: How the map may colour a project: by its current status, by its plan's target, or overdue.
COLOR_MODES: tuple[str, ...] = ("status", "target", "overdue")

#: The colour of an overdue project in the "overdue" mode (≥ 3:1 on both backgrounds).
OVERDUE_COLOR = "#c2410c"


def relative_luminance(color: str) -> float:
    """WCAG relative luminance of a ``#rrggbb`` colour.

    >>> round(relative_luminance("#ffffff"), 3)
    1.0
    """
    out = 0.0
    for weight, i in ((0.2126, 1), (0.7152, 3), (0.0722, 5)):
        c = int(color[i : i + 2], 16) / 255
        out += weight * (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return out


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21).

    >>> round(contrast_ratio("#000000", "#ffffff"), 1)
    21.0
    """
    hi, lo = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


HISTORY_KINDS: dict[str, tuple[str, str]] = {
    "target": ("目标", "target"),
    "mention": ("提及", "named"),
    "report": ("报道", "report"),
    "update": ("更新", "update"),
}

ACCURACY: dict[str, tuple[str, str]] = {
    "surveyed": ("测绘", "surveyed"),
    "approximate": ("近似", "approximate"),
    "schematic": ("示意", "schematic"),
}

LOCATION_CONFIDENCE: dict[str, tuple[str, str]] = {
    "high": ("高", "high"),
    "medium": ("中", "medium"),
    "low": ("低", "low"),
    "unknown": ("位置未核实", "location unverified"),
}


def status_by_label(label: str) -> Status:
    """Find a status by its code, zh label or en label; raise ``KeyError`` if none."""
    for s in STATUSES:
        if label in (s.code, s.zh, s.en):
            return s
    raise KeyError(label)


def accuracy_note(accuracy: str, lang: str = "zh") -> str:
    """The warning a popup or export shows for a feature of this accuracy ('' for surveyed)."""
    if accuracy == "schematic":
        return (
            "Schematic shape drawn from general knowledge, not survey data: not a boundary or alignment."
            if lang == "en"
            else "示意图形，依据公开资料与常识绘制，非测绘数据，不代表红线或准确走向。"
        )
    if accuracy == "approximate":
        return (
            "Approximate shape from public data; not a legal boundary."
            if lang == "en"
            else "近似图形，来自公开数据，非法定界线。"
        )
    return ""
