"""新增图层 for GIS staff: upload a GIS file, review the proposed layer definition, add it.

The same steps as ``geoapp layer add`` (:mod:`geoapp.layer_admin`): the upload waits on the
server (:class:`~geoapp.importing.pending.PendingUploads`, bound to the user), the page shows
what :func:`~geoapp.layer_admin.propose_layer` proposes — notes, fields with their types,
labels and vocabularies, and the definition as TOML, which may be edited (titles, labels,
colours) — and Add puts the layer into the store in one audited transaction, validated with
the whole catalog, after which it is on the map, in the API, OGC API, exports and tiles. Only
the ``gis`` and ``admin`` roles; every problem is a page in the user's language naming the
file, the feature and the field.
"""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

from flask import Blueprint, current_app, g, redirect, render_template, request

from geoapp.importing import ImportLimits
from geoapp.importing.pending import PendingUpload, PendingUploads
from geoapp.layer_admin import LayerAdminError, LayerPlan, add_layer, propose_layer
from geoapp.layers import ID_PATTERN
from geoapp.status import ACCURACY, LOCATION_CONFIDENCE
from geoapp.store.accounts import require
from geoapp.web.auth import client_address
from geoapp.web.gis_import import CRS_CHOICES, ENCODINGS
from geoapp.web.state import refresh_catalog

bp = Blueprint("layer_add", __name__)

#: the form's text fields
FIELDS = ("layer_id", "title_zh", "title_en", "src_crs", "encoding", "accuracy",
          "location_confidence", "source")  # fmt: skip


def _lang() -> str:
    return "en" if request.args.get("lang") == "en" else "zh"


def _box() -> PendingUploads:
    return PendingUploads(current_app.config.get("IMPORT_PENDING_DIR") or None)


def _dirs() -> tuple[Path, Path]:
    cfg = current_app.config
    return Path(cfg["DATA_DIR"]), Path(cfg["LAYERS_DIR"])


def _render(template: str, status: int = 200, **context):
    choices = {"crs_choices": CRS_CHOICES, "encodings": ENCODINGS, "accuracies": ACCURACY,
               "confidences": LOCATION_CONFIDENCE}  # fmt: skip
    return render_template(template, lang=_lang(), **choices, **context), status


def _form_error(values: dict[str, str], lang: str) -> str:
    """What is wrong with the form ('' if nothing), in the user's language."""
    zh = lang == "zh"
    if not ID_PATTERN.match(values["layer_id"]):
        return ("图层标识只能用小写字母、数字、- 和 _（例如 kg_parcels）" if zh else
                "the layer id may hold only a-z, 0-9, '-' and '_' (e.g. kg_parcels)")  # fmt: skip
    if not values["title_zh"] or not values["title_en"]:
        return "请填写中文和英文图层名称" if zh else "give the layer's Chinese and English titles"
    if values["src_crs"] not in {c[0] for c in CRS_CHOICES} or values["encoding"] not in ENCODINGS:
        return "坐标系或编码无效" if zh else "unknown CRS or encoding"
    if (
        values["accuracy"] not in ACCURACY
        or values["location_confidence"] not in LOCATION_CONFIDENCE
    ):
        return "精度或位置可信度无效" if zh else "unknown accuracy or location confidence"
    return ""


@bp.get("/layers/new")
def form():
    """新增图层: a file and what to call the layer."""
    require(g.user, "import")
    return _render("work/layer_new.html", values={"accuracy": "schematic",
                                                   "location_confidence": "medium"})  # fmt: skip


@bp.post("/layers/new")
def upload():
    """Keep the file on the server and show the proposed layer."""
    require(g.user, "import")
    lang = _lang()
    values = {k: request.form.get(k, "").strip() for k in FIELDS}
    file = request.files.get("file")
    error = _form_error(values, lang)
    if not error and (file is None or not file.filename):
        error = "请选择要上传的文件" if lang == "zh" else "choose a file to upload"
    if error:
        if file is not None:
            file.close()
        return _render("work/layer_new.html", 400, values=values, error=error)
    with file.stream:
        data = file.read()
    try:
        ImportLimits.from_config(current_app.config).check_bytes(file.filename, len(data))
    except Exception as exc:  # noqa: BLE001 - ImportFailed: the limit, named
        return _render("work/layer_failed.html", 413, filename=file.filename, message=str(exc))
    item = _box().save(g.user.name, file.filename, data, values["layer_id"],
                       f"{values['src_crs']}|{values['encoding']}", options=values)  # fmt: skip
    return redirect(f"{request.script_root}/layers/new/{item.id}?lang={lang}", 303)


