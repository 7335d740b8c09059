"""Run the app under gunicorn (a production WSGI server), from ``geoapp serve``."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


class GeoappServer(BaseApplication):
    """gunicorn's documented custom-application pattern, serving our app object."""

    def __init__(self, app: Any, options: dict[str, Any]):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Pass our options to gunicorn."""
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        """The WSGI app."""
        return self.application


def serve(config: dict[str, Any], host: str, port: int, workers: int, threads: int) -> None:
    """Load the data once (so a bad file stops start-up with a clear message), then serve."""
    from geoapp.web import create_app
    from geoapp.web.state import get_catalog

    app = create_app(config)
    with app.app_context():
        get_catalog()
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "preload_app": True,
        "accesslog": "-",
        "timeout": 60,
    }
    GeoappServer(app, options).run()
