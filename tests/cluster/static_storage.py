"""The production static files storage for the cluster tests' throwaway deployment."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from whitenoise.storage import CompressedManifestStaticFilesStorage


class UncompressedManifestStorage(CompressedManifestStaticFilesStorage):
    """Production's storage (the manifest, hashed names, strict lookups) without the .gz and .br
    copies of every file: brotli took about 25 of collectstatic's 30 s here, and no test asks for a
    compressed static file. The pages still render every {% static %} through the manifest."""

    def compress_files(self, paths: Iterable[str]) -> Iterator[tuple[str, str]]:
        return iter(())
