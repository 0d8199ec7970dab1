"""Profile the live call's hot path: the question GET and the answer POST on a v2 flow.

Runs through Django's test Client (the whole stack: middleware, view, queries, templates; no
network) with the production settings the test settings start from (DEBUG off, so templates come
from the cached loader), on the throwaway PostgreSQL the test suite starts (SQLite with
TEST_DATABASE=sqlite). A call handler walks the v2 welfare scenario with the most questions (a
community nurse's request: six questions, a threshold, two checklists) ROUNDS times; every question
page and every answer is timed and its queries counted, and cProfile records the lot.

    nice .venv/bin/python -m pytest -q -s tests/toolkit/profile_hot_path.py

(Not collected by the suite: the name does not start with test_; pytest runs it when named.)

Prints the mean and p95 wall time per request, the mean and median CPU time of this process (the
figure that does not move when other work shares the machine; the database's own time is not in
it), and the queries of each (BEGIN and COMMIT included: the test runs outside a transaction), then
the functions with the most cumulative time. HOT_PATH_CPROFILE=0 times without the profiler;
HOT_PATH_SORT and HOT_PATH_FILTER (a regular expression) choose what it prints. docs/hot-path.md
records what it found.
"""

from __future__ import annotations

import cProfile
import functools
import io
import os
import pstats
import statistics
import time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from policies import content
from tests.toolkit.helpers import answer_data, start_scenario
from toolkit.selectors import call_state

ROUNDS = int(os.environ.get("HOT_PATH_ROUNDS", "40"))
SCENARIO = "Community nurse: missed depot injection, accepts that her team visits"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


@pytest.mark.django_db(transaction=True)
def test_profile_the_question_page_and_the_answer(
    client: Any, call_handler: Any, v2: Any, settings: Any
) -> None:
    settings.TRAINING_GATE_MODE = "off"
    assert not settings.DEBUG
    client.force_login(call_handler)
    case = next(s for s in content.scenarios("welfare", 2) if s.name == SCENARIO)
    times: dict[str, list[float]] = {"get": [], "post": []}
    cpu: dict[str, list[float]] = {"get": [], "post": []}
    profiling = os.environ.get("HOT_PATH_CPROFILE", "1") == "1"
    queries: dict[str, list[int]] = {"get": [], "post": []}
    last_sql: dict[str, list[str]] = {}
    profile = cProfile.Profile()
    for round_ in range(ROUNDS + 1):  # the first round warms the caches, as a running server has
        decision = start_scenario(client, "welfare", case, incident_ref=f"CAD {round_}/02DEC26")
        url = f"/toolkit/calls/{decision.reference}/"
        while (question := call_state(decision).question) is not None:
            data = answer_data(decision, case.answers[question.id])
            for kind, send in (
                ("get", functools.partial(client.get, url)),
                ("post", functools.partial(client.post, url + "answer/", data)),
            ):
                with CaptureQueriesContext(connection) as captured:
                    started, started_cpu = time.perf_counter(), time.process_time()
                    if round_ and profiling:
                        profile.enable()
                    response = send()
                    profile.disable()
                    elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
                assert response.status_code == (200 if kind == "get" else 302)
                if round_:
                    times[kind].append(elapsed * 1000)
                    cpu[kind].append(elapsed_cpu * 1000)
                    queries[kind].append(len(captured.captured_queries))
                    last_sql[kind] = [q["sql"] for q in captured.captured_queries]
            decision.refresh_from_db()
    print()
    for kind, label in (("get", "question GET"), ("post", "answer POST")):
        print(
            f"{label}: {len(times[kind])} requests, mean {statistics.mean(times[kind]):.2f} ms, "
            f"p95 {_p95(times[kind]):.2f} ms; this process's CPU mean {statistics.mean(cpu[kind]):.2f} ms, "
            f"median {statistics.median(cpu[kind]):.2f} ms; queries {min(queries[kind])}-{max(queries[kind])}"
        )
    if os.environ.get("HOT_PATH_SQL"):
        for kind, sql in last_sql.items():
            print(f"--- {kind}: the last request's queries", *sql, sep="\n")
    if not profiling:
        return
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(os.environ.get("HOT_PATH_SORT", "cumulative")).print_stats(
        *[r for r in [os.environ.get("HOT_PATH_FILTER")] if r], 45
    )
    print(out.getvalue())
