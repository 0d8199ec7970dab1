"""Factories for the policies app, a tiny valid flow, and `published_v1(slug)`: the real v1 content.

`published_v1` is for other apps' tests too (the toolkit): it loads the agency directory and the
element's MPS v1 flow from policies/content as the published version, like `seed_demo` does, but
without going through the services (no audit rows), so it is quick.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from policies import content
from policies import flow as engine
from policies.models import Agency, Element, PolicyScenario, PolicyVersion
from rcrp.accounts.models import User

PASSWORD = "correct-horse-battery"
TINY_AGENCIES = ("nhs_111_mh", "gp")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("staff_number",)
        skip_postgeneration_save = True

    staff_number = factory.Sequence(lambda n: f"u{9000 + n}")
    display_name = factory.Sequence(lambda n: f"Test User {n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


def element(slug: str = "welfare") -> Element:
    """One of the four elements (reference data: present after every migrate and flush)."""
    return Element.objects.get(slug=slug)


def tiny_flow(slug: str = "welfare") -> dict[str, Any]:
    """A small valid flow: crime, risk to life and serious harm first, checks, then signposting."""
    return {
        "element": slug,
        "title": f"Tiny {slug} flow",
        "start": "q_crime",
        "requires_checks": True,
        "references": {
            "threshold": {"title": "The threshold", "text": "Crime, or risk to life or of serious harm."}
        },
        "questions": [
            {
                "id": "q_crime",
                "text": "Is there a crime?",
                "kind": "yes_no",
                "reference": "threshold",
                "tags": ["crime"],
                "answers": [
                    {"value": "yes", "label": "Yes", "next": "o_deploy", "tags": ["crime"]},
                    {"value": "no", "label": "No", "next": "q_risk"},
                ],
            },
            {
                "id": "q_risk",
                "text": "Is there a real and immediate risk to life?",
                "kind": "yes_no",
                "tags": ["risk_to_life"],
                "answers": [
                    {"value": "yes", "label": "Yes", "next": "o_deploy", "tags": ["risk_to_life"]},
                    {"value": "no", "label": "No", "next": "q_harm"},
                ],
            },
            {
                "id": "q_harm",
                "text": "Is there a risk of serious harm?",
                "kind": "yes_no",
                "tags": ["serious_harm"],
                "answers": [
                    {"value": "yes", "label": "Yes", "next": "o_deploy", "tags": ["serious_harm"]},
                    {"value": "no", "label": "No", "next": "q_checks"},
                ],
            },
            {
                "id": "q_checks",
                "text": "Have you done the checks?",
                "kind": "checklist",
                "tags": ["checks"],
                "items": [{"value": "address", "label": "Address history"}, {"value": "pnc", "label": "PNC"}],
                "next": "q_need",
            },
            {
                "id": "q_need",
                "text": "What does the person need?",
                "kind": "choice",
                "answers": [
                    {"value": "mh", "label": "Mental health support", "next": "o_signpost"},
                    {"value": "gp", "label": "Their GP", "next": "o_refer_gp"},
                ],
            },
        ],
        "outcomes": [
            {
                "id": "o_deploy",
                "category": "DEPLOY",
                "title": "Police attend",
                "script": "Police are on their way.",
                "record": "RCRP {element} v{version}: DEPLOY. Incident {incident_ref}.",
            },
            {
                "id": "o_signpost",
                "category": "SIGNPOST",
                "title": "Signpost to NHS 111 option 2",
                "agency": "nhs_111_mh",
                "script": "Police will not attend. Call {agency_name}: {agency_contact}.",
                "record": "RCRP {element} v{version}: SIGNPOST to {agency_name}.",
                "call_back_if": "Call 999 if they are in danger.",
            },
            {
                "id": "o_refer_gp",
                "category": "SIGNPOST",
                "title": "Signpost to the GP",
                "agency": "gp",
                "script": "Police will not attend. Contact {agency_name}.",
                "record": "RCRP {element} v{version}: SIGNPOST to GP.",
                "call_back_if": "Call 999 if they are in danger.",
            },
        ],
    }


TINY_ANSWERS_SIGNPOST = {
    "q_crime": "no",
    "q_risk": "no",
    "q_harm": "no",
    "q_checks": ["address", "pnc"],
    "q_need": "mh",
}


def changed(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of a document with top-level keys replaced."""
    new = copy.deepcopy(document)
    new.update(changes)
    return new


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"agency_{n}")
    name = factory.LazyAttribute(lambda o: f"Agency {o.key}")
    kind = "health"
    contact = "Call 0300 000 0000"
    hours = "24/7"
    coverage = "All London boroughs"
    effective_from = date(2023, 11, 1)
    effective_to = None


