"""Site-by-site go-live: administrators switch RCRP on or off at each site."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from rcrp.accounts.http import AuthenticatedHttpRequest, error_status
from training import conf, selectors, services
from training.models import Course
from training.service_forms import SiteGoLiveForm
from training.views._common import MANAGE_SERVICE


@login_required
@permission_required(MANAGE_SERVICE, raise_exception=True)
@require_safe
def go_live(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "training/go_live.html",
        {
            "sites": selectors.site_go_live_list(course=Course.objects.current()),
            "history": selectors.site_go_live_history(),
            "threshold": conf.go_live_threshold_percent(),
        },
    )


@login_required
@permission_required(MANAGE_SERVICE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def go_live_site(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Confirm switching one site on (when it is not live) or off (when it is)."""
    site = selectors.site_get(pk=pk)
    status = selectors.site_go_live_get(site=site, course=Course.objects.current())
    live = not site.is_live  # the switch this page offers
    sent = request.POST.get("live") if request.method == "POST" else None
    if sent in {"1", "0"} and (sent == "1") != live:
        # the site changed since the page was shown (another administrator, or a second click)
        messages.info(request, f"RCRP is already {'live' if site.is_live else 'not live'} at {site}.")
        return redirect("training:go-live")
    form = SiteGoLiveForm(
        request.POST if request.method == "POST" else None,
        site=site.name,
        live=live,
        below=not status.meets_threshold,
        share=status.figures.trained_share,
        threshold=status.threshold,
    )
    if request.method == "POST" and sent not in {"1", "0"}:
        form.is_valid()
        form.add_error(None, "Choose again whether to switch RCRP on or off: the request did not say")
    elif request.method == "POST" and form.is_valid():
        try:
            record = services.site_go_live_set(
                site=site,
                live=live,
                actor=request.user,
                note=form.cleaned_data["note"],
                below_threshold_confirmed=form.cleaned_data.get("confirm", False),
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            state = "on" if record.live else "off"
            messages.success(
                request, f"RCRP is switched {state} at {site} ({record.trained_share}% of its staff trained)."
            )
            return redirect("training:go-live")
    return render(
        request,
        "training/go_live_site.html",
        {
            "form": form,
            "site": site,
            "status": status,
            "live": live,
            "history": selectors.site_go_live_history(site=site, limit=10),
        },
        status=error_status(form=form),
    )
