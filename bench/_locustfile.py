"""Locust users for bench/load.py (run headless, one phase per run: the user class is named on the
command line). Each phase measures BENCH_SECONDS after every simulated user has signed in: the
statistics are reset then, and the run stops by itself.

    BaselineUser     GET /bench/trivial/ (bench/urls.py), anonymous
    HandlerUser      signs in once as its own bench handler, then walks shipped scenarios
                     start to completion through the real pages (bench/_journey.py)
    SupervisorUser   signs in as a supervisor: the decision log with filters (page 1), a deep
                     page by keyset cursor, a decision's page
    DashboardUser    signs in as a supervisor: the dashboards

BENCH_TARGETS names a JSON file written by bench/load.py: the handlers' staff numbers, the
password, and the supervisor's URLs.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, constant, events, task
from locust.runners import LocalRunner

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _journey  # noqa: E402 - the project root first

TARGETS: dict[str, Any] = json.loads(Path(os.environ["BENCH_TARGETS"]).read_text(encoding="utf-8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
THINK = float(os.environ.get("BENCH_THINK_SECONDS", "0"))
# A handler's pause before each page or answer (the paced phase: real handlers read and listen).
STEP = float(os.environ.get("BENCH_STEP_SECONDS", "0"))
READY_TIMEOUT = 300.0
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
STATE: dict[str, Any] = {"signed_in": 0, "sign_in_ms": [], "journeys": 0, "journey_errors": []}
JOURNEYS = _journey.shipped_journeys()


def _pause() -> None:
    """The paced phase's pause before a step: STEP on average, spread so that handlers who started
    together do not keep asking in the same instant."""
    if STEP:
        gevent.sleep(random.uniform(0.5 * STEP, 1.5 * STEP))  # noqa: S311 - timing, not security


class LocustHttp:
    """bench/_journey.Http over Locust's FastHttpSession: redirects not followed (each request is
    its own figure), a wrong status or an unreadable page a failure."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def _page(self, response: Any) -> _journey.Page:
        return _journey.Page(
            status=response.status_code,
            text=response.text or "",
            location=response.headers.get("Location", "") if response.headers else "",
        )

    def get(self, url: str, *, name: str | Callable[[str], str]) -> _journey.Page:
        _pause()
        label = name if isinstance(name, str) else "call page"
        with self.client.get(url, name=label, catch_response=True, allow_redirects=False) as response:
            page = self._page(response)
            if callable(name):
                response.request_meta["name"] = name(page.text)
            if page.status != 200:
                response.failure(f"status {page.status}")
        return page

    def post(self, url: str, fields: list[tuple[str, str]], *, name: str) -> _journey.Page:
        _pause()
        body = urlencode(fields)  # a list of pairs: repeated names (ticks) kept in order
        with self.client.post(
            url, data=body, headers=FORM, name=name, catch_response=True, allow_redirects=False
        ) as response:
            page = self._page(response)
            if page.status != 302:
                response.failure(f"status {page.status}: {page.text[-200:]!r}")
        return page


def _signed_in(started: float, ok: bool = True) -> None:
    """One user has tried to sign in (the measurement starts when every user has tried)."""
    STATE["signed_in"] += 1
    if ok:
        STATE["sign_in_ms"].append(round((time.perf_counter() - started) * 1000, 1))
    else:
        STATE["sign_in_failed"] = STATE.get("sign_in_failed", 0) + 1


class _SignedIn(FastHttpUser):
    abstract = True
    wait_time = constant(THINK)
    username = ""

    def on_start(self) -> None:
        self.http = LocustHttp(self.client)
        started = time.perf_counter()
        try:
            _journey.sign_in(self.http, self.username or self.next_username(), TARGETS["password"])
        except _journey.JourneyError:
            _signed_in(started, ok=False)
            raise
        _signed_in(started)
        # Every user waits for the others before its first task: a page asked while the others'
        # sign-ins (each a deliberately slow password hash) queue on the workers would take seconds
        # and finish after the statistics are reset, counted as if the server were that slow.
        while STATE["signed_in"] < (self.environment.runner.target_user_count or 0):
            gevent.sleep(0.05)

    def next_username(self) -> str:
        return TARGETS["supervisor"]


class BaselineUser(FastHttpUser):
    wait_time = constant(THINK)

    def on_start(self) -> None:
        _signed_in(time.perf_counter())

    @task
    def trivial(self) -> None:
        self.client.get("/bench/trivial/", name="trivial view")


class HandlerUser(_SignedIn):
    count = 0

    def next_username(self) -> str:
        number = HandlerUser.count
        HandlerUser.count += 1
        self.journeys = _journey.cycle(JOURNEYS, offset=number * 7)
        return TARGETS["handlers"][number % len(TARGETS["handlers"])]

    @task
    def call(self) -> None:
        journey = next(self.journeys)
        try:
            _journey.run_journey(self.http, journey)
            STATE["journeys"] += 1
        except _journey.JourneyError as error:  # a journey that could not go on is an error too
            STATE["journey_error_count"] = STATE.get("journey_error_count", 0) + 1
            STATE["journey_errors"].append(str(error)[:300])
            if isinstance(error, _journey.StatusError):
                return  # its request is already counted as failed
            self.environment.events.request.fire(
                request_type="JOURNEY",
                name="journey could not go on",
                response_time=0,
                response_length=0,
                exception=error,
                context={},
            )


class SupervisorUser(_SignedIn):
    @task(3)
    def first_page(self) -> None:
        self.http.get(random.choice(TARGETS["list_urls"]), name="decision log, page 1")  # noqa: S311

    @task(2)
    def deep_page(self) -> None:
        self.http.get(random.choice(TARGETS["deep_urls"]), name="decision log, deep page")  # noqa: S311

    @task(2)
    def decision(self) -> None:
        self.http.get(random.choice(TARGETS["detail_urls"]), name="decision page")  # noqa: S311


class DashboardUser(_SignedIn):
    @task
    def dashboard(self) -> None:
        self.http.get(random.choice(TARGETS["dashboard_urls"]), name="dashboard")  # noqa: S311


def _control(environment: Any) -> None:
    """Wait until every user has signed in, reset the statistics, measure SECONDS, stop."""
    runner = environment.runner
    began = time.perf_counter()
    while time.perf_counter() - began < READY_TIMEOUT:
        wanted = runner.target_user_count or 0
        if wanted and STATE["signed_in"] >= wanted:
            break
        gevent.sleep(0.1)
    STATE["ready_after_s"] = round(time.perf_counter() - began, 1)
    STATE["warmup_failures"] = runner.stats.total.num_failures  # while signing in: still errors
    STATE["journeys"], STATE["journey_errors"], STATE["journey_error_count"] = 0, [], 0
    runner.stats.reset_all()
    gevent.sleep(SECONDS)
    runner.quit()


@events.test_start.add_listener
def _on_start(environment: Any, **_kwargs: Any) -> None:
    if isinstance(environment.runner, LocalRunner):
        gevent.spawn(_control, environment)


@events.quitting.add_listener
def _on_quit(environment: Any, **_kwargs: Any) -> None:
    out = os.environ.get("BENCH_LOCUST_STATE")
    if out:
        state = {**STATE, "journey_errors": STATE["journey_errors"][:20]}
        Path(out).write_text(json.dumps(state), encoding="utf-8")
