"""Domain errors that selectors and services raise; the view layer turns them into HTTP answers.

Selectors and services know nothing of HTTP: a selector that finds no object the user may see
raises NotFound, a service that refuses a business rule raises django's PermissionDenied (not an
HTTP class either). `NotFoundMiddleware` answers NotFound with the GOV.UK 404 page, so a view needs
no try/except of its own.
"""

from __future__ import annotations


class NotFound(LookupError):
    """No such object, or none the user has a relationship to (shown as 404: existence is not leaked)."""
