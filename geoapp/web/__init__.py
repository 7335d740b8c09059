"""The Flask adapter: parse the request, call the core, serialise. Nothing here at import time.

>>> app = create_app({"TESTING": True})  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from geoapp.assets import static_dir
from geoapp.config import load_config
from geoapp.web import errors, headers, http, limits, security, state


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config from defaults, a file, ``GEOAPP_*`` variables, then ``config``."""
    app = Flask(
        __name__,
        static_folder=str(static_dir()),
        static_url_path="/static",
        template_folder=str(Path(__file__).resolve().parent.parent / "templates"),
    )
    app.config.update(load_config(overrides=config))
    app.json.ensure_ascii = False  # Chinese stays readable in JSON
    errors.register(app)
    state.register(app)
    headers.prepare(app)  # Flask-Compress's cache of compressed pages, before http sets it up
    http.register(app)
    limits.register(app)
    security.register(app)
    headers.register(app)  # after http: it sees the page before compression does
    from geoapp.web import auth

    auth.register(app)
    from geoapp.web import blueprints

    for bp in blueprints.ALL:
        app.register_blueprint(bp)
    return app
