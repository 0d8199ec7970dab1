from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from rcrp.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """For type hints in views behind @login_required."""

    user: User


def error_status(*, form: Any = None, errors: Any = None) -> int:
    """400 when a submitted form (or a list of service errors) has problems to show, else 200.

    Bad input gets a 4xx with the GOV.UK error summary, never a 200 that looks like success.
    """
    return 400 if (form is not None and form.errors) or errors else 200


def any_permission_required(
    *perms: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Signed in (else the sign-in page), and holding at least one of `perms` (else 403)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not any(request.user.has_perm(p) for p in perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator
