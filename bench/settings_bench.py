"""The production settings for the load benchmark (bench/load.py runs gunicorn with this module).

Everything is rcrp.settings, driven by the same environment variables, except the URL conf, which
adds the baseline's trivial view (bench/urls.py) so that it is served by the same server,
settings and middleware as the real pages; the production URL conf never has it. STATIC_ROOT
follows BENCH_STATIC_ROOT when set, so that the throwaway run collects its static files into a
temporary directory instead of the project's staticfiles/.
"""

from __future__ import annotations

import os
from pathlib import Path

from rcrp.settings import *  # noqa: F403 - the production settings, unchanged below but for these
from rcrp.settings import STATIC_ROOT as _STATIC_ROOT

ROOT_URLCONF = "bench.urls"
STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"]) if os.environ.get("BENCH_STATIC_ROOT") else _STATIC_ROOT
