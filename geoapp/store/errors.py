"""The store's typed errors: the core's (:mod:`geoapp.errors`) plus 401 and 429.

The web layer maps each to one HTTP status in one place (``geoapp.web.auth.store_error``).
"""

from __future__ import annotations

from geoapp import errors


class StoreError(errors.GeoappError):
    """Base: a message a user can act on, and the field it is about (if one)."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field)
        self.field = field


class Invalid(StoreError, errors.BadParameter):
    """The input does not pass the checks; ``errors`` maps each field to what to fix."""

    status, code = 400, "invalid"

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        field = next(iter(self.errors), None)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()), field)


class NotFound(StoreError, errors.NotFound):
    """No such project, update, user or attachment."""

    status, code = 404, "not_found"


class Unauthorized(StoreError):
    """No (valid) credentials."""

    status, code = 401, "unauthorized"


class Forbidden(StoreError, errors.Forbidden):
    """Signed in, but this role may not do this (or it is one's own update)."""

    status, code = 403, "forbidden"


class Conflict(StoreError, errors.Conflict):
    """The change no longer applies (already reviewed, project gone, data would not validate)."""

    status, code = 409, "conflict"


class Locked(StoreError):
    """Too many failed sign-ins: the account is locked for a while."""

    status, code = 429, "locked"
