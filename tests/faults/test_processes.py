"""Fault tests on real processes: the database going away mid-call, a worker killed mid-request,
two tabs sending the same step at the same moment.

Each test runs gunicorn (sync workers, production settings) on the fault tests' own PostgreSQL
cluster (tests/faults/conftest.py), talks to it over HTTP as a browser does, and breaks it.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

import pytest
import requests

from tests._processes import Postgres, wait_for
from tests.faults.conftest import HandlerBrowser, answers_of, waiting_on_locks

pytestmark = pytest.mark.faults

UNAVAILABLE = "The service is not available"


def _assert_unavailable_page(response: Any) -> None:
    """The GOV.UK 503 page: what was saved and what to do; never a stack trace or a 500."""
    assert response.status_code == 503, (response.status_code, response.text[-1500:])
    body = response.text
    assert UNAVAILABLE in body
    assert "are saved" in body
    assert "paper procedure" in body
    assert "deploy police" in body
    assert "govuk-template" in body  # the GOV.UK layout
    assert "Traceback" not in body
    assert "OperationalError" not in body
    assert response.headers.get("Retry-After")


class _Lock:
    """A row lock on the call's decision, held from the test, so the app's next write blocks on it."""

    def __init__(self, cluster: Postgres, reference: str) -> None:
        self.conn = cluster.connect(autocommit=False)
        self.conn.execute("SELECT id FROM toolkit_decision WHERE reference = %s FOR UPDATE", (reference,))

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def _in_background(call: Any) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["response"] = call()
        except Exception as error:
            out["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


# --- 1. The database goes away in the middle of a call -------------------------------------------------


def test_the_database_going_away_mid_call_gives_the_503_page_and_the_call_resumes(
    serve: Any, signed_in: Any, cluster_running: Postgres
) -> None:
    cluster = cluster_running
    server = serve(workers=1)
    handler = signed_in(server)
    reference = handler.start_call(cluster)
    first = handler.answer_form(reference)
    assert handler.answer(reference, first, "no").status_code == 302
    second = handler.answer_form(reference)  # the next question, as the page holds it
    assert second["position"] == "1"
    assert handler.get("/healthz").status_code == 200

    cluster.stop()
    try:
        page = handler.get(f"/toolkit/calls/{reference}/")
        _assert_unavailable_page(page)
        assert "last one the toolkit accepted" in page.text
        posted = handler.answer(reference, second, "none")
        _assert_unavailable_page(posted)
        assert "not saved" in posted.text
        health = requests.get(server.url + "/healthz", timeout=10)  # a load balancer: no cookies
        assert health.status_code == 503
        assert health.json() == {"status": "error", "database": "unavailable"}
    finally:
        cluster.start()

    # Nothing half-written: the first answer alone, the decision one step on.
    assert [(p, q) for _, p, q, _ in answers_of(cluster, reference)] == [(0, first["question_id"])]
    assert cluster.query("SELECT step FROM toolkit_decision WHERE reference = %s", reference) == [(1,)]
    # The call resumes where it was: the same question, and the same form records it once.
    wait_for(lambda: handler.get("/healthz").status_code == 200, "the app to reconnect", 15)
    resumed = handler.answer_form(reference)
    assert {k: v for k, v in resumed.items() if k != "csrfmiddlewaretoken"} == {
        k: v for k, v in second.items() if k != "csrfmiddlewaretoken"
    }
    assert handler.answer(reference, second, "none").status_code == 302
    assert handler.answer(reference, second, "none").status_code == 302  # the "go back and retry"
    stored = answers_of(cluster, reference)
    assert [(s, p, q, v) for s, p, q, v in stored] == [
        (1, 0, first["question_id"], "no"),
        (2, 1, second["question_id"], "none"),
    ]


# --- 2. A worker is killed while it handles an answer ------------------------------------------------------


def test_a_worker_killed_mid_answer_loses_nothing_and_the_retry_records_once(
    serve: Any, signed_in: Any, cluster_running: Postgres
) -> None:
    cluster = cluster_running
    server = serve(workers=1)
    handler = signed_in(server)
    reference = handler.start_call(cluster)
    form = handler.answer_form(reference)
    (worker,) = server.workers()

    lock = _Lock(cluster, reference)
    try:
        thread, out = _in_background(lambda: handler.answer(reference, form, "no"))
        wait_for(lambda: waiting_on_locks(cluster) == 1, "the answer to block on the decision's lock", 15)
        os.kill(worker, signal.SIGKILL)
        thread.join(timeout=15)
        assert not thread.is_alive()
        assert "error" in out, out  # the browser saw the connection drop, not an answer
    finally:
        lock.release()
    assert answers_of(cluster, reference) == []  # the killed request wrote nothing

    # gunicorn starts a new worker; the browser sends the same form again (a retry).
    wait_for(lambda: len(server.workers()) == 1 and server.workers() != [worker], "a new worker", 20)
    wait_for(lambda: waiting_on_locks(cluster) == 0, "the killed worker's session to end", 15)
    assert handler.answer(reference, form, "no").status_code == 302
    assert handler.answer(reference, form, "no").status_code == 302  # and again: a lost response
    stored = answers_of(cluster, reference)
    assert [(s, p, q, v) for s, p, q, v in stored] == [(1, 0, form["question_id"], "no")]
    page = handler.get(f"/toolkit/calls/{reference}/")
    assert page.status_code == 200
    assert 'name="position" value="1"' in page.text


# --- 3. Two tabs send the same step at the same moment ------------------------------------------------------
# tests/toolkit/test_views.py covers the two tabs one after the other (a double submit stored once;
# a stale tab with another answer shown both, 409). Here the two POSTs are in flight together, on
# two workers, released at the same instant: the decision's row lock must serialise them.


def _two_tabs_at_once(
    serve: Any, signed_in: Any, cluster: Postgres, values: tuple[str, str]
) -> tuple[str, list[Any]]:
    server = serve(workers=2)
    handler = signed_in(server)
    reference = handler.start_call(cluster)
    form = handler.answer_form(reference)  # both tabs show the same question with the same step
    tab_b = HandlerBrowser(server)
    tab_b.session.cookies.update(handler.session.cookies)  # the same browser, a second tab
    lock = _Lock(cluster, reference)
    try:
        tabs = [
            _in_background(lambda: handler.answer(reference, form, values[0])),
            _in_background(lambda: tab_b.answer(reference, form, values[1])),
        ]
        wait_for(lambda: waiting_on_locks(cluster) == 2, "both answers to wait on the decision's lock", 15)
    finally:
        lock.release()
    for thread, _ in tabs:
        thread.join(timeout=20)
    assert all("response" in out for _, out in tabs), [out for _, out in tabs]
    return reference, [out["response"] for _, out in tabs]


def test_two_tabs_sending_the_same_answer_at_once_store_one_record(
    serve: Any, signed_in: Any, cluster_running: Postgres
) -> None:
    reference, responses = _two_tabs_at_once(serve, signed_in, cluster_running, ("no", "no"))
    assert [r.status_code for r in responses] == [302, 302]
    assert [(p, v) for _, p, _, v in answers_of(cluster_running, reference)] == [(0, "no")]


def test_two_tabs_sending_different_answers_at_once_store_one_and_show_the_conflict(
    serve: Any, signed_in: Any, cluster_running: Postgres
) -> None:
    reference, responses = _two_tabs_at_once(serve, signed_in, cluster_running, ("no", "yes"))
    assert sorted(r.status_code for r in responses) == [302, 409]
    stored = answers_of(cluster_running, reference)
    assert len(stored) == 1
    won = stored[0][3]
    lost = "yes" if won == "no" else "no"
    assert responses[("no", "yes").index(won)].status_code == 302  # the tab whose answer is stored
    loser = responses[("no", "yes").index(lost)]
    assert "answered differently in another tab" in loser.text
    recorded = loser.text.split('id="clash-recorded"')[1].split("</td>")[0]
    posted = loser.text.split('id="clash-posted"')[1].split("</td>")[0]
    label = {"no": "No", "yes": "Yes"}
    assert label[won] in recorded
    assert label[lost] in posted
