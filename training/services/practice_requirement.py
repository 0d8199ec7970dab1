"""A course's practice requirement: setting it, and checking it before a completion is recorded.

A course with `requires_practice` and a practice set is completed only by someone whose sign-in
account (StaffMember.user) has passed the set: at least its pass mark of its cards passed, any
attempt counting (training.selectors.practice). A roster entry with no linked account has no
practice calls, so it cannot have passed.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import User
from training.models import AuditAction, Course, PracticeSet, StaffMember
from training.selectors.practice import practice_progress_for_users

NO_ACCOUNT = " (no sign-in account is linked to their roster entry, so their practice calls are not recorded)"


def practice_requirement_check(*, practice_set: PracticeSet | None, requires_practice: bool) -> None:
    """Refuse a requirement nobody could meet: no set chosen, or a set with fewer cards than its
    pass mark."""
    if not requires_practice:
        return
    if practice_set is None:
        raise ValidationError("Choose the practice set that must be passed, or untick the requirement")
    cards = practice_set.entries.count()
    if cards < practice_set.pass_mark:
        raise ValidationError(
            f"{practice_set} has {cards} card{'s' if cards != 1 else ''} and a pass mark of "
            f"{practice_set.pass_mark}, so nobody could pass it: add cards to the set first"
        )


def practice_refusals(*, course: Course, staff: Sequence[StaffMember]) -> dict[int, str]:
    """The staff (by id) who may not complete `course` yet because they have not passed its
    practice set, each with a sentence naming them and their progress, e.g. "Ana Example has
    passed 2 of 5 practice cards; the pass mark is 4." Empty when the course needs no practice
    (then no query); otherwise three queries whatever the number of people."""
    if not course.requires_practice or course.practice_set_id is None or not staff:
        return {}
    practice_set = PracticeSet.objects.get(pk=course.practice_set_id)
    total = practice_set.entries.count()
    progress = practice_progress_for_users(
        practice_set=practice_set, users=[s.user_id for s in staff if s.user_id is not None]
    )
    refusals = {}
    for person in staff:
        mine = progress.get(person.user_id) if person.user_id is not None else None
        if mine is not None and mine.passed:
            continue
        passed = mine.passed_count if mine is not None else 0
        refusals[person.pk] = (
            f"{person.full_name} has passed {passed} of {total} practice cards; the pass mark is "
            f"{practice_set.pass_mark}{NO_ACCOUNT if person.user_id is None else ''}."
        )
    return refusals


@transaction.atomic
def course_practice_set(
    *, course: Course, practice_set: PracticeSet | None, requires_practice: bool, actor: User
) -> Course:
    """Attach a practice set to a course version (or none), and whether completing the course needs
    it passed. Completions already recorded stand; the requirement applies to those recorded from
    now on."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    practice_requirement_check(practice_set=practice_set, requires_practice=requires_practice)
    old = {"practice_set": course.practice_set_id, "requires_practice": course.requires_practice}
    new = {"practice_set": practice_set.pk if practice_set else None, "requires_practice": requires_practice}
    if old == new:
        return course
    course.practice_set = practice_set
    course.requires_practice = requires_practice
    course.save(update_fields=["practice_set", "requires_practice"])
    audit_event_record(
        actor=actor, action=AuditAction.COURSE_PRACTICE_CHANGED, target=course, data={"old": old, "new": new}
    )
    return course
