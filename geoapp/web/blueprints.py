"""Every blueprint the app registers, in one list (so a new module is one line here)."""

from __future__ import annotations

from flask import Blueprint

from geoapp.web import (
    api,
    auth,
    embed,
    embed_static,
    gis_import,
    layer_add,
    pages,
    tiles,
    workspace,
    writeapi,
)
from geoapp.web import exports as exports_bp
from geoapp.web import ogc as ogc_bp

ALL: list[Blueprint] = [
    pages.bp,
    embed.bp,
    embed_static.bp,
    api.bp,
    ogc_bp.bp,
    tiles.bp,
    exports_bp.bp,
    auth.bp,
    workspace.bp,
    gis_import.bp,
    layer_add.bp,
    writeapi.bp,
]
