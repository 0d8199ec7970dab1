"""Benchmark: `manage.py import_staff` with a 2,500-row roster file on SQLite.

Runs against a throwaway SQLite database (migrated first, not timed) and times three imports of
a generated HR file: the first (everyone added), the same file again (nothing changes) and a file
in which a tenth of the rows changed. The target is under 2 seconds for 2,500 rows.

    .venv/bin/python bench/import_staff.py [--json]

With --json the last line printed is the figures as JSON (bench/load.py reads it).
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = 2500
TARGET_SECONDS = 2.0
SITES = ("Lambeth", "Hendon", "Bow")
ROLES = ("Call handler", "Call handler", "Call handler", "Dispatcher", "Supervisor")


def roster(changed_every: int = 0) -> str:
    lines = ["staff_number,full_name,site,role,team,grade"]
    for i in range(ROWS):
        team = f"Team {i % 5 + 1}"
        if changed_every and i % changed_every == 0:
            team = f"Team {(i + 1) % 5 + 1}"
        lines.append(f"{300000 + i},Person {i:04d},{SITES[i % 3]},{ROLES[i % 5]},{team},B{i % 4}")
    return "\n".join(lines) + "\n"


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="rcrp-bench-"))
    os.environ.update(DEBUG="1", DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rcrp.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    results = []
    for label, text in (
        ("first import (all added)", roster()),
        ("same file again (unchanged)", roster()),
        ("a tenth of the rows changed", roster(changed_every=10)),
    ):
        path = workdir / "roster.csv"
        path.write_text(text, encoding="utf-8")
        out = io.StringIO()
        started = time.perf_counter()
        call_command("import_staff", str(path), stdout=out)
        elapsed = time.perf_counter() - started
        results.append((label, elapsed, out.getvalue().strip()))

    print(f"import_staff: {ROWS:,} rows on SQLite (target under {TARGET_SECONDS:.0f} s)")
    for label, elapsed, output in results:
        print(f"  {label:<30} {elapsed:6.2f} s   {output}")
    worst = max(elapsed for _, elapsed, _ in results)
    if "--json" in sys.argv[1:]:
        figures = {"rows": ROWS, "target_s": TARGET_SECONDS, "worst_s": round(worst, 2)}
        figures["imports"] = [{"what": label, "seconds": round(t, 2), "output": o} for label, t, o in results]
        print(json.dumps(figures))
    for leftover in workdir.iterdir():
        leftover.unlink()
    workdir.rmdir()
    if worst >= TARGET_SECONDS:
        print(f"SLOW: the slowest import took {worst:.2f} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
