"""`make bench`: run every benchmark script in bench/ (each bench/*.py except this one) in turn.

Each script's output is printed and saved to bench/results/<name>.txt. Exits non-zero if any
script fails (for example, misses its target).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    failed = []
    for script in sorted(HERE.glob("*.py")):
        if script.name == Path(__file__).name or script.name.startswith("_"):
            continue
        print(f"== {script.name}", flush=True)
        run = subprocess.run(  # noqa: S603 - our own scripts, run with this interpreter
            [sys.executable, str(script)], cwd=HERE.parent, capture_output=True, text=True, check=False
        )
        output = run.stdout + (run.stderr if run.returncode else "")
        print(output, end="" if output.endswith("\n") else "\n", flush=True)
        (results / f"{script.stem}.txt").write_text(output, encoding="utf-8")
        if run.returncode:
            failed.append(script.name)
    if failed:
        print(f"Failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
