"""The name in this language, one rule for every page, popup, picture and list."""

from __future__ import annotations

from typing import Any


def name_for(props: Any, lang: str) -> str:
    """A feature's (or project's) name in ``lang``: ``name_en`` in English when there is one.

    >>> name_for({"name": "东库区块", "name_en": "Dongku Block"}, "en")
    'Dongku Block'
    >>> name_for({"name": "东库区块", "name_en": None}, "en")
    '东库区块'
    """
    return props["name_en"] if lang == "en" and props.get("name_en") else props["name"]
