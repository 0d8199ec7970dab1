"""Validate every stored policy version and run the scenarios on every draft and published version.

Prints one line per element and version, e.g. "welfare v1: 9 scenarios passed", the problems and
failing scenarios under it and the median and maximum screens to each category, and ends with the
two lines "scenarios: P passed, F failed" and "screens to a no-police outcome: median M, max X"
(over the scenarios of the published versions that end without police). Exits 1 on any failure.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from policies import flow as engine
from policies.flow import scenarios as scenario_runs
from policies.models import PolicyScenario, PolicyVersion
from policies.selectors import (
    agencies_used_but_not_in_force,
    agency_keys,
    policy_version_check,
    policy_versions_for_checking,
)
from policies.validators import problem_message


class Command(BaseCommand):
    help = (
        "Validate every stored policy version (agency keys included) and run every scenario against "
        "every draft and published version. Exits non-zero on any failure."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        keys = agency_keys()
        scenarios = list(PolicyScenario.objects.all())
        passed = failed = invalid = 0
        no_police_screens: list[int] = []
        for version in policy_versions_for_checking():
            label = f"{version.element.slug} v{version.number}"
            status = "" if version.status == PolicyVersion.Status.PUBLISHED else f" ({version.status})"
            result = policy_version_check(version, keys=keys, scenarios=scenarios)
            if result.problems:
                invalid += 1
                self.stdout.write(f"{label}{status}: INVALID, {len(result.problems)} problems")
                for problem in result.problems:
                    self.stdout.write(f"  - {problem_message(problem)}")
                continue
            if version.status == PolicyVersion.Status.RETIRED:
                self.stdout.write(f"{label}{status}: valid (scenarios are not run on retired versions)")
                continue
            line = f"{label}{status}: {len(result.passed)} scenarios passed"
            if result.failed:
                line += f", {len(result.failed)} failed"
            self.stdout.write(line)
            for failure in result.failed:
                self.stdout.write(f"  - FAILED {failure.scenario.name}: {failure.message}")
            for count in scenario_runs.screen_counts((r.category, r.screens) for r in result.passed):
                self.stdout.write(count.line())
            if version.status == PolicyVersion.Status.PUBLISHED:
                no_police_screens += [r.screens for r in result.passed if r.category in engine.NO_POLICE]
            if version.status == PolicyVersion.Status.PUBLISHED:
                for key in agencies_used_but_not_in_force(version):
                    self.stdout.write(f"  - warning: the agency '{key}' is not in force today")
            passed += len(result.passed)
            failed += len(result.failed)
        self.stdout.write(f"scenarios: {passed} passed, {failed} failed")
        self.stdout.write(scenario_runs.no_police_line(no_police_screens))
        if failed or invalid:
            what = []
            if invalid:
                what.append(f"{invalid} invalid versions")
            if failed:
                what.append(f"{failed} failing scenarios")
            raise CommandError("Policy check failed: " + " and ".join(what), returncode=1)
