"""The web import for GIS staff (导入修正): upload a file, see the diff, resolve conflicts, apply.

The same engine as ``geoapp import`` (:mod:`geoapp.importing`): the upload is kept on the
server (:class:`~geoapp.importing.pending.PendingUploads`, a random id bound to the user, not
the cookie) and prepared against the store each time the page is drawn; Apply prepares it
again, refuses if anything changed since the page was drawn, resolves each conflict as the user
chose (keep theirs / take mine) and replaces the layer in one store transaction with an audit
entry. Only the ``gis`` and ``admin`` roles may use it; every error is a page in the user's
language naming the file.
"""

from __future__ import annotations

import time
from pathlib import Path

from flask import Blueprint, current_app, g, redirect, render_template, request

from geoapp import import_map
from geoapp.importing import ImportFailed, ImportLimits, ImportOptions, apply_import, prepare_import
from geoapp.importing.limits import ImportConflict, ImportTooLarge
from geoapp.importing.pending import PendingUpload, PendingUploads
from geoapp.importing.review import fingerprint, general_problems, review_rows
from geoapp.store.accounts import require
from geoapp.web.auth import client_address
from geoapp.web.pages import map_options
from geoapp.web.state import get_catalog, get_store, refresh_catalog

bp = Blueprint("gis_import", __name__)


@bp.errorhandler(413)
def _too_large(_exc):
    """A body over the import limit: a page in the user's language (the file was not read)."""
    limit = int(current_app.config["IMPORT_MAX_BYTES"])
    exc = ImportTooLarge(f"the upload is larger than the import limit of {limit / 1048576:.1f} MiB "
                         "(IMPORT_MAX_BYTES): split the file or compress it as a zip")  # fmt: skip
    return _failed(exc, "", _lang())


#: the source CRSs offered (value, zh, en); "" = the file's own
CRS_CHOICES = [
    ("", "文件自带", "the file's own"),
    ("EPSG:4549", "EPSG:4549 CGCS2000 / 3 度带 120°E（米）", "EPSG:4549 CGCS2000 / 3-degree CM 120E (m)"),
    ("EPSG:4490", "EPSG:4490 CGCS2000 经纬度", "EPSG:4490 CGCS2000 degrees"),
    ("EPSG:4326", "EPSG:4326 WGS 84 经纬度", "EPSG:4326 WGS 84 degrees"),
    ("gcj02", "GCJ-02（高德、腾讯地图上描绘的）", "GCJ-02 (traced on AMap / Tencent maps)"),
    ("bd09", "BD-09（百度地图上描绘的）", "BD-09 (traced on Baidu maps)"),
]  # fmt: skip
ENCODINGS = ["", "UTF-8", "GBK"]


def _lang() -> str:
    return "en" if request.args.get("lang") == "en" else "zh"


def _box() -> PendingUploads:
    return PendingUploads(current_app.config.get("IMPORT_PENDING_DIR") or None)


def _options(item: PendingUpload) -> ImportOptions:
    src, _, encoding = item.src_crs.partition("|")
    return ImportOptions(src or None, encoding or None, {},
                         ImportLimits.from_config(current_app.config))  # fmt: skip


def _prepare(item: PendingUpload):
    cfg = current_app.config
    return prepare_import(item.path, item.layer, Path(cfg["DATA_DIR"]), Path(cfg["LAYERS_DIR"]),
                          options=_options(item), store=get_store())  # fmt: skip


def _choices_context() -> dict:
    """What the layer / CRS / encoding form needs."""
    return {"all_layers": get_catalog().defs, "crs_choices": CRS_CHOICES, "encodings": ENCODINGS}


def _failed(exc: ImportFailed, filename: str, lang: str, item: PendingUpload | None = None):
    status = (
        413 if isinstance(exc, ImportTooLarge) else 409 if isinstance(exc, ImportConflict) else 400
    )
    page = render_template("work/import_failed.html", lang=lang, filename=filename,
                           message=str(exc), item=item, **_choices_context())  # fmt: skip
    return page, status


def _form_page(lang: str, error: str = "", status: int = 200, values: dict | None = None):
    require(g.user, "import")
    defs = get_catalog().defs
    page = render_template(
        "work/import_upload.html", lang=lang, layers=defs, crs_choices=CRS_CHOICES,
        encodings=ENCODINGS, error=error, values=values or {},
        max_bytes=int(current_app.config["IMPORT_MAX_BYTES"]),
    )  # fmt: skip
    return page, status


@bp.get("/import")
def upload_form():
    """导入修正: choose a file, its layer and source CRS."""
    return _form_page(_lang())


def _choice(lang: str) -> tuple[dict, str]:
    """The form's layer, CRS and encoding, and what is wrong with them ('' if nothing)."""
    values = {k: request.form.get(k, "").strip() for k in ("layer", "src_crs", "encoding")}
    if values["layer"] not in get_catalog().defs:
        return values, ("请选择图层" if lang == "zh" else "choose a layer")
    if values["src_crs"] not in {c[0] for c in CRS_CHOICES} or values["encoding"] not in ENCODINGS:
        return values, ("坐标系或编码无效" if lang == "zh" else "unknown CRS or encoding")
    return values, ""


