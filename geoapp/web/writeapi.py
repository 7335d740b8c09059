"""The write API: propose an update, list updates, approve or reject one, read the audit trail.

Authentication: ``Authorization: Bearer <token>`` (``geoapp token create``), or the session
cookie with the ``X-CSRFToken`` header. 401 without credentials, 403 for the wrong role or one's
own update, 409 when the update no longer applies; errors have the one JSON shape. Each route is
declared once in :data:`ROUTES`, which also gives its part of the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request

from geoapp.store import Invalid
from geoapp.store.accounts import require
from geoapp.store.audit import list_audit
from geoapp.store.records import INPUT, STATES, approve, list_updates, propose, reject
from geoapp.store.schema import AUDIT_COLUMNS, UPDATE_COLUMNS
from geoapp.web.auth import client_address
from geoapp.web.state import get_store, refresh_catalog

bp = Blueprint("writeapi", __name__, url_prefix="/api")
ROUTES: list[dict[str, Any]] = []


def route(rule: str, method: str, summary: str, result: str, body: str | None = None,
          query: tuple[dict, ...] = (), status: int = 200, errors: tuple[int, ...] = (400, 401, 403)):  # fmt: skip
    """Declare a route: register it and record what the OpenAPI document says about it."""

    def register(view: Callable) -> Callable:
        ROUTES.append({"rule": rule, "method": method, "summary": summary, "result": result,
                       "body": body, "query": query, "status": status, "errors": errors,
                       "doc": view.__doc__ or ""})  # fmt: skip
        bp.add_url_rule(rule, view.__name__, view, methods=[method])
        return view

    return register


def _fields() -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """The update's fields and files from a JSON body or a multipart form."""
    if request.mimetype == "multipart/form-data":
        files = {
            k: (f.filename or k, f.read())
            for k, f in request.files.items()
            if k in ("attachment", "photo")
        }
        return {k: request.form.get(k, "") for k in INPUT}, files
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid({"body": "send a JSON object (or a multipart form)"})
    bad = {k: "must be a string" for k in INPUT if k in body and not isinstance(body[k], str)}
    if bad:
        raise Invalid(bad)
    return {k: body.get(k, "") for k in INPUT}, {}


@route("/projects/<project_id>/updates", "POST", "Propose a status update (planner)", "Update",
       body="UpdateInput", status=201, errors=(400, 401, 403, 404, 413))  # fmt: skip
