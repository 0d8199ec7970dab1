"""`make bench`: the benchmark, printed as it goes and saved to bench/results/<name>.txt.

Runs bench/load.py, which seeds one throwaway PostgreSQL database and takes every figure from it:
bench/supervision.py's in-process measurements and export, the load phases under gunicorn and
Locust, and bench/import_staff.py's roster import; it writes bench/results/latest.json and
latest.md. supervision.py and import_staff.py still run on their own (`.venv/bin/python
bench/supervision.py`), but `make bench` does not run them again: one seed per run. Exits non-zero
if the benchmark fails (for example, misses a target).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUITE = ("load.py",)


def main() -> int:
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    failed = []
    for name in SUITE:
        script = HERE / name
        print(f"== {script.name}", flush=True)
        lines = []
        with subprocess.Popen(  # noqa: S603 - our own scripts, run with this interpreter
            [sys.executable, str(script)],
            cwd=HERE.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as run:
            assert run.stdout is not None
            for line in run.stdout:
                print(line, end="", flush=True)
                lines.append(line)
        (results / f"{script.stem}.txt").write_text("".join(lines), encoding="utf-8")
        if run.returncode:
            failed.append(script.name)
    if failed:
        print(f"Failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
