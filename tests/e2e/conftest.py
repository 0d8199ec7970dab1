"""Browser tests reuse the toolkit's policy fixtures (the real v1 content, published)."""

from tests.toolkit.conftest import agencies, v1, welfare  # noqa: F401