def tiny_agencies() -> list[Agency]:
    """The agencies the tiny flow names."""
    return [AgencyFactory(key=key, name=f"Agency {key}") for key in TINY_AGENCIES]


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    """A draft of the tiny flow by default; pass status, document etc. to change it."""

    class Meta:
        model = PolicyVersion

    element = factory.LazyFunction(lambda: element("welfare"))
    number = factory.Sequence(lambda n: n + 1)
    document = factory.LazyAttribute(lambda o: tiny_flow(o.element.slug))
    content_hash = factory.LazyAttribute(lambda o: engine.content_hash(o.document))
    change_summary = "A test version"
    created_by = factory.SubFactory(UserFactory)


def published_version(*, author: User, approver: User, **values: Any) -> PolicyVersion:
    """A published version (default: the tiny flow), as if it went through the whole journey."""
    now = timezone.now()
    defaults: dict[str, Any] = {
        "status": PolicyVersion.Status.PUBLISHED,
        "created_by": author,
        "approved_by": approver,
        "legal_clearance_ref": "LEGAL-TEST-1",
        "submitted_at": now,
        "approved_at": now,
        "published_at": now,
        "effective_from": now,
    }
    defaults.update(values)
    return PolicyVersionFactory(**defaults)


class PolicyScenarioFactory(factory.django.DjangoModelFactory):
    """A scenario of the tiny flow reaching o_signpost."""

    class Meta:
        model = PolicyScenario

    element = factory.LazyFunction(lambda: element("welfare"))
    name = factory.Sequence(lambda n: f"Scenario {n}")
    description = "A test case"
    caller_type = "public"
    answers = factory.LazyFunction(lambda: dict(TINY_ANSWERS_SIGNPOST))
    expected_category = "SIGNPOST"
    expected_agency = "nhs_111_mh"
    expected_outcome = "o_signpost"


def load_agencies() -> None:
    """The real agency directory from policies/content/agencies.json (idempotent, no audit)."""
    for values in content.agencies():
        key = values.pop("key")
        Agency.objects.update_or_create(key=key, defaults=values)


def published_v1(
    element_slug: str,
    *,
    author: User | None = None,
    approver: User | None = None,
    with_scenarios: bool = True,
) -> PolicyVersion:
    """The real MPS v1 flow of an element, published, with the agency directory (and its scenarios).

    Idempotent: returns the element's version 1 if it already exists.
    """
    load_agencies()
    the_element = element(element_slug)
    existing = PolicyVersion.objects.filter(element=the_element, number=1).first()
    if existing is None:
        author = author or UserFactory(staff_number="v1author", display_name="V1 Author")
        approver = approver or UserFactory(staff_number="v1approver", display_name="V1 Approver")
        document = content.flow_document(element_slug)
        existing = published_version(
            author=author,
            approver=approver,
            element=the_element,
            number=1,
            document=document,
            content_hash=engine.content_hash(document),
            change_summary=content.change_summary(element_slug),
        )
    if with_scenarios:
        for item in content.scenarios(element_slug):
            PolicyScenario.objects.update_or_create(
                element=the_element, name=item.name, defaults=item.values()
            )
    return existing


def published_v2(
    element_slug: str,
    *,
    author: User | None = None,
    approver: User | None = None,
    with_scenarios: bool = True,
) -> PolicyVersion:
    """The real MPS v2 flow of an element, published, with v1 kept as history (retired) and each
    version's scenarios applying to its own version. Idempotent."""
    v1 = published_v1(element_slug, author=author, approver=approver, with_scenarios=with_scenarios)
    existing = PolicyVersion.objects.filter(element=v1.element, number=2).first()
    if existing is None:
        now = timezone.now()
        PolicyVersion.objects.filter(pk=v1.pk).update(status=PolicyVersion.Status.RETIRED, retired_at=now)
        document = content.flow_document(element_slug, 2)
        existing = published_version(
            author=v1.created_by,
            approver=v1.approved_by,
            element=v1.element,
            number=2,
            document=document,
            content_hash=engine.content_hash(document),
            change_summary=content.change_summary(element_slug, 2),
        )
    if with_scenarios:
        PolicyScenario.objects.filter(element=v1.element, first_version=1).update(last_version=1)
        for item in content.scenarios(element_slug, 2):
            PolicyScenario.objects.update_or_create(
                element=v1.element, name=item.name, defaults=item.values()
            )
    return existing
