from __future__ import annotations

from django.urls import include, path

from training.views import budget, golive, readiness, roster, sessions, support

app_name = "training"

urlpatterns = [
    path("", readiness.dashboard, name="dashboard"),
    path("practice/", include("training.practice_urls")),
    path("readiness/untrained.csv", readiness.untrained_csv, name="untrained-csv"),
    path("go-live/", golive.go_live, name="go-live"),
    path("go-live/<int:pk>/", golive.go_live_site, name="go-live-site"),
    path("staff/", roster.roster, name="roster"),
    path("staff/import/", roster.staff_import, name="import"),
    path("staff/<int:pk>/", roster.staff_detail, name="staff-detail"),
    path("staff/<int:pk>/active/", roster.staff_set_active, name="staff-active"),
    path("staff/<int:pk>/book/", roster.staff_book, name="staff-book"),
    path("staff/<int:pk>/completion/", roster.staff_completion, name="staff-completion"),
    path("staff/<int:pk>/account/", roster.staff_link_account, name="staff-link-account"),
    path("courses/", sessions.course_list, name="courses"),
    path("courses/new/", sessions.course_create, name="course-create"),
    path("courses/<int:pk>/current/", sessions.course_make_current, name="course-make-current"),
    path("courses/<int:pk>/practice/", sessions.course_practice, name="course-practice"),
    path("sessions/", sessions.session_list, name="sessions"),
    path("sessions/new/", sessions.session_create, name="session-create"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session-detail"),
    path("sessions/<int:pk>/fill/", sessions.session_fill, name="session-fill"),
    path("sessions/<int:pk>/attendance/", sessions.session_attendance, name="session-attendance"),
    path("bookings/<int:pk>/cancel/", sessions.booking_cancel, name="booking-cancel"),
    path("bookings/<int:pk>/rebook/", sessions.booking_rebook, name="booking-rebook"),
    path("acknowledge/", support.acknowledge, name="acknowledge"),
    path("acknowledgements/", support.acknowledgement_list, name="acknowledgements"),
    path("acknowledgements/<int:pk>/", support.acknowledgement_detail, name="acknowledgement-detail"),
    path("rota/", support.rota, name="rota"),
    path("rota/assign/", support.rota_assign, name="rota-assign"),
    path("rota/assignments/<int:pk>/remove/", support.rota_remove, name="rota-remove"),
    path("rota/plan/", support.rota_plan, name="rota-plan"),
    path("rota/plan/<int:pk>/delete/", support.rota_plan_delete, name="rota-plan-delete"),
    path("support/", support.support, name="support"),
    path("support/summary/", support.support_summary, name="support-summary"),
    path("support/budget/", budget.support_budget, name="support-budget"),
    path("support/budget/edit/", budget.support_budget_edit, name="support-budget-edit"),
]
