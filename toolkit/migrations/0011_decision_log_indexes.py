# The decision log's indexes at 2,000,000 decisions (docs/supervision-indexes.md): the log index
# covers live decisions only, so a page's ids are read from the index alone (no practice check on
# each 2 KB row), and one index serves the log filtered by element and outcome together.

from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [("toolkit", "0010_practice")]

    operations = [
        migrations.RemoveIndex(model_name="decision", name="decision_log_idx"),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(
                fields=["-started_at", "-id"], name="decision_log_idx", condition=Q(practice=False)
            ),
        ),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(
                fields=["element", "outcome_category", "-started_at"], name="decision_element_category_idx"
            ),
        ),
    ]
