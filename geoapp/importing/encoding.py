"""Shapefile text encodings: which one to read, a .cpg that lies, and text already destroyed.

A .dbf has no reliable encoding of its own: the .cpg says it, or the LDID byte, or nobody does.
Chinese shapefiles from Windows are usually GBK. Two failures are caught here with the fix:

* a .cpg saying UTF-8 over GBK bytes (found by decoding each record before GDAL does);
* mojibake: names a Latin-1 shapefile turned into ``?????`` (lost for good: export again) or
  UTF-8/GBK bytes read as Latin-1 (readable again with ``--encoding``).

Examples
--------
>>> garbled_text("????", "甲公园")
'the Chinese characters were replaced by ? (the file was saved in an encoding without them)'
>>> garbled_text("ç\\x94²å\\x85¬å\\x9b\\xad", None)
'UTF-8 text read as Latin-1 (it reads "甲公园")'
>>> garbled_text("甲公园", "甲公园") is None
True
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pandas as pd

from geoapp.importing.limits import ImportFailed

CPG_ALIASES = {
    "936": "GBK", "cp936": "GBK", "gb2312": "GBK", "gb18030": "GB18030", "65001": "UTF-8",
    "utf8": "UTF-8", "utf-8": "UTF-8", "1252": "CP1252", "88591": "ISO-8859-1",
}  # fmt: skip
_QUESTION_RUN = re.compile(r"\?{2,}")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
_HIGH_LATIN = re.compile(r"[\x80-\xff]")


def cpg_encoding(cpg: Path) -> str | None:
    """The encoding a .cpg file names (aliases such as 936 → GBK), None if it is empty."""
    name = cpg.read_text("ascii", errors="replace").strip()
    return CPG_ALIASES.get(name.lower(), name) or None


def _field_offset(header: bytes, name: str) -> tuple[int, int] | None:
    """(offset in the record, length) of a .dbf field, None if the file has no such field."""
    offset, pos = 1, 32
    while pos + 32 <= len(header) and header[pos] != 0x0D:
        field_name = header[pos : pos + 11].split(b"\0", 1)[0].decode("ascii", "replace")
        length = header[pos + 16]
        if field_name.lower() == name:
            return offset, length
        offset += length
        pos += 32
    return None


def undecodable_record(dbf: Path, encoding: str) -> tuple[int, str | None] | None:
    """The first .dbf record (0-based, with its id) whose text ``encoding`` cannot decode."""
    data = dbf.read_bytes()
    if len(data) < 32:
        return None
    count, header_len, record_len = struct.unpack("<IHH", data[4:12])
    # a damaged header may claim billions of records: look only at those the file holds
    count = min(count, max(0, len(data) - header_len) // record_len) if record_len else 0
    id_field = _field_offset(data[:header_len], "id")
    for i in range(count):
        record = data[header_len + i * record_len : header_len + (i + 1) * record_len]
        try:
            record.decode(encoding)
        except UnicodeDecodeError:
            fid = None
            if id_field:
                raw = record[id_field[0] : id_field[0] + id_field[1]]
                fid = raw.decode("ascii", "replace").strip() or None
            return i, fid
        except LookupError:
            raise ImportFailed(
                f"{dbf.name}: unknown text encoding '{encoding}'; say e.g. --encoding GBK"
            ) from None
    return None


def check_declared(dbf: Path, encoding: str, told_by: str) -> None:
    """ImportFailed naming the feature when the .dbf is not in the encoding ``told_by`` says."""
    bad = undecodable_record(dbf, encoding)
    if bad is None:
        return
    i, fid = bad
    feature = f"feature '{fid}'" if fid else f"feature #{i + 1}"
    other = "UTF-8" if encoding.upper().replace("-", "") != "UTF8" else "GBK"
    raise ImportFailed(
        f"{dbf.name}: {feature}: text is not {encoding} although {told_by} says so; it is "
        f"probably {other}: say --encoding {other} (or correct the .cpg)"
    )


def garbled_text(value: str, current: str | None) -> str | None:
    """Why ``value`` looks like destroyed or mis-decoded text (None when it looks fine)."""
    if _QUESTION_RUN.search(value) and not _QUESTION_RUN.search(current or ""):
        if current is None or _CJK.search(current) or value.strip("? ") == "":
            return (
                "the Chinese characters were replaced by ? (the file was saved in an "
                "encoding without them)"
            )
    if _HIGH_LATIN.search(value) and not _CJK.search(value):
        for enc in ("UTF-8", "GBK"):
            try:
                fixed = value.encode("latin-1").decode(enc)
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
            if _CJK.search(fixed):
                return f'{enc} text read as Latin-1 (it reads "{fixed}")'
    return None


def check_garbled(frame: pd.DataFrame, current: dict[str, dict], name: str) -> None:
    """ImportFailed listing text values that are mojibake, with the way to fix the file."""
    found = []
    for row in frame.to_dict("records"):
        fid = row.get("id") if isinstance(row.get("id"), str) else None
        was = current.get(fid, {}) if fid else {}
        for col, value in row.items():
            if col == "geometry" or not isinstance(value, str):
                continue
            before = was.get(col) if isinstance(was.get(col), str) else None
            why = garbled_text(value, before)
            if why:
                found.append((fid, col, value, why))
    if not found:
        return
    fid, col, value, why = found[0]
    where = f"feature '{fid}'" if fid else "a feature"
    fix = (
        "say --encoding " + why.split(" ", 1)[0]
        if "read as Latin-1" in why
        else "export the layer again as GeoPackage, or as a shapefile with encoding UTF-8 "
        "(QGIS: Export → Save Features As… → Encoding UTF-8)"
    )
    raise ImportFailed(
        f"{name}: {len(found)} text value(s) are garbled, e.g. {where} field '{col}' = "
        f"{value!r}: {why}; nothing imported: {fix}"
    )
