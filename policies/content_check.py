"""Check the shipped content files of one version without a database: every flow validates and
every scenario reaches what it expects. For content authors::

    python -m policies.content_check 2            # all four elements of v2
    python -m policies.content_check 2 welfare    # one element

Prints each element's problems and failing scenarios, the median and maximum screens to each
category, and ends with the screens to a no-police outcome. Exits 1 on any problem.
"""

from __future__ import annotations

import sys

from policies import content
from policies import flow as engine
from policies.flow import NO_POLICE
from policies.flow import scenarios as scenario_runs


def report(version: int, elements: list[str]) -> tuple[list[str], bool]:
    """The lines of the report and whether everything passed."""
    keys = [agency["key"] for agency in content.agencies()]
    lines: list[str] = []
    ok = True
    every: list[scenario_runs.ScenarioRun] = []
    for element in elements:
        document = content.flow_document(element, version)
        problems = engine.check(document, agency_keys=keys)
        if problems:
            ok = False
            lines.append(f"{element} v{version}: INVALID, {len(problems)} problems")
            lines.extend(f"  - {problem}" for problem in problems)
            continue
        flow = engine.parse(document)
        runs = []
        for item in content.scenarios(element, version):
            result = scenario_runs.run_case(flow, item)
            runs.append(result)
            if not result.passed:
                ok = False
                lines.append(f"  - FAILED {item.name}: {result.message}")
        every.extend(runs)
        passed = sum(r.passed for r in runs)
        lines.append(f"{element} v{version}: {passed} scenarios passed, {len(runs) - passed} failed")
        lines.extend(count.line() for count in scenario_runs.screens_by_category(runs))
    passed = sum(r.passed for r in every)
    lines.append(f"scenarios: {passed} passed, {len(every) - passed} failed")
    lines.append(
        scenario_runs.no_police_line([r.screens for r in every if r.passed and r.category in NO_POLICE])
    )
    return lines, ok


def main(argv: list[str]) -> int:
    version = int(argv[0]) if argv else content.LATEST_VERSION
    elements = argv[1:] or ["welfare", "awol", "s136", "transport"]
    lines, ok = report(version, elements)
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
