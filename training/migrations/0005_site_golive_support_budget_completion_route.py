"""Site-by-site go-live (Site.live_from and its SiteGoLive history), the support budget, and how a
completion was reached (route and evidence note).

Until now RCRP was live at every site, so every site without a go-live time is made live here, in
databases created before this change and in new ones (0002 creates the sites): nothing changes
for anyone until an administrator switches a site off. Each is recorded as a SiteGoLive row with
the trained share at that moment, by nobody (the migration).
"""

from decimal import ROUND_DOWN, Decimal
from typing import Any

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from rcrp.accounts.db import append_only_trigger

MIGRATION_NOTE = (
    "Live before site-by-site go-live: RCRP was live at every site until then (set by migration)."
)


def _threshold() -> int:
    value = getattr(settings, "GO_LIVE_THRESHOLD_PERCENT", 90)
    return value if isinstance(value, int) and 1 <= value <= 100 else 90


def sites_stay_live(apps: Any, schema_editor: Any) -> None:
    Site = apps.get_model("training", "Site")
    SiteGoLive = apps.get_model("training", "SiteGoLive")
    StaffMember = apps.get_model("training", "StaffMember")
    Course = apps.get_model("training", "Course")
    now = timezone.now()
    course = Course.objects.filter(is_current=True).first()
    for site in Site.objects.filter(live_from__isnull=True).order_by("pk"):
        staff = StaffMember.objects.filter(site=site, active=True)
        total = staff.count()
        trained = staff.filter(completions__course=course).distinct().count() if course else 0
        share = (Decimal(trained) * 100 / total).quantize(Decimal("0.1"), ROUND_DOWN) if total else Decimal(0)
        site.live_from = now
        site.save(update_fields=["live_from"])
        SiteGoLive.objects.create(
            site=site,
            live=True,
            at=now,
            by=None,
            trained_share=share,
            trained=trained,
            staff=total,
            threshold_percent=_threshold(),
            note=MIGRATION_NOTE,
        )


def session_completions_say_so(apps: Any, schema_editor: Any) -> None:
    """Completions recorded at a session get that route (the new field's default is "other")."""
    Completion = apps.get_model("training", "Completion")
    Completion.objects.filter(session__isnull=False).update(route="session")


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0004_practice"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SiteGoLive",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("live", models.BooleanField(help_text="Switched on (true) or off (false)")),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "trained_share",
                    models.DecimalField(
                        decimal_places=1,
                        help_text="Percent of the site's current staff trained",
                        max_digits=4,
                    ),
                ),
                ("trained", models.PositiveIntegerField()),
                ("staff", models.PositiveIntegerField()),
                ("threshold_percent", models.PositiveSmallIntegerField()),
                ("note", models.TextField(blank=True)),
            ],
            options={
                "verbose_name": "site go-live change",
                "ordering": ["-at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="SupportBudget",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "total",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=12,
                        validators=[django.core.validators.MinValueValidator(Decimal("1"))],
                        verbose_name="budget",
                    ),
                ),
                (
                    "day_rate",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=8,
                        validators=[django.core.validators.MinValueValidator(Decimal("1"))],
                    ),
                ),
                (
                    "consultant_day_rate",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=8,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
                (
                    "consultant_days_per_week",
                    models.DecimalField(
                        decimal_places=1,
                        max_digits=2,
                        validators=[
                            django.core.validators.MinValueValidator(Decimal("0")),
                            django.core.validators.MaxValueValidator(Decimal("7")),
                        ],
                    ),
                ),
                ("plan_ends_on", models.DateField(help_text="The last day of post-go-live support")),
                ("note", models.CharField(blank=True, max_length=200)),
                ("entered_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "ordering": ["-entered_at", "-id"],
            },
        ),
        migrations.AddField(
            model_name="completion",
            name="evidence_note",
            field=models.TextField(blank=True, help_text="What shows a completion outside a session"),
        ),
        migrations.AddField(
            model_name="completion",
            name="route",
            field=models.CharField(
                choices=[
                    ("session", "At a training session"),
                    ("elsewhere", "Trained elsewhere (another force or organisation)"),
                    ("other", "Another route (for example one-to-one or e-learning)"),
                ],
                default="other",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="historicalcompletion",
            name="evidence_note",
            field=models.TextField(blank=True, help_text="What shows a completion outside a session"),
        ),
        migrations.AddField(
            model_name="historicalcompletion",
            name="route",
            field=models.CharField(
                choices=[
                    ("session", "At a training session"),
                    ("elsewhere", "Trained elsewhere (another force or organisation)"),
                    ("other", "Another route (for example one-to-one or e-learning)"),
                ],
                default="other",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="site",
            name="live_from",
            field=models.DateTimeField(
                blank=True, help_text="When RCRP went live at this site (empty: not live yet)", null=True
            ),
        ),
        migrations.AddConstraint(
            model_name="completion",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("route", "session"), _negated=True), ("session__isnull", False), _connector="OR"
                ),
                name="completion_session_route",
            ),
        ),
        migrations.AddField(
            model_name="sitegolive",
            name="by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="sitegolive",
            name="site",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="go_live_history",
                to="training.site",
            ),
        ),
        migrations.AddField(
            model_name="supportbudget",
            name="entered_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.RunPython(session_completions_say_so, migrations.RunPython.noop),
        migrations.RunPython(sites_stay_live, migrations.RunPython.noop),
        # Go-live history and the budget's entries are append-only: on PostgreSQL a trigger
        # refuses UPDATE and DELETE.
        append_only_trigger("training_sitegolive"),
        append_only_trigger("training_supportbudget"),
    ]
