"""Who is asking: a session (sign-in page), an API token, or a trusted single-sign-on header.

``g.user`` is set before every request (the anonymous viewer when nobody signed in). Forms are
CSRF-protected (Flask-WTF); JSON API calls authenticate with ``Authorization: Bearer``, or with
the session plus the ``X-CSRFToken`` header. Store errors become the one JSON error shape under
``/api`` and a page in the user's language elsewhere.
"""

from __future__ import annotations

import ipaddress
import secrets
import time
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, g, redirect, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect, validate_csrf
from jinja2 import pass_context
from wtforms import ValidationError

from geoapp.status import STATUS
from geoapp.store import Forbidden, Locked, StoreError, Unauthorized
from geoapp.store.accounts import (
    ANONYMOUS,
    SLOW_AFTER,
    User,
    active_user,
    check_password,
    failed_count,
    user_for_token,
)
from geoapp.web.errors import error_response
from geoapp.web.state import get_store

bp = Blueprint("auth", __name__)
csrf = CSRFProtect()
#: paths whose POSTs are JSON APIs (CSRF checked only for session-authenticated writes)
API_PREFIXES = ("/api/", "/ogc/", "/oembed")


class StoreKeySessions(SecureCookieSessionInterface):
    """Sign sessions with ``SECRET_KEY``, or a key kept in the store (shared by all servers)."""

    def get_signing_serializer(self, app: Flask):
        """The serializer, after making sure the app has its key."""
        if not app.secret_key:
            app.secret_key = store_secret()
        return super().get_signing_serializer(app)


def store_secret() -> str:
    """The secret in the store's meta table (created once)."""
    store = get_store()
    key = store.meta("secret_key")
    if not key:
        with store.write() as tx:
            if not tx.query("SELECT 1 FROM meta WHERE key = 'secret_key'"):
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('secret_key', ?)",
                    (secrets.token_hex(32),),
                )
        key = store.meta("secret_key")
    return key


def register(app: Flask) -> None:
    """Sessions, CSRF, the user loader and the error mapping."""
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked below: every form, not JSON APIs
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.session_interface = StoreKeySessions()
    if app.config.get("SECRET_KEY"):
        app.secret_key = app.config["SECRET_KEY"]
    csrf.init_app(app)
    app.before_request(load_user)
    app.before_request(protect_forms)
    app.register_error_handler(StoreError, store_error)
    app.register_error_handler(
        CSRFError, lambda e: error_response(400, f"CSRF: {e.description}", "csrf_token", "csrf")
    )
    app.context_processor(lambda: {"user": getattr(g, "user", ANONYMOUS)})
    app.jinja_env.globals["L"] = bilingual
    app.jinja_env.globals["status_name"] = status_name


@pass_context
def bilingual(context, zh: str, en: str) -> str:
    """In a template: ``L('中文', 'English')`` picks by the template's ``lang``."""
    return en if context.get("lang") == "en" else zh


@pass_context
def status_name(context, code: str) -> str:
    """In a template: a status code's label in the template's ``lang``."""
    return STATUS[code].label(context.get("lang", "zh")) if code in STATUS else code


def client_address() -> str:
    """The caller's address as this server sees it (the client's, behind a trusted proxy)."""
    return request.remote_addr or ""


def peer_address() -> str:
    """The address the connection came from: the proxy's when there is one.

    ``geoapp serve`` keeps it in ``environ["geoapp.peer"]`` before waitress replaces
    ``REMOTE_ADDR`` with the ``X-Forwarded-For`` client (:mod:`geoapp.web.server`).
    """
    return request.environ.get("geoapp.peer") or request.remote_addr or ""


def _sso_user() -> User | None:
    header = current_app.config.get("SSO_HEADER") or ""
    if not header or not request.headers.get(header):
        return None
    proxies = [
        p.strip()
        for p in str(current_app.config.get("SSO_TRUSTED_PROXIES", "")).split(",")
        if p.strip()
    ]
    try:
        addr = ipaddress.ip_address(peer_address())
        trusted = any(addr in ipaddress.ip_network(p, strict=False) for p in proxies)
    except ValueError:
        trusted = False
    if not trusted:
        return None  # anybody can send the header: only the configured proxy is believed
    return active_user(get_store(), request.headers[header].strip())


def load_user() -> None:
    """Set ``g.user`` (and ``g.via``: token, sso, session or '')."""
    g.user, g.via = ANONYMOUS, ""
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        g.user, g.via = user_for_token(get_store(), auth[len("Bearer ") :].strip()), "token"
        return
    sso = _sso_user()
    if sso is not None:
        g.user, g.via = sso, "sso"
        return
    name = session.get("user")
    if name:
        try:
            g.user, g.via = active_user(get_store(), name), "session"
        except Forbidden:
            session.clear()


def protect_forms() -> None:
    """CSRF on every state-changing request a browser can send with its cookie."""
    if request.method in ("GET", "HEAD", "OPTIONS") or g.via == "token":
        return
    if request.path.startswith(API_PREFIXES):
        if g.via in ("session", "sso"):
            try:
                validate_csrf(request.headers.get("X-CSRFToken", ""))
            except ValidationError as exc:
                raise CSRFError(str(exc)) from None
        return
    csrf.protect()


def store_error(exc: StoreError):
    """A store error as JSON (API) or a page in the user's language."""
    if request.path.startswith(API_PREFIXES) or not _wants_page():
        return error_response(exc.status, exc.message, exc.field, exc.code)
    lang = "en" if request.args.get("lang") == "en" else "zh"
    if isinstance(exc, Unauthorized) and request.method == "GET":
        return redirect(f"/login?lang={lang}&next={request.full_path.rstrip('?')}")
    return render_template(
        "work/message.html", lang=lang, status=exc.status, message=exc.message
    ), exc.status


def _wants_page() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" or request.method == "POST"


def safe_next(target: str | None) -> str:
    """Only a path on this site (never another host) to go back to after signing in."""
    parts = urlsplit(target or "")
    if (
        parts.scheme
        or parts.netloc
        or not (target or "").startswith("/")
        or target.startswith("//")
    ):
        return "/"
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with a name and password (slowed after failures, then locked for a while)."""
    lang = "en" if request.args.get("lang") == "en" else "zh"
    if request.method == "GET":
        return render_template(
            "work/login.html", lang=lang, next=safe_next(request.args.get("next"))
        )
    name, password = request.form.get("name", "").strip(), request.form.get("password", "")
    store = get_store()
    extra = failed_count(store, name) - SLOW_AFTER + 1
    if extra > 0:
        time.sleep(min(extra, 5) * float(current_app.config.get("LOGIN_SLOWDOWN_SECONDS", 1)))
    try:
        user = check_password(store, name, password, client_address())
    except (Unauthorized, Locked) as exc:
        page = render_template("work/login.html", lang=lang, next=safe_next(request.form.get("next")),
                               error=exc, name=name)  # fmt: skip
        return page, exc.status
    session.clear()
    session["user"] = user.name
    return redirect(safe_next(request.form.get("next")))


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """A confirm button (GET) that signs out (POST, with its CSRF token)."""
    lang = "en" if request.args.get("lang") == "en" else "zh"
    if request.method == "GET":
        return render_template("work/logout.html", lang=lang)
    session.clear()
    return redirect(f"/?lang={lang}")
