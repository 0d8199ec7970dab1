"""The question's own part of the page is rendered once per version and question, and only when it
is the question as first asked (toolkit/views/question_body.py)."""

from __future__ import annotations

import re
from typing import Any
from unittest import mock

import pytest

from tests.toolkit.helpers import answer_data, start_call
from toolkit.views import question_body as kept
from toolkit.views.question_body import question_body_clear

pytestmark = pytest.mark.usefixtures("gate_off")


@pytest.fixture(autouse=True)
def _fresh() -> Any:
    question_body_clear()
    yield
    question_body_clear()


def _form(body: str) -> str:
    """The answer form without its CSRF token (a new mask on every page)."""
    form = body.split('id="answer-form"', 1)[1].split("</form>", 1)[0]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", form)


def _never_rendered(*args: Any, **kwargs: Any) -> str:
    raise AssertionError("the kept question was rendered again")


def test_a_question_is_rendered_once_and_the_kept_one_is_the_same(handler_client: Any, v2: Any) -> None:
    first = start_call(handler_client, "welfare", caller_type="partner", partner_kind="nhs_trust")
    second = start_call(
        handler_client, "welfare", ref="CAD 124/26NOV26", caller_type="partner", partner_kind="nhs_trust"
    )
    with mock.patch.object(kept, "render_to_string", wraps=kept.render_to_string) as rendered:
        page = handler_client.get(f"/toolkit/calls/{first.reference}/").content.decode()
    assert rendered.call_count == 1
    with mock.patch.object(kept, "render_to_string", _never_rendered):
        again = handler_client.get(f"/toolkit/calls/{second.reference}/").content.decode()
    assert _form(again).replace(str(second.reference), "") == _form(page).replace(str(first.reference), "")
    assert 'name="question_id" value="q_threshold"' in again
    assert "autofocus" in _form(again)


def test_a_changed_answer_an_error_and_a_note_are_rendered_for_the_request(
    handler_client: Any, v2: Any
) -> None:
    decision = start_call(handler_client, "welfare", caller_type="partner", partner_kind="nhs_trust")
    url = f"/toolkit/calls/{decision.reference}/"
    handler_client.get(url)  # the first question kept as first asked
    assert handler_client.post(url + "answer/", answer_data(decision, ["none"])).status_code == 302
    with mock.patch.object(kept, "render_to_string", _never_rendered):
        change = handler_client.get(url + "change/0/").content.decode()
    # the kept question was not used: the page rendered it with the answer given
    boxes = [t for t in re.findall(r"<input\b[^>]*>", _form(change)) if 'value="none"' in t]
    assert boxes
    assert all("checked" in t for t in boxes)
    data = answer_data(decision, [])
    data.pop("answer", None)
    wrong = handler_client.post(url + "answer/", data)
    assert wrong.status_code == 400
    assert "govuk-form-group--error" in _form(wrong.content.decode())
