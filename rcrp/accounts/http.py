from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rcrp.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """For type hints in views behind @login_required."""

    user: User


def error_status(*, form: Any = None, errors: Any = None) -> int:
    """400 when a submitted form (or a list of service errors) has problems to show, else 200.

    Bad input gets a 4xx with the GOV.UK error summary, never a 200 that looks like success.
    """
    return 400 if (form is not None and form.errors) or errors else 200
