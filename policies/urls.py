from __future__ import annotations

from django.urls import path

from policies.views import directory, journey, reading

app_name = "policies"

urlpatterns = [
    # Every signed-in user
    path("", reading.library, name="library"),
    # Policy owners: the agency directory (before "<slug>/" so "agencies" is not read as an element)
    path("agencies/", directory.agencies, name="agencies"),
    path("agencies/new/", directory.agency_create, name="agency-create"),
    path("agencies/<slug:key>/", directory.agency_detail, name="agency"),
    path("agencies/<slug:key>/edit/", directory.agency_edit, name="agency-edit"),
    # Every signed-in user (versions in progress: policy owners only)
    path("<slug:slug>/", reading.element_detail, name="element"),
    path("<slug:slug>/diff/", reading.diff, name="diff"),
    path("<slug:slug>/v<int:number>/", reading.version_detail, name="version"),
    path("<slug:slug>/v<int:number>/flowchart/", reading.version_flowchart, name="version-flowchart"),
    path("<slug:slug>/v<int:number>/print/", reading.version_print, name="version-print"),
    # Policy owners: the journey draft → submitted → approved → published
    path("<slug:slug>/drafts/new/", journey.draft_create, name="draft-create"),
    path("<slug:slug>/v<int:number>/edit/", journey.draft_edit, name="draft-edit"),
    path("<slug:slug>/v<int:number>/submit/", journey.version_submit, name="version-submit"),
    path("<slug:slug>/v<int:number>/approve/", journey.version_approve, name="version-approve"),
    path("<slug:slug>/v<int:number>/return/", journey.version_return, name="version-return"),
    path("<slug:slug>/v<int:number>/publish/", journey.version_publish, name="version-publish"),
    path("<slug:slug>/v<int:number>/unschedule/", journey.version_unschedule, name="version-unschedule"),
    path("<slug:slug>/v<int:number>/changes/", journey.version_changes, name="version-changes"),
    # Policy owners: scenarios
    path("<slug:slug>/scenarios/", directory.scenario_list, name="scenarios"),
    path("<slug:slug>/scenarios/new/", directory.scenario_create, name="scenario-create"),
    path("<slug:slug>/scenarios/<int:pk>/edit/", directory.scenario_edit, name="scenario-edit"),
]
