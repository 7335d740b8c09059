"""The cited articles as a reader opens them: the bundled text with every quoted sentence marked.

A status or an indicator cites a sentence of a seed article (``data/seeds/<file>``). A reader
follows ``/sources/<file>#<anchor>`` to the article, where that sentence is highlighted; the
anchor is :func:`quote_anchor` of the quote. Quotes match across the seed's line breaks, as the
validator matches them (white space ignored).

Examples
--------
>>> quote_anchor("甲村区块完成验收")
'q-ad831bc2'
>>> [(s.text, s.anchor) for s in mark("一二\\n三四五", ["二三"])]
[('一', None), ('二\\n三', 'q-d0da7743'), ('四五', None)]
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from geoapp.catalog import Catalog
from geoapp.registry import normalise_text


@dataclass(frozen=True)
class Segment:
    """A run of the article's text; ``anchor`` is set where it is a quoted sentence."""

    text: str
    anchor: str | None = None


def quote_anchor(quote: str) -> str:
    """The fragment id of a quote on its article's page (stable, ASCII)."""
    digest = hashlib.sha1(normalise_text(quote).encode("utf-8")).hexdigest()
    return "q-" + digest[:8]


def _span(text: str, quote: str) -> tuple[int, int] | None:
    """(start, end) of ``quote`` in ``text``, white space in either ignored; None if absent."""
    chars = [re.escape(c) for c in normalise_text(quote)]
    if not chars:
        return None
    found = re.search(r"\s*".join(chars), text)
    return found.span() if found else None


def mark(text: str, quotes: list[str]) -> list[Segment]:
    """The text cut into segments, each quote's first occurrence marked (overlaps skipped)."""
    spans = []
    for q in dict.fromkeys(quotes):
        span = _span(text, q)
        if span and not any(s < span[1] and span[0] < e for s, e, _a in spans):
            spans.append((*span, quote_anchor(q)))
    out, pos = [], 0
    for start, end, anchor in sorted(spans):
        if start > pos:
            out.append(Segment(text[pos:start]))
        out.append(Segment(text[start:end], anchor))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


def citations(catalog: Catalog, file: str) -> list[dict[str, str]]:
    """Every quote that cites ``file``: from the status history and the indicators."""
    out = []
    for row in catalog.registry.history.to_dict("records"):
        if row["source"] == file and row["quote"]:
            out.append({"quote": row["quote"], "project_id": row["project_id"]})
    for row in catalog.registry.indicators.to_dict("records"):
        if row["source"] == file and row["quote"]:
            out.append({"quote": row["quote"], "project_id": ""})
    return out


def article(catalog: Catalog, file: str) -> dict[str, Any] | None:
    """The article page's content: title, publication, date, marked paragraphs; None if unknown."""
    meta = catalog.sources_by_file.get(file)
    path = catalog.data_dir / "seeds" / file
    if meta is None or not path.is_file():
        return None
    # the seeds keep the newspaper's column breaks: join the lines back into running text
    text = re.sub(r"\s+", "", path.read_text(encoding="utf-8"))
    quotes = [c["quote"] for c in citations(catalog, file)]
    paragraphs = [mark(text, quotes)]
    return {
        "file": file,
        "title": meta.get("title", ""),
        "publication": meta.get("publication", ""),
        "date": meta.get("date", ""),
        "paragraphs": paragraphs,
        "cited": len({quote_anchor(q) for q in quotes}),
    }


def source_link(file: str, quote: str = "", script_root: str = "") -> str:
    """The URL of a source's page, at the quoted sentence when there is one."""
    return f"{script_root}/sources/{file}" + (f"#{quote_anchor(quote)}" if quote else "")


def citation(catalog: Catalog, source: str, quote: str = "") -> dict[str, str]:
    """Title, publisher and link of what a status cites: a seed article's page at the quote, or
    the document a reviewed update (``update:<id>``) names, linked only when it gave a URL."""
    if source.startswith("update:"):
        upd = catalog.extra.get("updates", {}).get(source[len("update:") :])
        if upd is None:
            return {"title": source, "publication": "", "url": ""}
        return {"title": upd["source_title"], "publication": upd["source_publisher"],
                "url": upd["source_url"]}  # fmt: skip
    src = catalog.sources_by_file.get(source, {})
    return {"title": src.get("title", "") or source, "publication": src.get("publication", ""),
            "url": source_link(source, quote)}  # fmt: skip