def _propose(item: PendingUpload) -> LayerPlan:
    """The layer the upload would make (LayerAdminError if it cannot be read)."""
    o = item.options or {}
    data, layers = _dirs()
    return propose_layer(
        item.path, item.layer, {"zh": o.get("title_zh", ""), "en": o.get("title_en", "")},
        data, layers, src_crs=o.get("src_crs") or None, encoding=o.get("encoding") or None,
        accuracy=o.get("accuracy", "schematic"),
        location_confidence=o.get("location_confidence", "medium"),
        geometry_source=o.get("source") or None,
        limits=ImportLimits.from_config(current_app.config),
    )  # fmt: skip


def _failed(item: PendingUpload, message: str, problems=(), status: int = 400):
    return _render("work/layer_failed.html", status, filename=item.filename, message=message,
                   problems=list(problems), item=item)  # fmt: skip


@bp.get("/layers/new/<upload_id>")
def review(upload_id: str):
    """The proposed definition (editable), its fields and notes; or, once added, the result."""
    require(g.user, "import")
    item = _box().get(upload_id, g.user.name)
    if item.applied is not None:
        return _render("work/layer_done.html", item=item, done=item.applied)
    try:
        plan = _propose(item)
    except LayerAdminError as exc:
        return _failed(item, str(exc))
    return _render("work/layer_review.html", item=item, plan=plan,
                   fields=tomllib.loads(plan.definition).get("fields", []))  # fmt: skip


def _edited(plan: LayerPlan, text: str, lang: str) -> str:
    """Take the edited definition; what is wrong with it ('' if nothing it can tell)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return (f"图层定义不是有效的 TOML：{exc}" if lang == "zh" else
                f"the definition is not valid TOML: {exc}")  # fmt: skip
    if raw.get("id") != plan.layer_id:
        return (f"图层定义的 id 必须是 {plan.layer_id}" if lang == "zh" else
                f"the definition's id must stay {plan.layer_id}")  # fmt: skip
    plan.definition = text.replace("\r\n", "\n")
    return ""


@bp.post("/layers/new/<upload_id>/add")
def add(upload_id: str):
    """Add the layer as reviewed: one store transaction, the whole catalog validated."""
    require(g.user, "import")
    lang, box = _lang(), _box()
    item = box.get(upload_id, g.user.name)
    if item.applied is not None:
        return redirect(f"{request.script_root}/layers/new/{item.id}?lang={lang}", 303)
    try:
        plan = _propose(item)
    except LayerAdminError as exc:
        return _failed(item, str(exc))
    error = _edited(plan, request.form.get("definition", plan.definition), lang)
    if error:
        return _failed(item, error)
    from geoapp.web.state import get_store

    data, layers = _dirs()
    try:
        add_layer(plan, data, layers, store=get_store(), user=g.user.name,
                  address=client_address())  # fmt: skip
    except LayerAdminError as exc:
        status = 409 if "exists already" in str(exc) or "holds a layer" in str(exc) else 400
        return _failed(item, str(exc), plan.problems, status)
    refresh_catalog()
    done = {"layer": plan.layer_id, "features": len(plan.features), "by": g.user.name,
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}  # fmt: skip
    box.update(item, applied=done)
    item.path.unlink(missing_ok=True)
    return redirect(f"{request.script_root}/layers/new/{item.id}?lang={lang}", 303)


@bp.post("/layers/new/<upload_id>/discard")
def discard(upload_id: str):
    """Forget an upload."""
    require(g.user, "import")
    box = _box()
    box.discard(box.get(upload_id, g.user.name))
    return redirect(f"{request.script_root}/layers/new?lang={_lang()}", 303)
