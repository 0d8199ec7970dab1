"""Friction analytics: which questions of a policy version slow handlers down or confuse them."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from policies.models import PolicyVersion
from rcrp.accounts.http import AuthenticatedHttpRequest, any_permission_required
from rcrp.db_router import reads_replica
from toolkit.selectors import log
from toolkit.selectors.friction import friction_flowchart, friction_for_version


@any_permission_required("accounts.manage_policies", log.SUPERVISE, log.AUDIT)
@require_safe
@reads_replica
def friction(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    version = get_object_or_404(
        PolicyVersion.objects.select_related("element").defer("document"), element__slug=slug, number=number
    )
    figures = friction_for_version(version)
    return render(
        request,
        "toolkit/friction.html",
        {"friction": figures, "chart": friction_flowchart(figures), "version": version},
    )
