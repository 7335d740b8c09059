"""The HTML (``f=html``) of the OGC API documents: each document kind becomes a page model
(title, menu, paragraphs, tables) that the ``ogc.html`` template renders, escaping every value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote

from flask import render_template

from geoapp.ogc import HTML, OPENAPI

Doc = Mapping[str, Any]


def _text(value: Any) -> dict[str, str]:
    return {"text": "" if value is None else str(value)}


def _link(href: str, text: Any) -> dict[str, str]:
    return {"href": href, "text": "" if text is None else str(text)}


def _html_url(href: str) -> str:
    return href.replace("f=json", "f=html")


def _table(rows: Iterable[list[dict]], head: list[str] | None = None) -> dict[str, Any]:
    return {"head": head or [], "rows": list(rows)}


def _page(title: str, blocks: list[dict], links: Iterable[Doc] = ()) -> dict[str, Any]:
    nav = [{"href": lk["href"], "title": lk["title"]} for lk in links if lk["type"] != HTML]
    return {"title": title, "nav": nav, "blocks": blocks}


def _landing(doc: Doc) -> dict[str, Any]:
    rows = [
        [_link(lk["href"] if lk["type"] == OPENAPI else _html_url(lk["href"]), lk["title"]),
         _text(lk["rel"])]
        for lk in doc["links"]
    ]  # fmt: skip
    blocks = [{"paragraph": [_text(doc["description"])]}, _table(rows)]
    return _page(doc["title"], blocks, doc["links"])


def _conformance(doc: Doc) -> dict[str, Any]:
    return _page("符合的标准 Conformance", [{"bullets": list(doc["conformsTo"])}])


def _collections(doc: Doc) -> dict[str, Any]:
    rows = []
    for c in doc["collections"]:
        href = c["links"][0]["href"]
        items = f"{href.split('?')[0]}/items?f=html"
        rows.append(
            [_link(_html_url(href), c["id"]), _text(c["title"]), _link(items, "要素 features")]
        )
    return _page("图层 Collections", [_table(rows, ["id", "图层 Layer", ""])], doc["links"])


def _collection(doc: Doc) -> dict[str, Any]:
    extent = ", ".join(f"{v:.5f}" for v in doc["extent"]["spatial"]["bbox"][0])
    rows = [
        [_text("说明 Description"), _text(doc["description"])],
        [_text("来源 Attribution"), _text(doc["attribution"])],
        [_text("范围 Extent (CRS84)"), _text(extent)],
        [_text("坐标系 CRS"), {"lines": list(doc["crs"])}],
        [_text("存储坐标系 Storage CRS"), _text(doc["storageCrs"])],
    ]
    links = [[_link(_html_url(lk["href"]), lk["title"]), _text(lk["type"])] for lk in doc["links"]]
    blocks = [_table(rows), {"heading": "链接 Links"}, _table(links)]
    return _page(doc["title"], blocks, doc["links"])


def _items(doc: Doc) -> dict[str, Any]:
    rows = [
        [_link(f"items/{quote(str(f['id']))}?f=html", f["id"]), _text(f["properties"].get("name")),
         _text(f["properties"].get("status")), _text(f["properties"].get("accuracy"))]
        for f in doc["features"]
    ]  # fmt: skip
    paging = [
        _link(_html_url(lk["href"]), lk["title"])
        for lk in doc["links"]
        if lk["rel"] in ("prev", "next")
    ]
    summary = [_text(f"{doc['numberReturned']} / {doc['numberMatched']}"), *paging]
    head = ["id", "名称 Name", "状态 Status", "精度 Accuracy"]
    return _page("要素 Features", [{"paragraph": summary}, _table(rows, head)], doc["links"])


def _feature(doc: Doc) -> dict[str, Any]:
    rows = [[_text("id"), _text(doc["id"])]]
    rows += [[_text(k), _text(v)] for k, v in doc["properties"].items()]
    rows.append([_text("geometry"), _text((doc.get("geometry") or {}).get("type"))])
    title = doc["properties"].get("name") or doc["id"]
    return _page(str(title), [_table(rows)], doc["links"])


def _queryables(doc: Doc) -> dict[str, Any]:
    rows = [
        [_text(k), _text(v.get("title")), _text(v.get("type")), _text(", ".join(v.get("enum", [])))]
        for k, v in doc["properties"].items()
    ]
    title = f"可查询字段 Queryables: {doc['title']}"
    return _page(title, [_table(rows, ["name", "title", "type", "values"])])


def _api(doc: Doc) -> dict[str, Any]:
    params = doc["components"]["parameters"]
    rows = []
    for path, item in doc["paths"].items():
        op = item["get"]
        names = [
            params[p["$ref"].rsplit("/", 1)[1]]["name"] if "$ref" in p else p["name"]
            for p in op["parameters"]
        ]
        rows.append([_text(path), _text(op["summary"]), _text(", ".join(names))])
    blocks = [
        {"paragraph": [_link("api?f=json", "OpenAPI 3.0 (JSON)")]},
        _table(rows, ["path", "", "parameters"]),
    ]
    return _page(doc["info"]["title"], blocks)


PAGES: dict[str, Callable[[Doc], dict[str, Any]]] = {
    "landing": _landing,
    "conformance": _conformance,
    "collections": _collections,
    "collection": _collection,
    "items": _items,
    "feature": _feature,
    "queryables": _queryables,
    "api": _api,
}


def render_html(kind: str, doc: Doc) -> str:
    """The page of a document of the given kind (rendered from ``templates/ogc.html``)."""
    return render_template("ogc.html", page=PAGES[kind](doc))
