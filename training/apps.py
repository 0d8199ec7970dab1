from __future__ import annotations

from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "Training"

    def ready(self) -> None:
        from rcrp.accounts.reference import connect
        from training import checks  # noqa: F401  (registers the settings check)
        from training.reference import SITES

        connect(self, "training.Site", "slug", SITES)