def propose_update(project_id: str):
    """Record a pending (待审核) update of a project; a reviewer other than its author approves it."""
    require(g.user, "propose")
    fields, files = _fields()
    fields["project_id"] = project_id
    limit = int(current_app.config.get("MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
    update = propose(get_store(), g.user, fields, client_address(), files, limit)
    return jsonify(update), 201


@route("/updates", "GET", "List updates", "UpdateList",
       query=({"name": "state", "in": "query", "required": False,
               "schema": {"type": "string", "enum": list(STATES)},
               "description": "only updates in this state (approved ones are public)"},))  # fmt: skip
def updates():
    """Updates, newest first. Approved ones are public; others need a planner or reviewer."""
    state = request.args.get("state")
    if state != "approved":
        require(g.user, "propose")
    if state is not None and state not in STATES:
        raise Invalid({"state": f"must be one of: {', '.join(STATES)}"})
    return jsonify({"updates": list_updates(get_store(), state)})


@route("/updates/<update_id>/approve", "POST", "Approve an update (reviewer, not its author)",
       "Update", errors=(401, 403, 404, 409))  # fmt: skip
def approve_update(update_id: str):
    """Approve a pending update: the project's status changes for every reader."""
    require(g.user, "review")
    update = approve(get_store(), g.user, update_id, client_address())
    refresh_catalog()
    return jsonify(update)


@route("/updates/<update_id>/reject", "POST", "Reject an update with a reason (reviewer)",
       "Update", body="Reason", errors=(400, 401, 403, 404, 409))  # fmt: skip
def reject_update(update_id: str):
    """Reject a pending update; ``reason`` tells its author why."""
    require(g.user, "review")
    body = request.get_json(silent=True)
    reason = body.get("reason") if isinstance(body, dict) else request.form.get("reason")
    return jsonify(
        reject(
            get_store(),
            g.user,
            update_id,
            reason if isinstance(reason, str) else "",
            client_address(),
        )
    )


AUDIT_QUERY = tuple(
    {"name": n, "in": "query", "required": False, "schema": {"type": "string"}, "description": d}
    for n, d in (("actor", "who"), ("action", "e.g. update.approved, login.failed"),
                 ("target", "an update, user or layer id"), ("since", "ISO date or time"),
                 ("until", "ISO date or time"))
)  # fmt: skip


@route("/audit", "GET", "The audit trail (reviewer, admin)", "AuditList", query=AUDIT_QUERY)
def audit():
    """Every change, newest first, filtered by actor, action, target and time."""
    require(g.user, "audit")
    filters = {q["name"]: request.args.get(q["name"], "") for q in AUDIT_QUERY}
    return jsonify({"entries": list_audit(get_store(), **filters)})


_STR = {"type": "string"}
SCHEMAS = {
    "UpdateInput": {
        "type": "object", "required": ["status", "date", "kind", "source_title", "source_publisher", "source_date"],
        "properties": {k: {"type": "string", "maxLength": 1000} for k in INPUT if k != "project_id"}
        | {"kind": {"type": "string", "enum": ["report", "target"]}},
    },
    "Update": {"type": "object", "required": ["update_id", "state"],
               "properties": {c: _STR for c in UPDATE_COLUMNS}},
    "UpdateList": {"type": "object", "required": ["updates"],
                   "properties": {"updates": {"type": "array", "items": {"$ref": "#/components/schemas/Update"}}}},
    "Reason": {"type": "object", "required": ["reason"], "properties": {"reason": _STR}},
    "AuditList": {"type": "object", "required": ["entries"], "properties": {"entries": {
        "type": "array", "items": {"type": "object", "properties": {c: {} for c in AUDIT_COLUMNS}}}}},
}  # fmt: skip
ERRORS = {400: "Invalid input (every field with what to fix)", 401: "No or unknown credentials",
          403: "This role may not, or it is one's own update", 404: "No such project or update",
          409: "The update is no longer pending, or no longer applies", 413: "Upload too large"}  # fmt: skip


def _operation(r: dict[str, Any]) -> dict[str, Any]:
    ref = lambda name: {"$ref": f"#/components/schemas/{name}"}  # noqa: E731
    responses = {
        str(r["status"]): {
            "description": "OK",
            "content": {"application/json": {"schema": ref(r["result"])}},
        }
    }
    if r["method"] == "GET":
        responses["304"] = {"description": "Not modified: If-None-Match matched the ETag"}
    for code in r["errors"]:
        responses[str(code)] = {
            "description": ERRORS[code],
            "content": {"application/json": {"schema": ref("Error")}},
        }
    params = [
        {
            "name": n,
            "in": "path",
            "required": True,
            "schema": _STR,
            "description": f"the {n.replace('_', ' ')}",
        }
        for n in ("project_id", "update_id")
        if f"<{n}>" in r["rule"]
    ]
    op = {"operationId": r["rule"].strip("/").replace("/", "_").replace("<", "").replace(">", "") + "_" + r["method"].lower(),
          "summary": r["summary"], "description": r["doc"], "parameters": params + list(r["query"]),
          "responses": responses, "security": [{"bearer": []}, {"session": []}] + ([{}] if r["rule"] == "/updates" else [])}  # fmt: skip
    if r["body"]:
        content = {"application/json": {"schema": ref(r["body"])}}
        if r["body"] == "UpdateInput":
            form = {"allOf": [ref("UpdateInput"), {"type": "object", "properties": {
                "attachment": {"type": "string", "format": "binary"}, "photo": {"type": "string", "format": "binary"}}}]}  # fmt: skip
            content["multipart/form-data"] = {"schema": form}
        op["requestBody"] = {"required": True, "content": content}
    return op


def openapi_part() -> dict[str, Any]:
    """Paths, schemas and security schemes this module adds to /api/openapi.json."""
    paths: dict[str, dict] = {}
    for r in ROUTES:
        path = "/api" + r["rule"].replace("<", "{").replace(">", "}")
        paths.setdefault(path, {})[r["method"].lower()] = _operation(r)
    schemes = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "a token from `geoapp token create NAME`"},
        "session": {"type": "apiKey", "in": "cookie", "name": "session",
                    "description": "the sign-in session; writes also need the X-CSRFToken header"},
    }  # fmt: skip
    return {"paths": paths, "schemas": SCHEMAS, "securitySchemes": schemes}
