"""The load benchmark's figures: Locust's statistics read back, bench/results/latest.json and
latest.md, and each target MET or MISSED. Plain Python (no Django, no Locust)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

KEYS = (
    "machine",
    "decisions",
    "baseline_rps",
    "journey_rps",
    "journey_ratio",
    "journey_p99_ms",
    "concurrency",
    "errors",
    "list_p95_ms",
    "deep_page_p95_ms",
    "dashboard_p95_ms",
    "worker_peak_mb",
    "export_peak_mb",
    "import_2500_s",
)
"""latest.json's keys, in order (and `detail`)."""

FULL_SCALE = 2_000_000
TARGETS = {
    "journey_ratio": 0.30,
    "journey_p99_ms": 100.0,
    "errors": 0,
    "list_p95_ms": 150.0,
    "deep_page_p95_ms": 150.0,
    "dashboard_p95_ms": 500.0,
    "export_peak_mb": 150.0,
}


def _number(text: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return 0.0


def phase_stats(stats_csv: str, failures_csv: str = "") -> dict[str, Any]:
    """One phase's figures from Locust's `--csv` files (<prefix>_stats.csv, _failures.csv):
    throughput, latency percentiles and errors over all requests (the "Aggregated" row), and per
    request name."""
    rows = list(csv.DictReader(io.StringIO(stats_csv)))
    if not rows:
        raise ValueError("Locust wrote no statistics")

    def figures(row: dict[str, str]) -> dict[str, Any]:
        return {
            "requests": int(_number(row["Request Count"])),
            "failures": int(_number(row["Failure Count"])),
            "rps": round(_number(row["Requests/s"]), 1),
            "p50_ms": _number(row["50%"]),
            "p95_ms": _number(row["95%"]),
            "p99_ms": _number(row["99%"]),
            "max_ms": round(_number(row["Max Response Time"]), 1),
            "mean_ms": round(_number(row["Average Response Time"]), 1),
        }

    total = next((r for r in rows if r["Name"] == "Aggregated"), None)
    if total is None:
        raise ValueError("Locust's statistics have no Aggregated row")
    by_name = {f"{r['Type']} {r['Name']}": figures(r) for r in rows if r["Name"] != "Aggregated"}
    failures = [
        {
            "request": f"{r['Method']} {r['Name']}",
            "error": r["Error"],
            "count": int(_number(r["Occurrences"])),
        }
        for r in csv.DictReader(io.StringIO(failures_csv))
    ]
    return {**figures(total), "by_name": by_name, "failure_kinds": failures}


def latest(
    *,
    machine: dict[str, Any],
    decisions: int,
    phases: dict[str, dict[str, Any]],
    concurrency: int,
    supervision: dict[str, Any],
    worker_peak_mb: float,
    import_2500_s: float,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """latest.json: exactly KEYS, plus `detail`. `phases` holds phase_stats() of "baseline",
    "journey", "supervisor" and "dashboards"; `supervision` the in-process figures (worst p95 of
    each group, the export's peak memory), as bench/supervision.py reports them. `errors` counts
    every failed request, those while the users were signing in (before the reset) too."""
    baseline, journey = phases["baseline"], phases["journey"]
    ratio = journey["rps"] / baseline["rps"] if baseline["rps"] else 0.0
    result = {
        "machine": machine,
        "decisions": decisions,
        "baseline_rps": baseline["rps"],
        "journey_rps": journey["rps"],
        "journey_ratio": round(ratio, 3),
        "journey_p99_ms": journey["p99_ms"],
        "concurrency": concurrency,
        "errors": sum(p["failures"] + p.get("warmup_failures", 0) for p in phases.values()),
        "list_p95_ms": supervision["list_p95_ms"],
        "deep_page_p95_ms": supervision["deep_page_p95_ms"],
        "dashboard_p95_ms": supervision["dashboard_p95_ms"],
        "worker_peak_mb": worker_peak_mb,
        "export_peak_mb": supervision["export_peak_mb"],
        "import_2500_s": import_2500_s,
        "detail": {"phases": phases, **(detail or {})},
    }
    assert tuple(k for k in result if k != "detail") == KEYS
    return result


@dataclass(frozen=True)
class Verdict:
    key: str
    what: str
    value: Any
    target: str
    met: bool
    note: str = ""

    def line(self) -> str:
        return (
            f"{'MET' if self.met else 'MISSED'}: {self.what} {self.value} (target {self.target}){self.note}"
        )


def verdicts(result: dict[str, Any]) -> list[Verdict]:
    """Each target against latest.json's figures. The supervision targets are set at 2,000,000
    decisions: on a smaller seed they are still judged, and marked as not at full scale."""
    scale = (
        "" if result["decisions"] >= FULL_SCALE else f" [at {result['decisions']:,} decisions, not 2,000,000]"
    )
    t = TARGETS
    return [
        Verdict(
            "journey_ratio",
            "Journey throughput / baseline",
            f"{result['journey_ratio']:.1%}",
            f">= {t['journey_ratio']:.0%}",
            result["journey_ratio"] >= t["journey_ratio"],
        ),
        Verdict(
            "journey_p99_ms",
            f"Journey p99 at {result['concurrency']} handlers",
            f"{result['journey_p99_ms']} ms",
            f"< {t['journey_p99_ms']:.0f} ms",
            result["journey_p99_ms"] < t["journey_p99_ms"],
        ),
        Verdict("errors", "Errors (all phases)", result["errors"], "0", result["errors"] == t["errors"]),
        Verdict(
            "list_p95_ms",
            "Decision log first page p95 (worst case)",
            f"{result['list_p95_ms']} ms",
            f"< {t['list_p95_ms']:.0f} ms",
            result["list_p95_ms"] < t["list_p95_ms"],
            scale,
        ),
        Verdict(
            "deep_page_p95_ms",
            "Decision log deep page p95 (worst case)",
            f"{result['deep_page_p95_ms']} ms",
            f"< {t['deep_page_p95_ms']:.0f} ms",
            result["deep_page_p95_ms"] < t["deep_page_p95_ms"],
            scale,
        ),
        Verdict(
            "dashboard_p95_ms",
            "Dashboards p95 (worst case)",
            f"{result['dashboard_p95_ms']} ms",
            f"< {t['dashboard_p95_ms']:.0f} ms",
            result["dashboard_p95_ms"] < t["dashboard_p95_ms"],
            scale,
        ),
        Verdict(
            "export_peak_mb",
            "CSV export peak memory",
            f"{result['export_peak_mb']} MB",
            f"< {t['export_peak_mb']:.0f} MB",
            result["export_peak_mb"] < t["export_peak_mb"],
        ),
    ]


def _phase_table(phases: dict[str, dict[str, Any]]) -> list[str]:
    lines = [
        "| Phase | Users | Requests | req/s | p50 ms | p95 ms | p99 ms | max ms | Errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, p in phases.items():
        lines.append(
            f"| {name} | {p.get('users', '')} | {p['requests']:,} | {p['rps']} | {p['p50_ms']:.0f} | "
            f"{p['p95_ms']:.0f} | {p['p99_ms']:.0f} | {p['max_ms']:.0f} | {p['failures']} |"
        )
    return lines


def markdown(result: dict[str, Any], found: list[Verdict], explanations: dict[str, str]) -> str:
    """latest.md: the figures, each target MET or MISSED with why for a missed one."""
    m, d = result["machine"], result["detail"]
    lines = [
        "# Benchmark (`make bench`)",
        "",
        f"{result['decisions']:,} decisions; {m.get('cores')} cores, {m.get('ram_gb')} GB RAM, "
        f"{m.get('cpu')}; "
        f"Python {m.get('python')}. {d.get('how', '')}",
        "",
        "| Figure | Value |",
        "|---|---:|",
        *(f"| `{k}` | {result[k]} |" for k in KEYS if k != "machine"),
        "",
        "## Targets",
        "",
    ]
    for v in found:
        lines.append(f"- **{'MET' if v.met else 'MISSED'}** {v.what}: {v.value} (target {v.target}){v.note}")
        if not v.met and explanations.get(v.key):
            lines.append(f"  - Why: {explanations[v.key]}")
    lines += ["", "## Load phases (Locust, headless)", "", *_phase_table(d["phases"]), ""]
    for name, p in d["phases"].items():
        lines += [
            f"### {name}",
            "",
            "| Request | Count | req/s | p50 | p95 | p99 | Errors |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for req, f in p["by_name"].items():
            if not f["requests"] and not f["failures"]:
                continue  # the sign-in, before the statistics were reset
            lines.append(
                f"| {req} | {f['requests']:,} | {f['rps']} | {f['p50_ms']:.0f} | {f['p95_ms']:.0f} | "
                f"{f['p99_ms']:.0f} | {f['failures']} |"
            )
        locust = p.get("locust") or {}
        if "journeys" in locust and name == "journey":
            errors = locust.get("journey_errors") or []
            lines.append(
                f"| journeys completed: {locust['journeys']:,}; "
                f"could not go on: {locust.get('journey_error_count', len(errors))}"
                + (f" (first: {errors[0][:120]})" if errors else "")
                + " | | | | | | |"
            )
        for failure in p.get("failure_kinds", []):
            lines.append(
                f"| failure: {failure['request']}: {failure['error'][:120]} | {failure['count']} | | | | | |"
            )
        lines.append("")
    for title, body in d.get("sections", {}).items():
        lines += [f"## {title}", "", body.rstrip(), ""]
    return "\n".join(lines)
