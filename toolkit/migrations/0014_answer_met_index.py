"""The handler's answers by question (answer_met_idx), in place of the index on the handler alone.

The changed-question highlight asks whether a handler met a question on a few earlier calls; with
only the handler's index PostgreSQL read every answer they ever gave (tens of thousands for a
handler of some years) to count them. The new index is built before the old one goes, so a lookup
by handler always has one.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("toolkit", "0013_paper_records_and_retention"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="decisionanswer",
            index=models.Index(fields=["answered_by", "question_id", "decision"], name="answer_met_idx"),
        ),
        migrations.AlterField(
            model_name="decisionanswer",
            name="answered_by",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