@bp.post("/import")
def upload():
    """Keep the uploaded file on the server and show its diff."""
    require(g.user, "import")
    lang = _lang()
    upload = request.files.get("file")
    values, error = _choice(lang)
    if upload is None or not upload.filename:
        error = "请选择要上传的文件" if lang == "zh" else "choose a file to upload"
    if error:
        if upload is not None:
            upload.close()
        return _form_page(lang, error, 400, values)
    with upload.stream:  # a large upload is a temporary file: close it now
        data = upload.read()
    limits = ImportLimits.from_config(current_app.config)
    try:
        limits.check_bytes(upload.filename, len(data))
    except ImportFailed as exc:
        return _failed(exc, upload.filename, lang)
    item = _box().save(g.user.name, upload.filename, data, values["layer"],
                       f"{values['src_crs']}|{values['encoding']}")  # fmt: skip
    return redirect(f"/import/{item.id}?lang={lang}", 303)


def _review_page(item: PendingUpload, lang: str, message: str = "", status: int = 200):
    """The diff of a waiting upload: table, map, conflicts and the Apply form."""
    try:
        result = _prepare(item)
    except ImportFailed as exc:
        return _failed(exc, item.filename, lang, item)
    rows = review_rows(result)
    head = body = script = ""
    if rows:
        catalog = get_catalog()
        head, body, script = import_map.page_parts(
            import_map.diff_map(result, catalog, map_options())
        )
    page = render_template(
        "work/import_review.html", lang=lang, item=item, result=result, rows=rows,
        problems=general_problems(result, rows), seen=fingerprint(result), message=message,
        layer=get_catalog().defs.get(item.layer), map_head=head, map_body=body,
        map_script=script, **_choices_context(),
    )  # fmt: skip
    return page, status


@bp.get("/import/<upload_id>")
def review(upload_id: str):
    """The diff of an upload (or, once applied, what was applied)."""
    require(g.user, "import")
    lang, item = _lang(), _box().get(upload_id, g.user.name)
    if item.applied is not None:
        return render_template("work/import_done.html", lang=lang, item=item, done=item.applied)
    return _review_page(item, lang)


@bp.post("/import/<upload_id>/options")
def change_options(upload_id: str):
    """Another layer, source CRS or encoding for the same upload."""
    require(g.user, "import")
    lang, box = _lang(), _box()
    item = box.get(upload_id, g.user.name)
    values, error = _choice(lang)
    if error:
        return _review_page(item, lang, error, 400)
    box.update(item, layer=values["layer"], src_crs=f"{values['src_crs']}|{values['encoding']}")
    return redirect(f"/import/{item.id}?lang={lang}", 303)


def _choices(result, lang: str) -> tuple[set[str], set[str], str]:
    """(keep, take) from the form's per-conflict choices, and what is missing ('' if none)."""
    keep, take, missing = set(), set(), []
    for c in result.conflicts:
        choice = request.form.get(f"choice-{c.id}", "")
        if choice == "keep":
            keep.add(c.id)
        elif choice == "take":
            take.add(c.id)
        else:
            missing.append(c.id)
    if missing:
        what = "请为每个冲突选择" if lang == "zh" else "choose for each conflict"
        return keep, take, f"{what}: {', '.join(missing)}"
    return keep, take, ""


@bp.post("/import/<upload_id>/apply")
def apply(upload_id: str):
    """Apply the diff the user saw, as chosen per conflict; then show what was applied."""
    require(g.user, "import")
    lang, box = _lang(), _box()
    item = box.get(upload_id, g.user.name)
    if item.applied is not None:
        return redirect(f"/import/{item.id}?lang={lang}", 303)
    try:
        result = _prepare(item)
    except ImportFailed as exc:
        return _failed(exc, item.filename, lang, item)
    if fingerprint(result) != request.form.get("seen", ""):
        changed = ("图层或文件在您查看后已变化，请重新核对差异" if lang == "zh" else
                   "the layer changed after you looked: check the differences again")  # fmt: skip
        return _review_page(item, lang, changed, 409)
    keep, take, missing = _choices(result, lang)
    if missing:
        return _review_page(item, lang, missing, 400)
    try:
        apply_import(result, by=g.user.name, keep=keep, take=take, store=get_store(),
                     address=client_address())  # fmt: skip
    except ImportFailed as exc:
        return _failed(exc, item.filename, lang, item)
    refresh_catalog()
    done = {**(result.applied or {}), "by": g.user.name, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "kept": sorted(keep), "taken": sorted(take), "layer": item.layer}  # fmt: skip
    box.update(item, applied=done)
    item.path.unlink(missing_ok=True)
    return redirect(f"/import/{item.id}?lang={lang}", 303)


@bp.post("/import/<upload_id>/discard")
def discard(upload_id: str):
    """Forget an upload."""
    require(g.user, "import")
    lang, box = _lang(), _box()
    box.discard(box.get(upload_id, g.user.name))
    return redirect(f"/import?lang={lang}", 303)
