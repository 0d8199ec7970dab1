"""The fixes the hostile-input suite led to, each pinned on its own: the NUL/surrogate gate, the
date fields, the JSON of the policy editors, and the roster import of a 5 MB file of bad rows."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from policies.validators import MAX_JSON_DEPTH, load_json, parse_document_text
from rcrp.accounts.forms import GovDateField, IsoDateField, parse_iso_date
from tests.security import registry
from training.models import StaffMember

# --- The gate for NUL bytes, lone surrogates and overlong query values ---------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["a\x00b", "x\ud800y", "\udfff"])
def test_nul_and_lone_surrogates_in_a_form_get_the_400_page(client: Any, trainer: Any, value: str) -> None:
    client.force_login(trainer)
    before = registry.row_counts()
    body = registry.encode({"q": "ok", "title": value})
    response = client.post(
        reverse("training:course-create"), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert b"govuk-heading-xl" in response.content
    assert b"Nothing was saved" in response.content
    assert registry.row_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["q=a%00b", "q=%ED%A0%80", "site=" + "9" * 5_000, "q%00=1"])
def test_nul_surrogates_and_overlong_values_in_a_query_get_the_400_page(
    client: Any, trainer: Any, query: str
) -> None:
    client.force_login(trainer)
    response = client.get(reverse("training:roster") + "?" + query)
    assert response.status_code == 400
    assert b"The web address" in response.content


@pytest.mark.django_db
def test_ordinary_unicode_passes_the_gate(client: Any, trainer: Any) -> None:
    client.force_login(trainer)
    response = client.get(reverse("training:roster") + "?" + registry.encode({"q": "Zoë Ødegård 李"}))
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_nul_in_a_multipart_form_is_refused(client: Any, trainer: Any) -> None:
    client.force_login(trainer)
    upload = SimpleUploadedFile("r.csv", b"staff_number,full_name,site,role,team\n")
    response = client.post(reverse("training:import"), {"file": upload, "partial": "a\x00"})
    assert response.status_code == 400


# --- Dates ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (["1", "1", "2147483648"], "Enter a year between 1900 and 2999"),  # OverflowError in date()
        (["31", "12", "9999"], "Enter a year between 1900 and 2999"),  # the day after overflows
        (["1", "1", "9" * 5_000], "Enter a year between 1900 and 2999"),  # int() refuses 4,300+ digits
        (["99999999999", "1", "2026"], "Enter a real date"),
        (["30", "2", "2026"], "Enter a real date"),
    ],
)
def test_the_gov_uk_date_field_refuses_out_of_range_dates_with_a_message(
    parts: list[str], message: str
) -> None:
    field = GovDateField(label="Date", require_all_fields=False)
    with pytest.raises(ValidationError) as caught:
        field.clean(parts)
    assert any(m.startswith(message) for m in caught.value.messages), caught.value.messages


def test_the_gov_uk_date_field_still_reads_a_real_date() -> None:
    assert GovDateField(label="Date", require_all_fields=False).clean(["21", "8", "2023"]) == date(
        2023, 8, 21
    )


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2147483648-01-01", "2" * 40])
def test_the_iso_date_field_refuses_far_out_dates(value: str) -> None:
    with pytest.raises(ValidationError):
        IsoDateField(required=False).clean(value)


def test_iso_dates_in_query_values() -> None:
    assert parse_iso_date("2026-12-02") == date(2026, 12, 2)
    for bad in ("9999-12-31", "2147483648-01-01", "", None, "x" * 5_000, "2026-02-30"):
        assert parse_iso_date(bad) is None


@pytest.mark.django_db
@pytest.mark.parametrize("week", ["9999-12-31", "9999-12-27", "0001-01-01"])
def test_the_rota_shows_this_week_for_a_far_out_week(client: Any, supervisor: Any, week: str) -> None:
    client.force_login(supervisor)
    assert client.get(reverse("training:rota"), {"week": week}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["toolkit:decisions", "toolkit:dashboard", "toolkit:register", "toolkit:access-log"]
)
def test_the_log_filters_answer_400_for_the_last_day_there_is(
    client: Any, administrator: Any, name: str
) -> None:
    client.force_login(administrator)
    response = client.get(reverse(name), {"date_to": "9999-12-31"})
    assert response.status_code in {200, 400}
    assert b"Enter a year between 1900 and 2999" in response.content


# --- JSON in the policy editors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * 100_000 + "]" * 100_000, "nests lists or objects"),
        ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), "nests lists or objects"),
        ('{"a": ' + "9" * 5_000 + "}", "more than 18 digits"),
        ('{"a": 1e999}', "too large"),
        ('{"a": NaN}', "NaN is not a JSON value"),
        ('{"a": ', "is not valid JSON: line 1"),
    ],
)
def test_hostile_json_is_a_validation_error(text: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        load_json(text, "The answers")
    assert words in caught.value.messages[0]
    assert caught.value.messages[0].startswith("The answers")


def test_ordinary_json_still_loads() -> None:
    assert load_json('{"q_crime": "no", "n": [1, 2.5, {"x": null}]}', "The answers") == {
        "q_crime": "no",
        "n": [1, 2.5, {"x": None}],
    }
    assert parse_document_text('{"element": "welfare"}') == {"element": "welfare"}


# --- The roster import of a 5 MB file of bad rows ------------------------------------------------------


def _bad_roster(size: int) -> bytes:
    lines = ["staff_number,full_name,site,role,team"]
    total = 0
    number = 0
    while total < size:
        number += 1
        line = f"bad number {number}!,Name {number},Atlantis,,{'t' * 61}"
        lines.append(line)
        total += len(line) + 1
    return ("\n".join(lines) + "\n").encode()[: size - 1]


@pytest.mark.django_db
def test_a_5_mb_roster_of_bad_rows_is_answered_quickly_with_a_summary(client: Any, trainer: Any) -> None:
    from training.views.roster import LIST_LIMIT

    client.force_login(trainer)
    data = _bad_roster(5 * 1024 * 1024 - 1024)
    rows = len(data.splitlines()) - 1
    before = registry.row_counts()
    started = time.monotonic()
    upload = SimpleUploadedFile("roster.csv", data, content_type="text/csv")
    response = client.post(reverse("training:import"), {"file": upload})
    took = time.monotonic() - started
    assert response.status_code in {200, 400}
    assert registry.row_counts() == before, "a file of bad rows must change nothing"
    assert StaffMember.objects.count() == 0
    page = response.content.decode()
    assert len(response.content) < 1_000_000, f"the page is {len(response.content):,} bytes"
    assert "Line 2: " in page
    assert "more bad row" in page
    assert f"{rows - LIST_LIMIT:,}".replace(",", "") in page.replace(",", "")
    assert "is not Lambeth" in page or "is not" in page
    assert took < 30, f"took {took:.1f}s"


@pytest.mark.django_db
def test_a_roster_row_with_a_nul_is_reported_not_stored(client: Any, trainer: Any) -> None:
    client.force_login(trainer)
    data = b"staff_number,full_name,site,role,team\n900001,Al\x00ex,Lambeth,Call handler,\n"
    upload = SimpleUploadedFile("roster.csv", data, content_type="text/csv")
    response = client.post(reverse("training:import"), {"file": upload})
    assert response.status_code == 400
    assert "it contains binary data" in response.content.decode()
    assert not StaffMember.objects.exists()
