from __future__ import annotations

from django.urls import path

from toolkit.views import (
    calls,
    dashboard,
    decisions,
    escalations,
    friction,
    practice,
    register,
    reviews,
    start,
)

app_name = "toolkit"

urlpatterns = [
    path("start/", start.start, name="start"),
    path("deploy/", start.deploy_now, name="deploy-now"),
    path("my-calls/", start.my_calls, name="my-calls"),
    path("calls/<uuid:reference>/", calls.call, name="call"),
    path("calls/<uuid:reference>/answer/", calls.answer, name="answer"),
    path("calls/<uuid:reference>/change/<int:position>/", calls.change, name="change"),
    path("calls/<uuid:reference>/override/", calls.override, name="override"),
    path("calls/<uuid:reference>/escalate/", calls.escalate, name="escalate"),
    path("calls/<uuid:reference>/escalations/", calls.escalation_status, name="escalation-status"),
    path("calls/<uuid:reference>/complete/", calls.complete, name="complete"),
    path("calls/<uuid:reference>/handover/", start.handover, name="handover"),
    path("escalations/", escalations.escalation_list, name="escalations"),
    path("escalations/rows/", escalations.escalation_rows, name="escalation-rows"),
    path("escalations/<int:pk>/claim/", escalations.escalation_claim, name="escalation-claim"),
    path("escalations/<int:pk>/answer/", escalations.escalation_answer, name="escalation-answer"),
    path("decisions/", decisions.decision_list, name="decisions"),
    path("decisions/export.csv", decisions.decision_export, name="decisions-export"),
    path("decisions/<uuid:reference>/", decisions.decision_detail, name="decision"),
    path("decisions/<uuid:reference>/notes/", decisions.decision_note, name="decision-note"),
    path("decisions/<uuid:reference>/evidence/", decisions.decision_evidence, name="decision-evidence"),
    path(
        "decisions/<uuid:reference>/evidence.json",
        decisions.decision_evidence_json,
        name="decision-evidence-json",
    ),
    path("access-log/", decisions.access_log, name="access-log"),
    path("reviews/", reviews.review_queue, name="reviews"),
    path("reviews/compliance/", reviews.review_compliance, name="review-compliance"),
    path("reviews/<uuid:reference>/", reviews.review_decision, name="review"),
    path("friction/<slug:slug>/v<int:number>/", friction.friction, name="friction"),
    path("register/", register.register_page, name="register"),
    path("register/escalations.csv", register.register_export, name="register-export"),
    path("register/partners.csv", register.partners_export, name="register-partners"),
    path("register/handovers.csv", register.handovers_export, name="register-handovers"),
    path("practice/", practice.practice_home, name="practice"),
    path("practice/cards/make/", practice.practice_cards_make, name="practice-cards-make"),
    path("practice/cards/<int:pk>/", practice.practice_card, name="practice-card"),
    path("practice/cards/<int:pk>/start/", practice.practice_start, name="practice-start"),
    path("practice/results/<uuid:reference>/", practice.practice_result, name="practice-result"),
    path("practice/results/<uuid:reference>/card/", practice.practice_card_write, name="practice-card-write"),
    path("dashboard/", dashboard.dashboard_page, name="dashboard"),
    path("dashboard/baseline/", dashboard.baseline, name="baseline"),
    path("dashboard/baseline/enter/", dashboard.baseline_enter, name="baseline-enter"),
    path("dashboard/baseline/import/", dashboard.baseline_upload, name="baseline-import"),
]
