"""The parsed flow of a decision's policy version, from the process-wide cache in policies.selectors."""

from __future__ import annotations

from policies import flow as engine
from policies.models import PolicyVersion
from policies.selectors import flow_for_hash


def flow_for(*, content_hash: str, version_id: int) -> engine.Flow:
    """The flow with this content hash; the version's document is read only on a cache miss."""
    return flow_for_hash(
        content_hash, lambda: PolicyVersion.objects.values_list("document", flat=True).get(pk=version_id)
    )
