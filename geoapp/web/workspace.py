"""The planners' workspace: record progress (记录进展), the review queue, attachments, the audit.

Views parse the form, call the store, and render a template; every field is checked by the store
(:func:`geoapp.store.records.check_update`) and its messages are shown next to the fields.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, g, redirect, render_template, request

from geoapp.status import STATUSES
from geoapp.store import Invalid, NotFound, attachments
from geoapp.store.accounts import require
from geoapp.store.audit import audit_csv, list_audit
from geoapp.store.records import INPUT, approve, list_updates, propose, reject
from geoapp.web.auth import client_address
from geoapp.web.state import get_catalog, get_store, refresh_catalog

bp = Blueprint("workspace", __name__)


def _lang() -> str:
    return "en" if request.args.get("lang") == "en" else "zh"


def _project(project_id: str) -> dict:
    project = get_catalog().projects.get(project_id)
    if project is None:
        raise NotFound(f"no project '{project_id}'", "project_id")
    return project


@bp.route("/projects/<project_id>/record", methods=["GET", "POST"])
def record(project_id: str):
    """记录进展: the form, and its submission (a pending update)."""
    require(g.user, "propose")
    lang, project = _lang(), _project(project_id)
    values = (
        {k: request.form.get(k, "") for k in INPUT}
        if request.method == "POST"
        else {"kind": "report"}
    )
    errors: dict[str, str] = {}
    if request.method == "POST":
        limit = int(current_app.config.get("MAX_UPLOAD_BYTES"))
        files = {k: (f.filename or k, f.read()) for k, f in request.files.items()
                 if k in ("attachment", "photo") and f.filename}  # fmt: skip
        try:
            update = propose(get_store(), g.user, {**values, "project_id": project_id},
                             client_address(), files, limit)  # fmt: skip
            return redirect(
                f"/projects/{project_id}?lang={lang}&recorded={update['update_id']}", 303
            )
        except Invalid as exc:
            errors = exc.errors
    page = render_template("work/record.html", lang=lang, project=project, values=values, errors=errors,
                           statuses=STATUSES, today=dt.date.today().isoformat())  # fmt: skip
    return page, 400 if errors else 200


@bp.get("/review")
def review_queue():
    """待审核: every pending update, oldest first, with approve and reject buttons."""
    require(g.user, "review")
    pending = list(reversed(list_updates(get_store(), "pending")))
    projects = get_catalog().projects
    return render_template("work/review.html", lang=_lang(), pending=pending, projects=projects,
                           recent=list_updates(get_store())[:20], message=request.args.get("done", ""))  # fmt: skip


@bp.post("/review/<update_id>")
def review(update_id: str):
    """Approve (not one's own) or reject with a reason."""
    require(g.user, "review")
    store, lang = get_store(), _lang()
    if request.form.get("decision") == "approve":
        approve(store, g.user, update_id, client_address())
        refresh_catalog()
    elif request.form.get("decision") == "reject":
        reject(store, g.user, update_id, request.form.get("reason", ""), client_address())
    else:
        raise Invalid({"decision": "approve or reject"})
    return redirect(f"/review?lang={lang}&done={update_id}", 303)


@bp.get("/attachments/<attachment_id>")
def attachment(attachment_id: str):
    """An uploaded source or photo: public once its update is approved, else for planners."""
    store = get_store()
    owner = [u for u in list_updates(store) if attachment_id in (u["attachment_id"], u["photo_id"])]
    if not owner or (owner[0]["state"] != "approved" and not g.user.can("propose")):
        raise NotFound(f"no attachment '{attachment_id}'", "attachment_id")
    item = attachments.get(store, attachment_id)
    if item is None:
        raise NotFound(f"no attachment '{attachment_id}'", "attachment_id")
    disposition = "inline" if item["content_type"] != "application/octet-stream" else "attachment"
    name = item["filename"].encode("ascii", "replace").decode()
    return Response(item["data"], mimetype=item["content_type"], headers={
        "Content-Disposition": f'{disposition}; filename="{name}"', "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox"})  # fmt: skip


@bp.get("/audit")
def audit_page():
    """Every change, filtered by actor, action, target and dates; ``?format=csv`` downloads it."""
    require(g.user, "audit")
    filters = {
        k: request.args.get(k, "").strip() for k in ("actor", "action", "target", "since", "until")
    }
    entries = list_audit(get_store(), **filters)
    if request.args.get("format") == "csv":
        return Response(audit_csv(entries), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="audit.csv"'})  # fmt: skip
    return render_template("work/audit.html", lang=_lang(), entries=entries, filters=filters)


def pending_for(project_id: str) -> list[dict]:
    """The project's pending updates, for signed-in planners and reviewers (else none)."""
    if not g.user.can("propose"):
        return []
    return list_updates(get_store(), "pending", project_id)
