# Where each reviewed decision stands (its newest review's verdict by the decision's start), so the
# log's review filters are index ranges (docs/supervision-indexes.md); filled from the reviews.

import django.db.models.deletion
from django.db import migrations, models


NEWEST_REVIEWS = """
INSERT INTO toolkit_reviewstanding (decision_id, review_id, verdict, started_at)
SELECT r.decision_id, r.id, r.verdict, d.started_at
FROM toolkit_review r JOIN toolkit_decision d ON d.id = r.decision_id
WHERE NOT EXISTS (
    SELECT 1 FROM toolkit_review n WHERE n.decision_id = r.decision_id
    AND (n.reviewed_at > r.reviewed_at OR (n.reviewed_at = r.reviewed_at AND n.id > r.id))
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("toolkit", "0011_decision_log_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReviewStanding",
            fields=[
                (
                    "decision",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="review_standing",
                        serialize=False,
                        to="toolkit.decision",
                    ),
                ),
                (
                    "verdict",
                    models.CharField(
                        choices=[
                            ("compliant", "Compliant"),
                            ("minor", "Minor deviation"),
                            ("major", "Major deviation"),
                            ("non_compliant", "Non-compliant"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "started_at",
                    models.DateTimeField(help_text="The decision's started_at, for the log's order"),
                ),
                (
                    "review",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="toolkit.review"
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["-started_at", "-decision"], name="standing_log_idx"),
                    models.Index(fields=["verdict", "-started_at", "-decision"], name="standing_verdict_idx"),
                ],
            },
        ),
        migrations.RunSQL(NEWEST_REVIEWS, migrations.RunSQL.noop),
    ]
