"""PostgreSQL guards: completed decisions, their answers and notes never change."""

from django.db import migrations

from rcrp.accounts.db import append_only_trigger


class Migration(migrations.Migration):
    dependencies = [("toolkit", "0001_initial")]

    operations = [
        append_only_trigger("toolkit_decision", frozen_when="OLD.status <> 'in_progress'"),
        append_only_trigger("toolkit_decisionanswer"),
        append_only_trigger("toolkit_decisionnote"),
        append_only_trigger("toolkit_escalation", frozen_when="OLD.answered_at IS NOT NULL"),
    ]
