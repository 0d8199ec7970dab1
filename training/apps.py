from __future__ import annotations

from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "Training"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from training import checks  # noqa: F401  (registers the settings check)
        from training.reference import ensure_sites_after_migrate

        post_migrate.connect(
            ensure_sites_after_migrate, sender=self, weak=False, dispatch_uid="reference:training.Site"
        )
