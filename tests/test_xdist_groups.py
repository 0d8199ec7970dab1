"""The installed pytest and pytest-xdist keep an `xdist_group` on one worker.

tests/conftest.py puts each cluster and process-fault module in a group of its own, so that one
worker starts its PostgreSQL servers and gunicorns once. pytest 9.2 with pytest-xdist 3.8 drops the
groups without a word (pytest-dev/pytest-xdist#1386): every worker then builds every deployment.
This runs a small suite of two groups on two workers and reads which worker ran each test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SUITE = """
import pytest

@pytest.mark.xdist_group("{group}")
@pytest.mark.parametrize("i", range(6))
def test_member(i):
    pass
"""


def test_a_group_runs_on_one_worker(tmp_path: Path) -> None:
    for group in ("alpha", "beta"):
        (tmp_path / f"test_{group}.py").write_text(SUITE.format(group=group), encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-n",
            "2",
            "--dist",
            "loadgroup",
            "-v",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:django",
            str(tmp_path),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    workers: dict[str, set[str]] = {}
    for worker, module in re.findall(r"\[(gw\d)\][^\n]*PASSED test_(alpha|beta)\.py", result.stdout):
        workers.setdefault(module, set()).add(worker)
    assert set(workers) == {"alpha", "beta"}, result.stdout[-2000:]
    assert all(len(ran_on) == 1 for ran_on in workers.values()), workers
