"""Demo data for `make run` (called by seed_demo): a roster of 2,500 staff across the three sites
with realistic progress, the sessions behind it, a floor-walker plan and rota with some shifts
short, the support budget, support entries, and site-by-site go-live: Lambeth (the demo call
handler's site, so the demo calls still work) is live, Hendon and Bow not yet.

Idempotent and quick: the roster, sessions and bookings are made once with bulk inserts; the demo
users' roster links, the course and the demo handler's training are checked on every run. Dates
are relative to today: training began six weeks ago and runs four weeks ahead; when go-live has
passed, floor-walker support began four weeks ago.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from policies.models import PolicyVersion
from rcrp.accounts.models import User
from rcrp.accounts.roles import FLOOR_WALKER, TRAINER
from training import conf, readiness, services
from training.models import (
    Booking,
    Completion,
    Course,
    PolicyAcknowledgement,
    RotaAssignment,
    RotaPlanPeriod,
    Shift,
    Site,
    SiteGoLive,
    StaffMember,
    SupportBudget,
    SupportLogEntry,
    TrainingSession,
)
from training.rota import shift_at

ROSTER_SIZE = 2500
SITE_SHARE = {"lambeth": 1000, "hendon": 800, "bow": 700}
ROLES = [("Call handler", 72), ("Dispatcher", 18), ("Supervisor", 8), ("Control room inspector", 2)]
TEAMS = ["Team 1", "Team 2", "Team 3", "Team 4", "Team 5"]
FIRST = [
    "Aaliyah",
    "Adam",
    "Aisha",
    "Alex",
    "Amir",
    "Amy",
    "Ben",
    "Bola",
    "Chloe",
    "Chris",
    "Dan",
    "Dev",
    "Ella",
    "Emeka",
    "Erin",
    "Fatima",
    "Finn",
    "Grace",
    "Hannah",
    "Harry",
    "Imran",
    "Isla",
    "Jack",
    "Jade",
    "Jamal",
    "Jess",
    "Joe",
    "Kai",
    "Kemi",
    "Laura",
    "Leon",
    "Liam",
    "Maya",
    "Mo",
    "Nadia",
    "Nathan",
    "Nia",
    "Olivia",
    "Omar",
    "Priya",
    "Raj",
    "Rosa",
    "Ruth",
    "Ryan",
    "Sam",
    "Sara",
    "Sean",
    "Sophie",
    "Tariq",
    "Tom",
    "Uche",
    "Yusuf",
    "Zara",
    "Zoe",
]
LAST = [
    "Adeyemi",
    "Ahmed",
    "Ali",
    "Allen",
    "Baker",
    "Begum",
    "Bennett",
    "Brown",
    "Campbell",
    "Clarke",
    "Collins",
    "Cooper",
    "Davies",
    "Edwards",
    "Evans",
    "Green",
    "Hall",
    "Harris",
    "Hughes",
    "Hussain",
    "Jackson",
    "James",
    "Johnson",
    "Jones",
    "Khan",
    "King",
    "Lewis",
    "Martin",
    "Mensah",
    "Miller",
    "Moore",
    "Morgan",
    "Murphy",
    "Nguyen",
    "Okafor",
    "Owusu",
    "Patel",
    "Phillips",
    "Price",
    "Rahman",
    "Roberts",
    "Robinson",
    "Shah",
    "Singh",
    "Smith",
    "Taylor",
    "Thomas",
    "Thompson",
    "Turner",
    "Walker",
    "Ward",
    "White",
    "Williams",
    "Wilson",
    "Wood",
    "Wright",
    "Young",
]
DEMO_STAFF = {  # demo login -> (site, role, team)
    "handler": ("lambeth", "Call handler", "Team 1"),
    "supervisor": ("lambeth", "Supervisor", "Team 1"),
    "floorwalker": ("hendon", "Floor walker", "Team 2"),
    "trainer": ("lambeth", "Trainer", ""),
    "policy": ("bow", "Policy owner", ""),
    "policy2": ("bow", "Policy owner", ""),
    "auditor": ("hendon", "Auditor", ""),
    "admin": ("lambeth", "Administrator", ""),
}
TRAINED_DEMO_USERS = ("handler", "supervisor", "admin")  # they take calls: not gated in the demo
EXTRA_TRAINERS = {"trainer.hendon": ("hendon", "Hana Trainer"), "trainer.bow": ("bow", "Bilal Trainer")}
EXTRA_WALKERS = 12
SESSION_HOUR = {0: 9, 1: 13, 2: 9, 3: 13}  # Monday to Thursday: morning or afternoon sessions
SESSION_PLACES = 20
LIVE_SITE = "lambeth"  # the demo handler's site (DEMO_STAFF): the demo calls need it live
SUPPORT_WEEKS_BEHIND = 4  # when go-live has passed, floor-walker support began this long ago


def seed(*, stdout: Any) -> None:
    rng = random.Random(2023)  # the same demo every time  # noqa: S311
    today = timezone.localdate()
    with transaction.atomic():
        sites = {s.slug: s for s in Site.objects.all()}
        course = _course()
        trainers = _trainers(sites)
        walkers = _walkers(sites)
        if not StaffMember.objects.filter(staff_number__startswith="1").exists():
            _roster(rng, sites)
            _sessions_and_bookings(rng, today, course, sites, trainers)
            stdout.write(f"Training: {StaffMember.objects.count():,} staff, sessions and bookings created.")
        _link_demo_users(today, course)
        if not RotaPlanPeriod.objects.exists():
            _rota(rng, today, sites, walkers)
        admin = User.objects.filter(staff_number="admin").first()
        if admin is not None and not SupportBudget.objects.exists():
            _budget(admin)
        if admin is not None and not SiteGoLive.objects.filter(by__isnull=False).exists():
            _go_live(admin, sites, stdout)
        if not SupportLogEntry.objects.exists():
            _support(rng, today, walkers)


def _course() -> Course:
    course, created = Course.objects.get_or_create(
        version=1, defaults={"title": "RCRP course", "duration_minutes": 210, "is_current": True}
    )
    if created:
        course.policy_versions.set(PolicyVersion.objects.published())
    if not Course.objects.filter(is_current=True).exists():
        course.is_current = True
        course.save(update_fields=["is_current"])
    return course


def _user(staff_number: str, name: str, role: str) -> User:
    user, created = User.objects.get_or_create(staff_number=staff_number, defaults={"display_name": name})
    if created:
        user.set_unusable_password()  # demo colleagues only appear in lists; they cannot sign in
        user.save(update_fields=["password"])
        user.groups.set([Group.objects.get(name=role)])
    return user


def _trainers(sites: dict[str, Site]) -> dict[str, User]:
    trainers = {"lambeth": User.objects.get(staff_number="trainer")}
    for number, (site, name) in EXTRA_TRAINERS.items():
        trainers[site] = _user(number, name, TRAINER)
    return trainers


def _walkers(sites: dict[str, Site]) -> list[User]:
    walkers = [User.objects.get(staff_number="floorwalker")]
    for i in range(1, EXTRA_WALKERS + 1):
        walkers.append(_user(f"fw.{i:02d}", f"{FIRST[i * 3]} {LAST[i * 4]}", FLOOR_WALKER))
    return walkers


def _roster(rng: random.Random, sites: dict[str, Site]) -> None:
    people: list[StaffMember] = []
    for login, (site, role, team) in DEMO_STAFF.items():
        people.append(
            StaffMember(
                staff_number=login, full_name=f"Demo {login.title()}", site=sites[site], role=role, team=team
            )
        )
    for number, (site, name) in EXTRA_TRAINERS.items():
        people.append(StaffMember(staff_number=number, full_name=name, site=sites[site], role="Trainer"))
    walker_sites = ["lambeth", "hendon", "bow"]
    for i in range(1, EXTRA_WALKERS + 1):
        people.append(
            StaffMember(
                staff_number=f"fw.{i:02d}",
                full_name=f"{FIRST[i * 3]} {LAST[i * 4]}",
                site=sites[walker_sites[i % 3]],
                role="Floor walker",
                team=TEAMS[i % 5],
            )
        )
    slots = [slug for slug, n in SITE_SHARE.items() for _ in range(n)][: ROSTER_SIZE - len(people)]
    role_names = [name for name, weight in ROLES for _ in range(weight)]
    for i, slug in enumerate(slots):
        people.append(
            StaffMember(
                staff_number=f"{100001 + i}",
                full_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                site=sites[slug],
                role=rng.choice(role_names),
                team=rng.choice(TEAMS),
            )
        )
    bulk_create_with_history(people, StaffMember, batch_size=500)


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _sessions_and_bookings(
    rng: random.Random, today: date, course: Course, sites: dict[str, Site], trainers: dict[str, User]
) -> None:
    """Six weeks of past sessions (marked) and four weeks ahead (partly booked), Monday to Thursday."""
    first_monday = readiness.week_start(today) - timedelta(weeks=6)
    sessions = []
    for week in range(11):
        for weekday, hour in SESSION_HOUR.items():
            day = first_monday + timedelta(weeks=week, days=weekday)
            for slug, site in sites.items():
                sessions.append(
                    TrainingSession(
                        course=course,
                        site=site,
                        starts_at=_at(day, hour),
                        trainer=trainers[slug],
                        capacity=SESSION_PLACES,
                        room="Training room 1",
                        created_at=_at(first_monday - timedelta(days=14), 9),
                    )
                )
    TrainingSession.objects.bulk_create(sessions)
    sessions = list(TrainingSession.objects.filter(course=course).order_by("starts_at"))
    now = timezone.now()

    queues: dict[int, list[StaffMember]] = {}
    for staff in (
        StaffMember.objects.filter(active=True).exclude(staff_number__in=list(DEMO_STAFF)).order_by("pk")
    ):
        queues.setdefault(staff.site_id, []).append(staff)
    for queue in queues.values():
        rng.shuffle(queue)
    demo = {s.staff_number: s for s in StaffMember.objects.filter(staff_number__in=TRAINED_DEMO_USERS)}
    for login in TRAINED_DEMO_USERS:  # the demo users who take calls are trained in the first week
        queues[demo[login].site_id].insert(0, demo[login])

    bookings: list[Booking] = []
    completions: list[Completion] = []
    no_shows: list[tuple[StaffMember, datetime]] = []
    for session in sessions:
        queue = queues[session.site_id]
        past = session.starts_at < now
        fill = SESSION_PLACES if past else max(0, SESSION_PLACES - rng.randint(2, 12))
        booked_at = session.starts_at - timedelta(days=rng.randint(7, 14))
        if not past:
            # people who missed a session are rebooked first, after the session they missed
            while no_shows and fill and no_shows[0][0].site_id == session.site_id:
                staff, missed = no_shows.pop(0)
                bookings.append(Booking(session=session, staff=staff, created_at=missed + timedelta(days=1)))
                fill -= 1
        for _ in range(fill):
            if not queue:
                break
            staff = queue.pop(0)
            status = Booking.Status.BOOKED
            if past:
                roll = rng.random()
                if staff.staff_number in TRAINED_DEMO_USERS or roll >= 0.10:
                    status = Booking.Status.COMPLETED
                elif roll < 0.08:
                    status = Booking.Status.NO_SHOW
                    if rng.random() < 0.6:
                        no_shows.append((staff, session.starts_at))
                else:
                    status = Booking.Status.ATTENDED
            bookings.append(Booking(session=session, staff=staff, status=status, created_at=booked_at))
            if status == Booking.Status.COMPLETED:
                completions.append(
                    Completion(
                        staff=staff,
                        course=course,
                        session=session,
                        trainer=session.trainer,
                        completed_on=timezone.localdate(session.starts_at),
                        route=Completion.Route.SESSION,
                        recorded_by=session.trainer,
                        recorded_at=session.starts_at + timedelta(hours=4),
                    )
                )
        no_shows.sort(key=lambda item: item[0].site_id != session.site_id)
    bulk_create_with_history(bookings, Booking, batch_size=500)
    bulk_create_with_history(completions, Completion, batch_size=500)


def _link_demo_users(today: date, course: Course) -> None:
    users = {u.staff_number: u for u in User.objects.filter(staff_number__in=list(DEMO_STAFF))}
    for staff in StaffMember.objects.filter(staff_number__in=list(users), user__isnull=True):
        staff.user = users[staff.staff_number]
        staff.save(update_fields=["user", "updated_at"])
    for login in TRAINED_DEMO_USERS:
        user = users.get(login)
        staff = StaffMember.objects.filter(staff_number=login).first()
        if user is None or staff is None:
            continue
        if not Completion.objects.filter(staff=staff, course=course).exists():
            Booking.objects.filter(staff=staff, status=Booking.Status.BOOKED).update(
                status=Booking.Status.CANCELLED
            )
            Completion.objects.create(
                staff=staff,
                course=course,
                completed_on=today,
                route=Completion.Route.OTHER,
                evidence_note="Demo login: trained so that the demo calls can be taken",
            )
        pending = PolicyVersion.objects.published().filter(acknowledgement_required=True)
        for version in pending.exclude(acknowledgements__user=user):
            PolicyAcknowledgement.objects.create(user=user, policy_version=version)


def _rota(rng: random.Random, today: date, sites: dict[str, Site], walkers: list[User]) -> None:
    """A plan that starts at go-live (or four weeks ago, if go-live has passed) at 18 a day and
    tapers over six months, and the rota from then (at most four weeks back) to the end of next
    week, with some shifts short of the plan."""
    go_live = conf.go_live_date()
    this_week = readiness.week_start(today)
    start = go_live if go_live > today else this_week - timedelta(weeks=SUPPORT_WEEKS_BEHIND)
    RotaPlanPeriod.objects.bulk_create(
        [
            RotaPlanPeriod(starts_on=start, walkers_per_shift=2, note="Go-live: 18 a day"),
            RotaPlanPeriod(
                starts_on=start + timedelta(weeks=13), walkers_per_shift=1, note="Tapering: 9 a day"
            ),
            RotaPlanPeriod(
                starts_on=start + timedelta(weeks=26), walkers_per_shift=0, note="Six months: support ends"
            ),
        ]
    )
    assignments = []
    first = this_week - timedelta(weeks=SUPPORT_WEEKS_BEHIND)
    for offset in range((this_week + timedelta(weeks=2) - first).days):
        day = first + timedelta(days=offset)
        if day < start:
            continue
        pool = walkers[:]
        for shift in Shift:
            rng.shuffle(pool)
            chosen = iter(pool)
            for slug in ("bow", "hendon", "lambeth"):
                needed = 2
                if slug == "bow" and shift == Shift.NIGHT and offset % 3 == 0:
                    needed = 1  # a few gaps: Bow's night shift every third day
                elif slug == "hendon" and shift == Shift.LATE and day.weekday() == 6:
                    needed = 0  # and nobody on Hendon's late shift on Sundays
                for _ in range(needed):
                    assignments.append(
                        RotaAssignment(date=day, site=sites[slug], shift=shift, floor_walker=next(chosen))
                    )
    RotaAssignment.objects.bulk_create(assignments)


def _budget(admin: User) -> None:
    """The support budget the plan was set with: £1,500,000 at a blended £706 a day, the senior
    consultant two days a week at the same rate, for the plan's six months."""
    first = RotaPlanPeriod.objects.order_by("starts_on").values_list("starts_on", flat=True).first()
    if first is None:
        return
    services.support_budget_set(
        total=Decimal("1500000"),
        day_rate=Decimal("706"),
        consultant_day_rate=Decimal("706"),
        consultant_days_per_week=Decimal("2"),
        plan_ends_on=first + timedelta(weeks=26) - timedelta(days=1),
        note="Demo: the figures the support plan was set with",
        actor=admin,
    )


