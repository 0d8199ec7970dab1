"""Paper records: a decision made on paper while the service was down, entered afterwards from the
start page, marked "Entered from a paper record made at ..." wherever the decision is shown."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from policies import flow as engine
from policies.models import Element
from rcrp.accounts.models import AuditEvent
from tests.toolkit.helpers import answer_data, start
from toolkit import services
from toolkit.models import Decision
from toolkit.selectors.log import EXPORT_COLUMNS
from toolkit.services.start import PAPER_MAX_AGE_DAYS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("gate_off")]

LONDON = ZoneInfo("Europe/London")
START = "/toolkit/start/"


def made_at(hours_ago: float) -> dt.datetime:
    """A whole minute `hours_ago` hours ago, in London time (what the handler types)."""
    return (
        (timezone.now() - dt.timedelta(hours=hours_ago)).astimezone(LONDON).replace(second=0, microsecond=0)
    )


def paper_post(when: dt.datetime | None, *, reference: str = "PF-0042", **extra: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "element": Element.objects.get(slug="welfare").pk,
        "caller_type": "public",
        "incident_ref": "CAD 77/01DEC26",
        "paper": "on",
        "paper_reference": reference,
    }
    if when is not None:
        data.update(
            paper_day=str(when.day),
            paper_month=str(when.month),
            paper_year=str(when.year),
            paper_time=f"{when:%H:%M}",
        )
    data.update(extra)
    return data


def mark_of(when: dt.datetime) -> str:
    return f"Entered from a paper record made at {when:%H:%M} on {when.day} {when:%b %Y}"


def test_the_start_page_offers_the_paper_option_closed_until_ticked(
    handler_client: Any, welfare: Any
) -> None:
    page = handler_client.get(START).content.decode()
    assert "I am entering a decision made on paper" in page
    assert 'id="conditional-paper"' in page
    assert "govuk-checkboxes__conditional--hidden" in page
    for field in ("id_paper_day", "id_paper_month", "id_paper_year", "id_paper_time", "id_paper_reference"):
        assert f'id="{field}"' in page


def test_a_paper_record_stores_when_it_was_made_and_its_reference(
    handler_client: Any, call_handler: Any, welfare: Any
) -> None:
    when = made_at(3)
    response = handler_client.post(START, paper_post(when))
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert decision.paper_made_at == when
    assert decision.paper_reference == "PF-0042"
    assert decision.is_paper
    assert timezone.now() - decision.started_at < dt.timedelta(minutes=1)  # entered now
    event = AuditEvent.objects.get(action="toolkit.decision.started")
    assert event.data["new"]["paper_made_at"] == when.isoformat(timespec="minutes")


def test_an_ordinary_start_is_no_paper_record_and_its_bundle_is_unchanged(
    handler_client: Any, call_handler: Any, welfare: Any
) -> None:
    decision = start(call_handler, incident_ref="CAD 78/01DEC26")
    assert decision.paper_made_at is None
    assert not decision.is_paper
    handler_client.post(START, {**paper_post(made_at(1)), "paper": ""})  # fields typed, box not ticked
    unticked = Decision.objects.exclude(pk=decision.pk).get()
    assert (unticked.paper_made_at, unticked.paper_reference) == (None, "")
    body = handler_client.get(f"/toolkit/decisions/{decision.reference}/evidence.json").content
    assert "paper_record" not in json.loads(body)["content"]["decision"]
    assert "paper record" not in handler_client.get(f"/toolkit/calls/{decision.reference}/").content.decode()


def test_the_mark_shows_on_the_call_pages_the_decision_the_bundle_the_log_and_the_export(
    client: Any, call_handler: Any, supervisor: Any, welfare: Any
) -> None:
    client.force_login(call_handler)
    when = made_at(26)
    decision = Decision.objects.get(
        reference=client.post(START, paper_post(when)).url.rstrip("/").split("/")[-1]
    )
    mark = mark_of(when)
    call_url = f"/toolkit/calls/{decision.reference}/"

    question = client.get(call_url).content.decode()
    assert mark in question
    assert "(paper form PF-0042)" in question
    assert "answer times are when the paper's answers were entered" in question
    assert client.post(f"{call_url}answer/", answer_data(decision, "yes")).status_code == 302
    assert mark in client.get(call_url).content.decode()  # the outcome page
    decision.refresh_from_db()
    services.decision_complete(
        reference=decision.reference, actor=call_handler, step=decision.step, caller_told=False
    )

    assert mark in client.get(f"/toolkit/decisions/{decision.reference}/").content.decode()
    client.force_login(supervisor)
    assert mark in client.get("/toolkit/decisions/").content.decode()
    printed = client.get(f"/toolkit/decisions/{decision.reference}/evidence/").content.decode()
    assert f"Entered from a paper record made at {when.isoformat(timespec='seconds')}" in printed
    assert "(paper form PF-0042)" in printed
    document = json.loads(client.get(f"/toolkit/decisions/{decision.reference}/evidence.json").content)
    paper = document["content"]["decision"]["paper_record"]
    assert paper["made_at"] == when.isoformat(timespec="seconds")
    assert paper["reference"] == "PF-0042"
    canonical = engine.canonical_json(document["content"]).encode("utf-8")
    assert document["sha256"] == hashlib.sha256(canonical).hexdigest()  # the field is in the hashed content

    response = client.get("/toolkit/decisions/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert EXPORT_COLUMNS[-1] == "paper_made_at"
    assert rows[1][-1] == when.isoformat(timespec="seconds")


def test_the_export_column_is_empty_for_a_decision_made_live(
    client: Any, call_handler: Any, supervisor: Any, welfare: Any
) -> None:
    start(call_handler, incident_ref="CAD 79/01DEC26")
    client.force_login(supervisor)
    rows = list(
        csv.reader(
            io.StringIO(b"".join(client.get("/toolkit/decisions/export.csv").streaming_content).decode())
        )
    )
    assert rows[1][EXPORT_COLUMNS.index("paper_made_at")] == ""


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"hours_ago": -2}, "id_paper_day", "must be in the past"),
        (
            {"hours_ago": 24 * (PAPER_MAX_AGE_DAYS + 1)},
            "id_paper_day",
            f"from the last {PAPER_MAX_AGE_DAYS} days",
        ),
        ({"paper_day": "31", "paper_month": "2"}, "id_paper_day", "Enter a real date"),
        ({"paper_year": ""}, "id_paper_day", "Enter the date the decision was made on paper"),
        ({"paper_time": "25:10"}, "id_paper_time", "Enter the time the decision was made on paper"),
        ({"paper_time": ""}, "id_paper_time", "Enter the time the decision was made on paper"),
    ],
)
def test_a_bad_paper_time_is_a_clear_400_and_starts_nothing(
    handler_client: Any, welfare: Any, change: dict[str, Any], field: str, message: str
) -> None:
    change = dict(change)
    when = made_at(change.pop("hours_ago", 2))
    response = handler_client.post(START, paper_post(when, **change))
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert f'href="#{field}"' in page  # the error summary leads to the input
    assert "govuk-checkboxes__conditional--hidden" not in page  # the paper fields stay open
    assert not Decision.objects.exists()


def test_the_service_refuses_a_future_paper_time_whatever_the_form_checked(
    call_handler: Any, welfare: Any
) -> None:
    with pytest.raises(ValidationError, match="must be in the past"):
        start(call_handler, paper_made_at=timezone.now() + dt.timedelta(hours=1))
    assert not Decision.objects.exists()
