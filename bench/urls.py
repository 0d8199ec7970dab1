"""The benchmark's URL conf: every production URL, plus /bench/trivial/ for the baseline.

The trivial view goes through the whole middleware stack (sessions, CSRF, authentication, CSP,
axes, ...) and answers a few bytes without a query: the ceiling of this server on this machine,
against which the call-handler journey's throughput is set.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from rcrp.urls import urlpatterns as production


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial, name="bench-trivial"), *production]