def _go_live(admin: User, sites: dict[str, Site], stdout: Any) -> None:
    """RCRP live at the demo handler's site only: the others wait for their training."""
    for slug, site in sites.items():
        site.refresh_from_db()
        if slug == LIVE_SITE and not site.is_live:
            services.site_go_live_set(
                site=site,
                live=True,
                actor=admin,
                note="Demo: the first site to go live",
                below_threshold_confirmed=True,
            )
        elif slug != LIVE_SITE and site.is_live:
            services.site_go_live_set(
                site=site, live=False, actor=admin, note=f"Demo: {site} goes live when its staff are trained"
            )
    stdout.write(f"Training: RCRP live at {sites[LIVE_SITE]} only.")


def _support(rng: random.Random, today: date, walkers: list[User]) -> None:
    """Some support entries over the last fortnight for trained call handlers."""
    handlers = list(
        StaffMember.objects.filter(role="Call handler", completions__isnull=False).order_by("pk")[:400]
    )
    if not handlers:
        return
    topics = [t.value for t in SupportLogEntry.Topic]
    weights = [20, 30, 18, 12, 5, 10, 5]
    now = timezone.now()
    entries = []
    for _ in range(60):
        handler = rng.choice(handlers)
        when = now - timedelta(minutes=rng.randint(30, 14 * 24 * 60))
        entries.append(
            SupportLogEntry(
                occurred_at=when,
                floor_walker=rng.choice(walkers),
                handler=handler,
                site_id=handler.site_id,
                shift=shift_at(timezone.localtime(when)),
                topic=rng.choices(topics, weights)[0],
                decision_reference=str(uuid.UUID(int=rng.getrandbits(128), version=4))
                if rng.random() < 0.4
                else "",
            )
        )
    SupportLogEntry.objects.bulk_create(entries)
