"""Typed errors of the core: what went wrong, in words, and which parameter was at fault.

The core raises these and knows nothing of HTTP; :mod:`geoapp.web.errors` maps each class to a
status code in one table (BadParameter → 400, Forbidden → 403, NotFound → 404, Conflict → 409,
PreconditionFailed → 412, TooLarge → 413) and answers in the one error shape.

>>> err = BadParameter("limit must be an integer, not '²'", "limit")
>>> (err.message, err.param, isinstance(err, ValueError))
("limit must be an integer, not '²'", 'limit', True)
"""

from __future__ import annotations


class GeoappError(Exception):
    """A request the core refuses: a message for the user and the parameter at fault."""

    def __init__(self, message: str, param: str | None = None):
        super().__init__(message)
        self.message, self.param = message, param


class BadParameter(GeoappError, ValueError):
    """A parameter or a body is malformed, out of range or names something unknown."""


class NotFound(GeoappError, LookupError):
    """The resource a path names does not exist."""


class Conflict(GeoappError):
    """The change clashes with the current state (a colleague's newer edit, a duplicate)."""


class TooLarge(GeoappError):
    """The body or the result is larger than allowed."""


class Forbidden(GeoappError):
    """The user may not do this."""


class PreconditionFailed(GeoappError):
    """A conditional write (``If-Match``) named a version that is no longer the current one."""
