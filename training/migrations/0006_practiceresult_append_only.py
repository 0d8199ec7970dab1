"""Practice results are append-only on PostgreSQL too, like the other training records."""

from django.db import migrations

from rcrp.accounts.db import append_only_trigger


class Migration(migrations.Migration):
    dependencies = [("training", "0005_site_golive_support_budget_completion_route")]

    operations = [append_only_trigger("training_practiceresult")]
