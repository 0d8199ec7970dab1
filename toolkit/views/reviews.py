"""Quality review: the queue, the review form and compliance rates (supervisors; auditors read
compliance). Handlers see the feedback on their own decision page."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from policies.models import Element
from rcrp.accounts.http import AuthenticatedHttpRequest, any_permission_required, error_status
from rcrp.db_router import reads_replica
from toolkit import services
from toolkit.forms import PeriodFilterForm, ReviewForm
from toolkit.models import ReviewItem
from toolkit.selectors import call_state, decision_get_for_reader, log
from toolkit.selectors.register import RegisterFilter
from toolkit.selectors.reviews import compliance, review_queue_page, reviews_for_decision
from toolkit.views.common import page_cursors
from training.models import Site


@any_permission_required(log.SUPERVISE)
@require_safe
def review_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    rule = request.GET.get("rule", "")
    rule = rule if rule in ReviewItem.Rule.values else ""
    paging = page_cursors(request)
    page = review_queue_page(rule=rule, after=paging["after"], before=paging["before"])
    query = f"rule={rule}" if rule else ""
    context = {"page": page, "rule": rule, "rules": ReviewItem.Rule.choices, "query": query}
    return render(request, "toolkit/review_queue.html", context)


@any_permission_required(log.SUPERVISE)
@require_http_methods(["GET", "POST"])
def review_decision(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    decision = decision_get_for_reader(user=request.user, reference=reference)
    state = call_state(decision)
    questions = list(dict.fromkeys((a.question_id, a.question_text) for a in state.history))
    form = ReviewForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_record(
                decision=decision,
                reviewer=request.user,
                verdict=form.cleaned_data["verdict"],
                feedback=form.cleaned_data["feedback"],
                deviations=form.deviations(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Review saved. The call handler sees your feedback on their decision.")
            return redirect("toolkit:reviews")
    context = {
        "decision": decision,
        "state": state,
        "form": form,
        "reviews": reviews_for_decision(decision),
        "own": decision.handler_id == request.user.pk,
    }
    return render(request, "toolkit/review_form.html", context, status=error_status(form=form))


@any_permission_required(log.SUPERVISE, log.AUDIT)
@require_safe
@reads_replica
def review_compliance(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PeriodFilterForm(
        request.GET or None, sites=list(Site.objects.all()), elements=list(Element.objects.all())
    )
    valid = not form.is_bound or form.is_valid()
    period = form.register_filter() if form.is_bound and valid else RegisterFilter()
    context = {
        "form": form,
        "by_handler": compliance(period, by="handler") if valid else [],
        "by_site": compliance(period, by="site") if valid else [],
    }
    return render(request, "toolkit/review_compliance.html", context, status=error_status(form=form))
