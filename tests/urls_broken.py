"""A URLconf with a view that crashes, for the 500 page test."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from rcrp.urls import urlpatterns as project_urls


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("simulated crash")


urlpatterns = [path("boom/", boom), *project_urls]
