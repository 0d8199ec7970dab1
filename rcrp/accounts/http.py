from __future__ import annotations

from django.http import HttpRequest

from rcrp.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """For type hints in views behind @login_required."""

    user: User
