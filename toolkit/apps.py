from __future__ import annotations

from django.apps import AppConfig


class ToolkitConfig(AppConfig):
    name = "toolkit"
    verbose_name = "Toolkit"

    def ready(self) -> None:
        # Feed recent logged decisions to the policy "what would change" report. policies may
        # not import toolkit (apps depend one way), so toolkit registers itself.
        try:
            from policies import replay
        except ImportError:  # pragma: no cover - the report predates the registry
            return
        from toolkit.replay import recent_decisions

        replay.register_source(recent_decisions)
