"""How a plan's wording reads as a stage: the one verb table (documented in docs/verbs.md).

Every status-history row cited from a seed names the wording it was read from (its ``verb``
column); the wording must occur in the row's quote and the row's ``status`` and ``kind`` must be
what this table says. A plan sentence (a government work report, the five-year plan) states an
aim, so a stage it names is a ``target``; vague verbs (实施, 打造, 推进, 加快, 建设 …) name the
project but no stage: those rows are of kind ``mention`` and set no target.

``…`` in a verb stands for the words between, e.g. 做好…前期 matches
“做好313省道永康段等项目前期”.

Examples
--------
>>> VERB["开工建设"].status, VERB["开工建设"].kind
('under_construction', 'target')
>>> VERB["实施"].kind
'mention'
>>> verb_in_quote("做好…前期", "优化市域交通，做好313省道永康段等项目前期，")
True
>>> verb_in_quote("启动", "开工建设殡仪馆迁建工程")
False
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Reading:
    """What one wording says: a stage (status code) and whether it sets a target."""

    verb: str
    status: str
    kind: str
    note: str = ""


def _t(status: str, *verbs: str, note: str = "") -> list[Reading]:
    return [Reading(v, status, "target", note) for v in verbs]


#: The table, in stage order. ``mention`` rows carry status ``planned`` (谋划: named in a plan).
VERBS: tuple[Reading, ...] = tuple(
    _t("planned", "谋划", "谋划实施", "规划建设", "争取…纳入")
    + _t("preparing", "做好…前期", "筹建")
    + _t("preparing", "完成…方案设计", note="the design is finished: still preparatory work")
    + _t("launched", "启动")
    + _t("under_construction", "开工建设", "新开工建设")
    + _t(
        "under_construction",
        "基本完成路基工程",
        note="one part (the roadbed) is finished: the project is still being built",
    )
    + _t("topped_out", "结顶")
    + _t(
        "completed",
        "完成",
        "全面完成",
        "基本完工",
        "完工",
        "建成",
        "建成通车",
        "全线通车",
        "全线贯通",
        "全线开通",
        "开通",
    )
    + _t("accepted", "完成验收")
    + _t("in_service", "投入使用", "投入运营", "投入运行")
    + [
        Reading(v, "planned", "mention", "names the project, says no stage")
        for v in (
            "实施",
            "打造",
            "推进",
            "推动",
            "加快推进",
            "加速推进",
            "加快建设",
            "加快",
            "建设",
            "建设发展",
            "提升扩面",
            "改造提升",
            "提升",
            "拓展",
            "拓展…发展空间",
            "探索",
            "探索实施",
            "支持",
            "优化",
        )
    ]
)
VERB: dict[str, Reading] = {r.verb: r for r in VERBS}


def verb_in_quote(verb: str, quote: str) -> bool:
    """Whether ``verb`` (``…`` = any words between) occurs in ``quote``, white space ignored."""
    text = re.sub(r"\s+", "", quote)
    pattern = ".*?".join(re.escape(part) for part in verb.split("…"))
    return re.search(pattern, text) is not None


def check_reading(verb: str, status: str, kind: str, quote: str) -> str | None:
    """Why a row's (status, kind) is not what its verb says, or None if it is."""
    reading = VERB.get(verb)
    if reading is None:
        return f"verb {verb!r} is not in the verb table (docs/verbs.md)"
    if not verb_in_quote(verb, quote):
        return f"verb {verb!r} does not occur in the quote"
    if (status, kind) != (reading.status, reading.kind):
        return (
            f"reads {verb!r} as ({status}, {kind}); the verb table says "
            f"({reading.status}, {reading.kind})"
        )
    return None
