"""The training roster and sessions list, paged, in a real browser: GOV.UK pagination with the
current page, a previous link and an ellipsis, and axe finds nothing on any of those pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.e2e.helpers import assert_accessible
from tests.training.factories import CourseFactory, site
from training.models import StaffMember, TrainingSession

pytestmark = pytest.mark.django_db(transaction=True)

PER_PAGE = 50  # training.views._common.paginate
PAGES = 9  # enough for an ellipsis on either side of page 5


@pytest.fixture
def long_lists(trainer: Any) -> None:
    """Nine pages of active staff and nine pages of upcoming sessions."""
    rows = PER_PAGE * (PAGES - 1) + 1
    lambeth = site("lambeth")
    StaffMember.objects.bulk_create(
        StaffMember(
            staff_number=f"{600000 + n}", full_name=f"Person {n:04d}", site=lambeth, role="Call handler"
        )
        for n in range(rows)
    )
    course = CourseFactory()
    soon = timezone.now() + timedelta(days=1)
    TrainingSession.objects.bulk_create(
        TrainingSession(
            course=course, site=lambeth, trainer=trainer, capacity=10, starts_at=soon + timedelta(hours=n)
        )
        for n in range(rows)
    )


def pages_shown(page: Any) -> list[str]:
    """The items of the page list as shown: numbers, and "⋯" for an ellipsis."""
    return [" ".join(t.split()) for t in page.locator(".govuk-pagination__item").all_inner_texts()]


@pytest.mark.parametrize(
    ("name", "first_row"),
    [("training:roster", "Person 0050"), ("training:sessions", None)],
    ids=["roster", "sessions"],
)
def test_a_paged_training_list_uses_govuk_pagination_and_passes_axe(
    live_server: Any, login_page: Any, trainer: Any, long_lists: None, name: str, first_row: str | None
) -> None:
    page = login_page(trainer)
    page.goto(live_server.url + reverse(name))
    assert_accessible(page)
    assert pages_shown(page) == ["1", "2", "⋯", str(PAGES)]

    # Next leads to page 2: a previous link, and page 2 marked as the current page.
    page.locator(".govuk-pagination__next a").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("page=2")
    assert_accessible(page)
    assert page.locator(".govuk-pagination__prev a[rel=prev]").count() == 1
    current = page.locator(".govuk-pagination__item--current a[aria-current=page]")
    assert current.inner_text().strip() == "2"
    assert current.get_attribute("aria-label") == "Page 2"
    assert pages_shown(page) == ["1", "2", "3", "⋯", str(PAGES)]
    if first_row:
        assert first_row in page.inner_text("tbody")

    # A page in the middle: an ellipsis on both sides of it.
    page.goto(live_server.url + reverse(name) + "?page=5")
    assert_accessible(page)
    assert pages_shown(page) == ["1", "⋯", "4", "5", "6", "⋯", str(PAGES)]
